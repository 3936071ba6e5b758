// The engine's schema declaration (src/schema) matches the old engine's, as
// recorded in fixtures/ts-parity/schema.json: every raw field and
// its type (enum values included, even for fields that feed no vector entry),
// every vector entry and its normalisation, and the critical features.
import fs from 'node:fs'
import path from 'node:path'
import { FIXTURES } from './helpers'

// The binding's schema description, the same one the .d.ts is generated from.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require('../lib/binding') as { getSchemaJson(): string }

interface Field { field: string; type: string; values?: string[] }
interface Entry { feature: string; field: string; kind: string; divisor?: number; offset?: number; value?: string }

const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'ts-parity', 'schema.json'), 'utf8'))
const engine = JSON.parse(native.getSchemaJson())

const fieldShape = (f: Field) => ({ field: f.field, type: f.type, ...(f.values ? { values: f.values } : {}) })
const entryShape = (e: Entry) => ({
  feature: e.feature, field: e.field, kind: e.kind,
  ...(e.divisor !== undefined ? { divisor: e.divisor } : {}),
  ...(e.offset !== undefined ? { offset: e.offset } : {}),
  ...(e.value !== undefined ? { value: e.value } : {}),
})

describe('schema declaration', () => {
  it('has the old base interface and fields', () => {
    expect(engine.baseInterface).toBe(fixture.baseInterface)
    expect(engine.baseFields.map(fieldShape)).toEqual(fixture.baseFields.map(fieldShape))
  })

  const types: string[] = fixture.workflows.map((w: { workflowType: string }) => w.workflowType)
  it.each(types)('declares %s as the old engine did', (type: string) => {
    const want = fixture.workflows.find((w: { workflowType: string }) => w.workflowType === type)
    const got = engine.workflows.find((w: { workflowType: string }) => w.workflowType === type)
    expect(got).toBeDefined()
    expect([got.displayName, got.interface]).toEqual([want.displayName, want.interface])
    expect(got.fields.map(fieldShape)).toEqual(want.fields.map(fieldShape))
    expect(got.vector.map(entryShape)).toEqual(want.vector.map(entryShape))
    expect(got.criticalFeatures).toEqual(want.criticalFeatures)
  })

  it('lists the workflows in the old order', () => {
    expect(engine.workflows.map((w: { workflowType: string }) => w.workflowType)).toEqual(fixture.workflows.map((w: { workflowType: string }) => w.workflowType))
  })
})
