'use strict'
// fast-check arbitraries for hostile feature objects, built from the engine
// schema: valid values, wrong types, NaN/±Infinity, huge and negative
// numbers, long strings, missing fields, unknown keys (typos), and objects
// that are not plain: getters (constant or throwing), proxies, fields on the
// prototype, a null prototype, arrays, frozen objects, `__proto__` keys.
const fc = require('fast-check')
const native = require('../../lib/binding')
const { SENTINEL } = require('./invariants')

const SCHEMA = JSON.parse(native.getSchemaJson())
const WORKFLOWS = SCHEMA.workflows.map((w) => ({
  workflowType: w.workflowType,
  fields: [...SCHEMA.baseFields, ...w.fields],
  vector: w.vector,
}))

function validValue(field, workflowType) {
  switch (field.type) {
    case 'number':
      return fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 100 }))
    case 'boolean':
      return fc.boolean()
    case 'enum':
      return fc.constantFrom(...field.values)
    case 'workflowType':
      return fc.constant(workflowType)
    default:
      return fc.oneof(fc.constant('2024-06-01T12:00:00Z'), fc.string({ maxLength: 8 }))
  }
}

const hostileValue = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, -0, 2 ** 53 + 2, -(2 ** 31)),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, undefined, true, false, '', '0', 'NaN', 'running', 'ai-memory', 'en-US'),
  fc.string({ maxLength: 16 }),
  fc.integer({ min: 1, max: 20000 }).map((n) => 'x'.repeat(n)),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.constant(Symbol('fuzz')),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  fc.constantFrom(new Date(0), new Number(1), new Boolean(true), new String('running'), () => 1, { valueOf: () => 1 }),
)

/** A misspelling of a field name, or any key. */
const unknownKey = (fields) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...fields.map((f) => f.field)), fc.integer({ min: 0, max: 20 })).map(([name, i]) => {
      const k = i % name.length
      return name.slice(0, k) + name.slice(k + 1)
    }),
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.constantFrom('constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'),
  )

/** `arbitrary` once in `n` cases, else null. */
const rarely = (arbitrary, n) => fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary })

/** Half the time none. */
const sometimes = (arrayArbitrary) => fc.oneof(fc.constant([]), arrayArbitrary)

/** How a field is put on the object. */
const placement = fc.oneof({ weight: 30, arbitrary: fc.constant('own') }, fc.constantFrom('getter', 'prototype', 'nonEnumerable'))

/** The fields of one workflow: [name, value, placement], with some left out and some hostile. */
const entriesOf = (w) =>
  fc
    .tuple(
      fc.tuple(...w.fields.map((f) => fc.option(fc.tuple(validValue(f, w.workflowType), placement), { freq: 60, nil: null }))),
      sometimes(fc.array(fc.tuple(fc.nat(), hostileValue), { minLength: 1, maxLength: 2 })),
      sometimes(fc.array(fc.tuple(unknownKey(w.fields), hostileValue), { minLength: 1, maxLength: 2 })),
      rarely(hostileValue, 20),
    )
    .map(([slots, hostile, unknown, type]) => {
      const entries = []
      w.fields.forEach((f, i) => {
        if (slots[i] !== null) entries.push([f.field, slots[i][0], slots[i][1]])
      })
      for (const [i, v] of hostile) entries.push([w.fields[i % w.fields.length].field, v, 'own'])
      for (const [k, v] of unknown) entries.push([k, v, 'own'])
      if (type !== null) entries.push(['workflowType', type, 'own'])
      return entries
    })

const container = fc.oneof(
  { weight: 12, arbitrary: fc.constant('plain') },
  fc.constantFrom('nullPrototype', 'proxy', 'throwingProxy', 'frozen', 'array', 'jsonProto'),
)

/** Build the object an input stands for. Every getter is constant or always throws SENTINEL, so a build reads the same every time. */
function build({ entries, container, throwingGetter }) {
  const proto = {}
  let target = container === 'nullPrototype' ? Object.create(null) : container === 'array' ? [] : Object.create(proto)
  for (const [k, v, how] of entries) {
    if (how === 'getter') Object.defineProperty(target, k, { get: () => v, enumerable: true, configurable: true })
    else if (how === 'prototype' && container !== 'nullPrototype') proto[k] = v
    else if (how === 'nonEnumerable') Object.defineProperty(target, k, { value: v, enumerable: false, configurable: true, writable: true })
    else Object.defineProperty(target, k, { value: v, enumerable: true, configurable: true, writable: true })
  }
  if (throwingGetter !== null && entries.length > 0) {
    const k = entries[throwingGetter % entries.length][0]
    Object.defineProperty(target, k, { get() { throw SENTINEL }, enumerable: true, configurable: true })
  }
  switch (container) {
    case 'proxy':
      return new Proxy(target, {})
    case 'throwingProxy':
      return new Proxy(target, { get(t, k, r) { if (k === 'workflowType' || typeof k === 'symbol') return Reflect.get(t, k, r); throw SENTINEL } })
    case 'frozen':
      return Object.freeze(target)
    case 'jsonProto':
      return JSON.parse(JSON.stringify({ ...Object.fromEntries(entries.filter(([, v]) => typeof v !== 'bigint' && typeof v !== 'symbol').map(([k, v]) => [k, v])), ['__proto__']: { workflowType: 'ai-memory' } }))
    default:
      return target
  }
}

/** A description of a hostile input (shown when shrunk): build it with `build`. */
const featureInput = fc
  .constantFrom(...WORKFLOWS)
  .chain((w) =>
    fc.record({
      workflowType: fc.constant(w.workflowType),
      entries: entriesOf(w),
      container,
      throwingGetter: rarely(fc.nat(), 15),
    }),
  )

/** Now and then not an object at all. */
const anyInput = fc.oneof(
  { weight: 20, arbitrary: featureInput.map((d) => ({ ...d, kind: 'object' })) },
  { weight: 1, arbitrary: hostileValue.map((v) => ({ kind: 'value', value: v })) },
)

function materialise(d) {
  return d.kind === 'value' ? d.value : build(d)
}

module.exports = { SCHEMA, WORKFLOWS, hostileValue, featureInput, anyInput, build, materialise }
