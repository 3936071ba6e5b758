// The loader error a user sees when no native binary fits: the package's JS
// files are copied into a temp dir without any .node file and required from a
// fresh Node process, so neither the repo's binary nor Jest's module registry
// can satisfy the load.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './helpers'

const ROOT = path.resolve(__dirname, '..')
const JS_FILES = ['native.js', 'workflow-features.js', 'workflow-predictors.js', 'lib/binding.js', 'lib/errors.js']

function libcSuffix(): string {
  if (process.platform !== 'linux') return ''
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } }
  return report.header?.glibcVersionRuntime ? '-gnu' : '-musl'
}
const SUFFIX =
  process.platform === 'win32' ? `win32-${process.arch}-msvc` : `${process.platform}-${process.arch}${libcSuffix()}`

interface Outcome {
  loaded: boolean
  code?: string
  message?: string
  causeIsError?: boolean
  causeMessage?: string
  tried?: string[]
  libc?: string | null
}

/** Copy the package's JS (no .node) into a temp dir, optionally add files, and require `entry` there. */
function requireHidden(entry: string, extra: Record<string, string> = {}): Outcome {
  const dir = tempDir('hidden-binary')
  for (const f of JS_FILES) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true })
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f))
  }
  for (const [f, content] of Object.entries(extra)) fs.writeFileSync(path.join(dir, f), content)
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.node') && !(f in extra))).toEqual([])
  const script = `
    let out
    try { require(${JSON.stringify(path.join(dir, entry))}); out = { loaded: true } }
    catch (e) {
      out = { loaded: false, code: e.code, message: e.message, causeIsError: e.cause instanceof Error,
              causeMessage: e.cause && e.cause.message, tried: e.tried, libc: e.libc }
    }
    process.stdout.write(JSON.stringify(out))`
  const env = { ...process.env }
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH
  delete env.NODE_PATH
  const run = spawnSync(process.execPath, ['-e', script], { cwd: dir, env, encoding: 'utf8' })
  expect(run.status).toBe(0)
  try {
    return JSON.parse(run.stdout)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe('loader error when no native binary fits (binary hidden)', () => {
  const viaPredictors = requireHidden('workflow-predictors.js')

  it('fails with ERR_NATIVE_BINDING_NOT_FOUND from the public entry point', () => {
    expect(viaPredictors.loaded).toBe(false)
    expect(viaPredictors.code).toBe('ERR_NATIVE_BINDING_NOT_FOUND')
  })

  it('names the detected platform, arch and libc', () => {
    const message = viaPredictors.message!
    expect(message).toContain(`platform=${process.platform}`)
    expect(message).toContain(`arch=${process.arch}`)
    if (process.platform === 'linux') {
      expect(viaPredictors.libc).toMatch(/^(glibc \d+\.\d+|musl)$/)
      expect(message).toContain(`libc=${viaPredictors.libc}`)
    }
  })

  it('lists the in-package file and the platform package it tried', () => {
    expect(viaPredictors.tried).toEqual(expect.arrayContaining([`./ml-engine.${SUFFIX}.node`, `@dawg-ai/ml-engine-${SUFFIX}`]))
    expect(viaPredictors.message).toContain(`@dawg-ai/ml-engine-${SUFFIX}: not installed`)
    // The WASI fallback is not a target of this package and must not be offered.
    expect(viaPredictors.message).not.toMatch(/wasm32-wasi/)
  })

  it('keeps the underlying load error as `cause` and gives the fix', () => {
    expect(viaPredictors.causeIsError).toBe(true)
    expect(viaPredictors.causeMessage).toMatch(/Cannot find module '@dawg-ai\/ml-engine-/)
    expect(viaPredictors.message).toMatch(/Fix: .*npm install/)
    expect(viaPredictors.message).toContain(`npm install @dawg-ai/ml-engine-${SUFFIX}`)
  })

  it('reports the dlopen error of a binary that is present but cannot load', () => {
    const damaged = requireHidden('lib/binding.js', { [`ml-engine.${SUFFIX}.node`]: 'not a shared object\n' })
    expect(damaged.loaded).toBe(false)
    expect(damaged.code).toBe('ERR_NATIVE_BINDING_NOT_FOUND')
    expect(damaged.causeIsError).toBe(true)
    // dlopen names the file it could not load; that error, not "not installed", is the cause.
    expect(damaged.causeMessage).toContain(`ml-engine.${SUFFIX}.node`)
    expect(damaged.causeMessage).not.toMatch(/Cannot find module/)
    expect(damaged.message).toContain(`Underlying error: ${damaged.causeMessage!.split('\n')[0]}`)
    expect(damaged.message).toMatch(/Fix: the binary found is for another platform or is damaged/)
  })
})
