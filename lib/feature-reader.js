'use strict'
// Encodes raw feature objects for the addon: per schema field, one number and
// one type tag (the protocol of src/encoded.rs, which validates every value
// with the engine's own rules). This module decides nothing about validity;
// what it cannot encode exactly (an object, a symbol, a string that is not one
// of an enum's values, ...) it reports as "exotic", and the caller hands the
// object to the addon's N-API path, which reads it again and describes the
// value in its error.
//
// The readers are compiled once per workflow from the schema the addon
// declares (getSchemaJson), so each field read is a named property load with
// its own inline cache. Everything they use is captured here at load time:
// user code that later patches a builtin (Map.prototype.get,
// Array.prototype.indexOf, ...) cannot change how inputs are read.

const native = require('./binding')

const TAG = Object.freeze({ MISSING: 0, NUMBER: 1, BOOLEAN: 2, ENUM_INDEX: 3, TEXT: 4, NULL: 5 })
/** A reader's result for an object it cannot encode exactly. */
const EXOTIC = -1

const objectKeys = Object.keys
const isArray = Array.isArray
const jsonStringify = JSON.stringify
const FunctionConstructor = Function

const schema = JSON.parse(native.getSchemaJson())

/** Per workflow, in schema order: its type, interface and fields (base fields first, as the engine orders them). */
const WORKFLOWS = schema.workflows.map((w, index) => ({
  index,
  workflowType: w.workflowType,
  interface: w.interface,
  /** Entries of its normalised feature vector. */
  vectorLength: w.vector.length,
  fields: [...schema.baseFields, ...w.fields].map((f) => ({ name: f.field, type: f.type, values: f.values ?? [] })),
}))

// Lookups by string on objects without a prototype: no inherited keys, and
// no builtin method involved in the lookup.
const INDEX_OF_TYPE = Object.create(null)
for (const w of WORKFLOWS) INDEX_OF_TYPE[w.workflowType] = w.index
const KNOWN_FIELDS = WORKFLOWS.map((w) => {
  const known = Object.create(null)
  for (const f of w.fields) known[f.name] = true
  return known
})

/**
 * The general encoding of any value `v` for a field of type `type` into
 * slot `j`: 0 when absent, 1 when encoded, 2 when exotic.
 */
function encodeAny(v, j, type, values, f64, tags) {
  switch (typeof v) {
    case 'undefined':
      tags[j] = TAG.MISSING
      return 0
    case 'number':
      f64[j] = v
      tags[j] = TAG.NUMBER
      return 1
    case 'boolean':
      f64[j] = v ? 1 : 0
      tags[j] = TAG.BOOLEAN
      return 1
    case 'string': {
      if (type === 'string' || type === 'workflowType') {
        tags[j] = TAG.TEXT
        return 1
      }
      if (type === 'enum') {
        for (let i = 0; i < values.length; i++) {
          if (values[i] === v) {
            f64[j] = i
            tags[j] = TAG.ENUM_INDEX
            return 1
          }
        }
      }
      return 2
    }
    default:
      if (v === null) {
        tags[j] = TAG.NULL
        return 1
      }
      return 2
  }
}

/** The expected-type test and its encoding, as source, for one field of a compiled reader. */
function fieldSource(field, j) {
  const at = `base + ${j}`
  const read = `v = o[${jsonStringify(field.name)}];`
  const other = `else { r = encodeAny(v, ${at}, ${jsonStringify(field.type)}, values[${j}], f64, tags); n += r & 1; x |= r & 2; }`
  switch (field.type) {
    case 'workflowType':
      // Matched by the caller's workflow lookup before the reader runs.
      return `tags[${at}] = ${TAG.TEXT}; n++;`
    case 'number':
      return `${read} if (typeof v === 'number') { f64[${at}] = v; tags[${at}] = ${TAG.NUMBER}; n++; } ${other}`
    case 'boolean':
      return `${read} if (typeof v === 'boolean') { f64[${at}] = v ? 1 : 0; tags[${at}] = ${TAG.BOOLEAN}; n++; } ${other}`
    case 'string':
      return `${read} if (typeof v === 'string') { tags[${at}] = ${TAG.TEXT}; n++; } ${other}`
    case 'enum': {
      const match = field.values.map((value, i) => `v === ${jsonStringify(value)} ? ${i} : `).join('') + '-1'
      return `${read} if (typeof v === 'string') { i = ${match}; if (i >= 0) { f64[${at}] = i; tags[${at}] = ${TAG.ENUM_INDEX}; n++; } else x = 2; } ${other}`
    }
    default:
      throw new Error(`unknown field type ${field.type} of ${field.name}`)
  }
}

/** A reader for workflow `w`: straight-line code with the field names as constants. */
function compile(w) {
  const body = w.fields.map(fieldSource).join('\n')
  const source = `'use strict'; return function read(o, f64, tags, base) { let v, r, i, n = 0, x = 0;\n${body}\nreturn x ? ${EXOTIC} : n; }`
  return new FunctionConstructor('encodeAny', 'values', source)(
    encodeAny,
    w.fields.map((f) => f.values),
  )
}

/** The same reader as a loop, where code generation from strings is disabled. */
function generic(w) {
  const fields = w.fields
  return function read(o, f64, tags, base) {
    let n = 0
    let x = 0
    for (let j = 0; j < fields.length; j++) {
      const f = fields[j]
      if (f.type === 'workflowType') {
        tags[base + j] = TAG.TEXT
        n++
        continue
      }
      const r = encodeAny(o[f.name], base + j, f.type, f.values, f64, tags)
      n += r & 1
      x |= r & 2
    }
    return x ? EXOTIC : n
  }
}

let READERS
try {
  READERS = WORKFLOWS.map(compile)
} catch {
  // --disallow-code-generation-from-strings, or a CSP that forbids eval.
  READERS = WORKFLOWS.map(generic)
}

/** The workflow index `o` names, or -1 when it is not a plain object naming a known workflow. */
function workflowOf(o) {
  if (typeof o !== 'object' || o === null || isArray(o)) return -1
  const type = o.workflowType
  if (typeof type !== 'string') return -1
  const w = INDEX_OF_TYPE[type]
  return w === undefined ? -1 : w
}

/**
 * Encode `o`, an object of workflow `w`, into `f64`/`tags` from slot `base`.
 * Returns the number of fields present, or EXOTIC.
 */
function encode(w, o, f64, tags, base) {
  return READERS[w](o, f64, tags, base)
}

const NONE = Object.freeze([])

/**
 * The own keys of `o` that are not fields of workflow `w`, or an empty array.
 * `present` is what `encode` counted: when every own key is a field that was
 * present, the counts agree and nothing is scanned.
 */
function unknownKeys(w, o, present) {
  const keys = objectKeys(o)
  if (keys.length === present) return NONE
  const known = KNOWN_FIELDS[w]
  const unknown = []
  for (let i = 0; i < keys.length; i++) if (known[keys[i]] !== true) unknown[unknown.length] = keys[i]
  return unknown
}

/** The most slots any workflow's object needs. */
const MAX_FIELDS = Math.max(...WORKFLOWS.map((w) => w.fields.length))

module.exports = { WORKFLOWS, EXOTIC, MAX_FIELDS, workflowOf, encode, unknownKeys }
