// The package's error codes: one list (lib/error-codes.js) that the README's
// table, the codes the sources raise and the generated errors.d.ts agree with,
// and isMlEngineError, which tells this package's errors by code in any realm.
import fs from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import ts from 'typescript'
import { ERROR_CODES, featuresToVector, isMlEngineError, WorkflowPredictor } from '..'

const root = path.resolve(__dirname, '..')

/** Every file under `dir` (recursively) whose name ends with one of `exts`. */
function sources(dir: string, exts: string[]): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'target' || e.name === 'node_modules' ? [] : sources(p, exts)
    return exts.some((x) => e.name.endsWith(x)) ? [p] : []
  })
}

describe('error codes', () => {
  it('lists exactly the codes of the README table, in its order', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## Migrating'))
    const documented = [...table.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1])
    expect(documented).toEqual([...ERROR_CODES])
  })

  it('lists every code the engine, the store, the binding and the JavaScript layer raise', () => {
    // Test files and napi-rs's generated loader (native.js) aside.
    const files = [
      ...sources(path.join(root, 'crates'), ['.rs']),
      ...sources(path.join(root, 'src'), ['.rs']),
      ...sources(path.join(root, 'lib'), ['.js']),
      ...['index.js', 'workflow-predictors.js', 'workflow-features.js', 'production.js', 'train-workflow-models.js'].map((f) => path.join(root, f)),
    ].filter((f) => !/[\\/]tests?[\\/]|tests?\.rs$/.test(f))
    const raised = new Set<string>()
    for (const f of files) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/["'](ERR_[A-Z_]+)["']/g)) raised.add(m[1])
    }
    expect(raised.size).toBeGreaterThan(20)
    expect([...raised].filter((c) => !ERROR_CODES.includes(c as never)).sort()).toEqual([])
    expect([...ERROR_CODES].filter((c) => !raised.has(c)).sort()).toEqual([])
  })

  it('tells errors of this package by their code, in any realm', async () => {
    let thrown: unknown
    try {
      featuresToVector({ workflowType: 'no-such-workflow' } as never)
    } catch (e) {
      thrown = e
    }
    expect(isMlEngineError(thrown)).toBe(true)
    expect(isMlEngineError(thrown, 'ERR_UNKNOWN_WORKFLOW')).toBe(true)
    expect(isMlEngineError(thrown, 'ERR_INVALID_ARG')).toBe(false)
    const notReady = await new WorkflowPredictor().predict({ workflowType: 'freestyle' } as never).catch((e: unknown) => e)
    expect(isMlEngineError(notReady, 'ERR_NOT_INITIALIZED')).toBe(true)
    // An error made in another context is still told by its code.
    const foreign = vm.runInNewContext("Object.assign(new TypeError('x'), { code: 'ERR_INVALID_FEATURE' })")
    expect(foreign instanceof TypeError).toBe(false)
    expect(isMlEngineError(foreign, 'ERR_INVALID_FEATURE')).toBe(true)
    for (const other of [new Error('plain'), Object.assign(new Error('node'), { code: 'ENOENT' }), null, undefined, 'ERR_IO', { code: 'ERR_IO ' }]) {
      expect(isMlEngineError(other)).toBe(false)
    }
  })

  it('types the code as a union TypeScript checks', () => {
    const file = path.join(root, '__test__', 'fixtures', 'error-usage.ts')
    const source = [
      "import { isMlEngineError, MlEngineErrorCode, featuresToVector } from '../../index'",
      'export function code(e: unknown): MlEngineErrorCode | undefined {',
      "  if (isMlEngineError(e, 'ERR_UNKNOWN_WORKFLOW')) { const c: 'ERR_UNKNOWN_WORKFLOW' = e.code; return c }",
      '  return isMlEngineError(e) ? e.code : undefined',
      '}',
      "export const bad: MlEngineErrorCode = 'ERR_NOT_A_CODE'",
      'featuresToVector',
    ].join('\n')
    const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, types: [] }
    const host = ts.createCompilerHost(options)
    const read = host.readFile.bind(host)
    const exists = host.fileExists.bind(host)
    host.readFile = (f) => (path.resolve(f) === file ? source : read(f))
    host.fileExists = (f) => path.resolve(f) === file || exists(f)
    const errors = ts.getPreEmitDiagnostics(ts.createProgram([file], options, host)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    // The one error: the code that is not one.
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(`'"ERR_NOT_A_CODE"' is not assignable to type 'MlEngineErrorCode'`)
  })
})
