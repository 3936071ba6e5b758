// getWorkflowPredictor(): one process-wide instance, initialised once.
import path from 'node:path'
import { getWorkflowPredictor, WorkflowPredictor, DEFAULT_MODELS_DIR } from '../workflow-predictors'
import { OLD_MODELS_DIR } from './helpers'

describe('getWorkflowPredictor', () => {
  it('returns one initialised instance, even to concurrent first calls', async () => {
    const [a, b] = await Promise.all([getWorkflowPredictor({ modelsDir: OLD_MODELS_DIR }), getWorkflowPredictor({ modelsDir: OLD_MODELS_DIR })])
    expect(a).toBe(b)
    expect(a).toBeInstanceOf(WorkflowPredictor)
    expect(a.modelsDir).toBe(path.resolve(OLD_MODELS_DIR))
    expect(a.getAllModels()).toHaveLength(8)
    expect(await getWorkflowPredictor({ modelsDir: OLD_MODELS_DIR })).toBe(a)
  })

  it('refuses a non-object and a different strict mode', async () => {
    await expect(getWorkflowPredictor(null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' })
    await expect(getWorkflowPredictor({ modelsDir: OLD_MODELS_DIR, strict: true })).rejects.toMatchObject({ code: 'ERR_PREDICTOR_CONFLICT', message: expect.stringContaining('strict: false') })
    expect((await getWorkflowPredictor({ modelsDir: OLD_MODELS_DIR, strict: false })).strict).toBe(false)
  })

  it('refuses to silently hand out models from another directory', async () => {
    await expect(getWorkflowPredictor()).rejects.toMatchObject({ code: 'ERR_PREDICTOR_CONFLICT' })
    await expect(getWorkflowPredictor()).rejects.toThrow(DEFAULT_MODELS_DIR)
  })
})
