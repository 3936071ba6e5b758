// The package's subpath exports load from CommonJS and from ES modules, by
// package name (Node resolves a package's own name through its "exports").
import { execFileSync } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(__dirname, '..')

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
}

describe('module formats', () => {
  const script = (imports: string) => `${imports}
const p = new WorkflowPredictor({ modelsDir: ${JSON.stringify(path.join(root, 'fixtures', 'ts-ml-engine', 'models'))} })
p.initializeSync()
console.log(JSON.stringify([typeof getWorkflowPredictor, getWorkflowDisplayName('ai-memory'), p.getAllModels().length]))`

  it("gives every subpath types where TypeScript ignores \"exports\" (TS 5 with module commonjs)", () => {
    // Without "exports", TS looks for <subpath>.d.ts at the package root, or a typesVersions entry.
    const pkg = require(path.join(root, 'package.json'))
    const fs = require('node:fs')
    for (const [subpath, target] of Object.entries(pkg.exports as Record<string, { types?: string }>)) {
      if (subpath === '.' || typeof target !== 'object' || !target.types) continue
      const name = subpath.slice(2)
      const mapped = pkg.typesVersions?.['*']?.[name]?.[0]
      const found = mapped ?? `${name}.d.ts`
      expect([subpath, path.normalize(found)]).toEqual([subpath, path.normalize(target.types)])
      expect(fs.existsSync(path.join(root, found))).toBe(true)
    }
  })

  it('loads the subpaths with require()', () => {
    const out = node(['-e', script(`const { WorkflowPredictor, getWorkflowPredictor } = require('@dawg-ai/ml-engine/workflow-predictors')
const { getWorkflowDisplayName } = require('@dawg-ai/ml-engine/workflow-features')`)])
    expect(JSON.parse(out)).toEqual(['function', 'AI Memory', 8])
  })

  it('loads the subpaths and the root with import', () => {
    const out = node(['--input-type=module', '-e', script(`import { WorkflowPredictor, getWorkflowPredictor } from '@dawg-ai/ml-engine/workflow-predictors'
import { getWorkflowDisplayName } from '@dawg-ai/ml-engine/workflow-features'
import * as root from '@dawg-ai/ml-engine'
if (root.WorkflowPredictor !== WorkflowPredictor) throw new Error('root and subpath differ')`)])
    expect(JSON.parse(out)).toEqual(['function', 'AI Memory', 8])
  })

  it('exposes the same functions from the package root', () => {
    const out = node(['-e', `const m = require('@dawg-ai/ml-engine'); console.log(JSON.stringify(['featuresToVector','getWorkflowPredictor','WorkflowPredictor','generateTrainingData','train','trainAllModels','trainWorkflowModel'].map(k => typeof m[k])))`])
    expect(JSON.parse(out)).toEqual(['function', 'function', 'function', 'function', 'function', 'function', 'function'])
  })
})
