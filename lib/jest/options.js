'use strict'
// Options of the Jest sequencer and reporter, declared once. Each option can
// be given to the reporter in jest.config (the sequencer reads the same entry,
// so both agree on where the history is) or through its environment variable,
// which wins. Everything is read here, in JavaScript.

const fs = require('node:fs')
const path = require('node:path')
const { engineError } = require('../errors')

const REPORTER_FILE = path.join(__dirname, 'reporter.js')

const number = (min, max, integer) => (text, name) => {
  const value = typeof text === 'number' ? text : typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw engineError('ERR_INVALID_ARG', `Invalid ${name}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, received ${JSON.stringify(text)}`, TypeError)
  }
  return value
}
const text = (value, name) => {
  if (typeof value !== 'string' || value === '') {
    throw engineError('ERR_INVALID_ARG', `Invalid ${name}: expected a non-empty string, received ${JSON.stringify(value)}`, TypeError)
  }
  return value
}
const oneOf = (...allowed) => (value, name) => {
  if (!allowed.includes(value)) {
    throw engineError('ERR_INVALID_ARG', `Invalid ${name}: expected one of ${allowed.join(', ')}, received ${JSON.stringify(value)}`, TypeError)
  }
  return value
}

/** option -> { env, parse, default, description }. */
const OPTIONS = {
  dir: { env: 'DAWG_ML_DIR', parse: text, default: '.dawg-ml', description: 'State directory (relative to Jest rootDir): test-history/ and last-order.json.' },
  graph: { env: 'DAWG_ML_KNOWLEDGE_GRAPH', parse: text, default: undefined, description: 'Knowledge graph file (default: package.json "dawg-ml".knowledgeGraph, else ./workflow-knowledge-graph.json).' },
  base: { env: 'DAWG_ML_BASE', parse: text, default: undefined, description: 'Git ref whose merge base with HEAD the changes are taken against (default: uncommitted changes only).' },
  confidence: { env: 'DAWG_ML_CONFIDENCE', parse: number(0.01, 1, false), default: undefined, description: 'Run only a subset meeting this share of past failures (e.g. 0.95). Unset: run every test, riskiest first.' },
  modelsDir: { env: 'DAWG_ML_MODELS_DIR', parse: text, default: undefined, description: "Models for the workflow risk (default: the project's models, the shipped ones as fallback; a directory given here is used alone)." },
  minRuns: { env: 'DAWG_ML_MIN_RUNS', parse: number(1, 100000, true), default: 5, description: 'Recorded runs needed before a subset is selected.' },
  maxRuns: { env: 'DAWG_ML_HISTORY_RUNS', parse: number(1, 100000, true), default: 200, description: 'Recorded runs kept and read.' },
  halfLife: { env: 'DAWG_ML_HALF_LIFE', parse: number(1, 100000, false), default: 30, description: 'Runs after which a recorded outcome counts half.' },
  flipWeight: { env: 'DAWG_ML_FLIP_WEIGHT', parse: number(0, 1, false), default: 0.5, description: 'How much a test\'s flip rate raises its score.' },
  order: { env: 'DAWG_ML_ORDER', parse: oneOf('risk', 'jest'), default: 'risk', description: "'jest' turns the sequencer into Jest's default one." },
}

/** The options this reporter entry was given in the Jest config, if it is listed there. */
function reporterOptions(globalConfig) {
  const real = (p) => {
    try {
      return fs.realpathSync(p)
    } catch {
      return p
    }
  }
  const mine = real(REPORTER_FILE)
  for (const entry of globalConfig?.reporters ?? []) {
    const [name, options] = Array.isArray(entry) ? entry : [entry, {}]
    if (typeof name === 'string' && path.isAbsolute(name) && real(name) === mine) return options ?? {}
  }
  return {}
}

/**
 * The resolved options: environment over `given` (the reporter's config
 * entry) over defaults; `dir`, `graph` and `modelsDir` made absolute
 * against `rootDir`.
 */
function resolveOptions(rootDir, given = {}, env = process.env) {
  for (const key of Object.keys(given)) {
    if (!(key in OPTIONS)) {
      throw engineError('ERR_INVALID_ARG', `Invalid option '${key}' of @dawg-ai/ml-engine/jest-reporter (known: ${Object.keys(OPTIONS).join(', ')})`, TypeError)
    }
  }
  const out = {}
  for (const [key, spec] of Object.entries(OPTIONS)) {
    const fromEnv = env[spec.env]
    if (fromEnv !== undefined && fromEnv !== '') out[key] = spec.parse(fromEnv, `${spec.env}`)
    else if (given[key] !== undefined) out[key] = spec.parse(given[key], `option '${key}'`)
    else out[key] = spec.default
  }
  out.dir = path.resolve(rootDir, out.dir)
  if (out.graph !== undefined) out.graph = path.resolve(rootDir, out.graph)
  if (out.modelsDir !== undefined) out.modelsDir = path.resolve(rootDir, out.modelsDir)
  out.historyDir = path.join(out.dir, 'test-history')
  return out
}

module.exports = { OPTIONS, resolveOptions, reporterOptions }
