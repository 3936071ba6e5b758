'use strict'
// Values bound for the outcome store travel as JSON, and JSON.stringify
// quietly changes some of them: NaN and ±Infinity become null, a boxed
// Number or a Date (through its toJSON) becomes another value, functions
// and symbols vanish, a BigInt throws without a code. The store would then
// check and keep something the caller never passed. So they are refused
// here, naming where they are, before anything is serialised.

const { engineError } = require('./errors')

const BOXED = new Set(['[object Number]', '[object String]', '[object Boolean]', '[object BigInt]', '[object Symbol]'])
/** The deepest nesting taken (features are flat; figures are shallow): deeper is refused, not a stack overflow. */
const MAX_DEPTH = 32

const tagOf = (v) => Object.prototype.toString.call(v).slice(8, -1)

/** Why JSON would not keep `v` as it is, or null when it would. */
function unfaithful(v, root) {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? null : `is ${v}, which JSON would store as null`
    case 'bigint':
      return 'is a BigInt, which JSON cannot store'
    case 'function':
    case 'symbol':
      return `is a ${typeof v}, which JSON would drop`
    case 'object':
      if (v === null) return null
      if (BOXED.has(Object.prototype.toString.call(v))) return `is a ${tagOf(v)} object; pass the primitive value`
      // The top level is copied key by key, so its own toJSON is never called.
      if (!root && typeof v.toJSON === 'function') return `is a ${tagOf(v)} with a toJSON method, which JSON would store in its place`
      return null
    default:
      return null
  }
}

/**
 * A plain copy of `value` that JSON.stringify keeps exactly, or the
 * `code` TypeError naming the path (from `name`) of the first value it
 * would change. Keys holding undefined are left out, as JSON leaves them.
 * With `convert` (free-form figures, not features), a boxed primitive and
 * a value with toJSON (a Date) are converted as JSON converts them; what
 * JSON would lose (NaN, Infinity, a BigInt, a function) is still refused.
 */
function faithful(value, name, code = 'ERR_INVALID_ARG', { convert = false } = {}) {
  const within = new Set()
  const walk = (raw, at, key) => {
    let v = raw
    if (convert && v !== null && typeof v === 'object') {
      if (typeof v.toJSON === 'function') v = v.toJSON(key)
      else if (BOXED.has(Object.prototype.toString.call(v))) v = v.valueOf()
    }
    const why = within.has(v) ? 'refers to an object that holds it (a cycle), which JSON cannot store' : within.size > MAX_DEPTH ? `is nested more than ${MAX_DEPTH} levels deep` : unfaithful(v, at === name)
    if (why !== null) {
      throw engineError(code, `Invalid ${code === 'ERR_INVALID_FEATURE' ? 'feature' : 'argument'} '${at}': ${why}`, TypeError)
    }
    if (v === null || typeof v !== 'object') return v
    within.add(v)
    let out
    if (Array.isArray(v)) {
      out = v.map((x, i) => walk(x, `${at}[${i}]`, String(i)))
    } else {
      out = {}
      for (const k of Object.keys(v)) {
        const x = v[k]
        if (x !== undefined) out[k] = walk(x, `${at}.${k}`, k)
      }
    }
    within.delete(v)
    return out
  }
  return walk(value, name, '')
}

module.exports = { faithful }
