'use strict'
// Loads the native addon through the napi-rs generated loader (native.js) and,
// when no binary fits this machine, replaces its generic "Cannot find native
// binding" with an error that says what was detected, what was tried, why each
// candidate failed (the dlopen error is kept as `cause`) and how to fix it.

const PACKAGE = '@dawg-ai/ml-engine'
const MIN_GLIBC = '2.17'

/** 'glibc <version>', 'musl' or null (not Linux). Mirrors the loader's own test. */
function detectLibc() {
  if (process.platform !== 'linux') return null
  try {
    const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
    if (report?.header?.glibcVersionRuntime) return `glibc ${report.header.glibcVersionRuntime}`
    if (Array.isArray(report?.sharedObjects) && report.sharedObjects.some((f) => /ld-musl-|libc\.musl-/.test(f))) return 'musl'
  } catch {
    // no report available: fall through
  }
  try {
    if (require('node:fs').readFileSync('/usr/bin/ldd', 'utf8').includes('musl')) return 'musl'
  } catch {
    // no ldd
  }
  return 'unknown libc'
}

/** The napi-rs platform suffixes the loader tries for this machine, in its order. */
function platformSuffixes(platform, arch, libc) {
  if (platform === 'linux') {
    if (libc === 'musl') return [`linux-${arch}-musl`]
    return [`linux-${arch}-gnu`]
  }
  if (platform === 'win32') return arch === 'x64' ? ['win32-x64-msvc', 'win32-x64-gnu'] : [`win32-${arch}-msvc`]
  if (platform === 'darwin') return ['darwin-universal', `darwin-${arch}`]
  return [`${platform}-${arch}`]
}

/** Walk the loader's error chain (newest first) into a flat list, oldest first. */
function flattenChain(error) {
  const list = []
  const seen = new Set()
  for (let e = error; e && typeof e === 'object' && !seen.has(e); e = e.cause) {
    seen.add(e)
    list.unshift(e)
  }
  return list
}

const NOT_FOUND = /^Cannot find module '([^']+)'/

/** Why one candidate failed, in one line. */
function summarise(error) {
  const message = String(error && error.message !== undefined ? error.message : error)
  const missing = NOT_FOUND.exec(message)
  if (missing) return { target: missing[1], missing: true, reason: 'not installed' }
  const first = message.split('\n')[0]
  // dlopen errors start with the path of the file it tried to load.
  const file = /^(\S+\.node): /.exec(first)
  return { target: file ? file[1] : null, missing: false, reason: file ? first.slice(file[0].length) : first }
}

function fixFor(platform, arch, libc, suffix, failures) {
  const dlopen = failures.find((f) => !f.missing)
  const glibc = dlopen && /GLIBC_(\d+\.\d+)/.exec(dlopen.reason)
  if (glibc) {
    return (
      `Fix: this machine has ${libc}, older than the GLIBC_${glibc[1]} the binary needs. ` +
      `The published ${PACKAGE}-${suffix} needs only glibc ${MIN_GLIBC}: reinstall it ` +
      '(rm -rf node_modules && npm install), or rebuild locally with `npm run artifacts`, which links against glibc 2.17.'
    )
  }
  if (dlopen && /wrong ELF class|invalid ELF header|file too short|ELF load command|not a valid Win32|mach-o|incompatible architecture|cannot open shared object/i.test(dlopen.reason)) {
    return (
      `Fix: the binary found is for another platform or is damaged. Delete node_modules and reinstall on this machine ` +
      `(node_modules copied from another OS/arch or a Docker image built elsewhere will not work), so npm picks ${PACKAGE}-${suffix}.`
    )
  }
  return (
    `Fix: install the platform package: run \`npm install\` again without --no-optional/--omit=optional ` +
    `(delete node_modules and package-lock.json first if the lock file was made on another platform), ` +
    `or add it explicitly: npm install ${PACKAGE}-${suffix}. ` +
    `Without a prebuilt package for ${platform}-${arch}, build from source with a Rust toolchain (https://rustup.rs): npm run build.`
  )
}

function loaderError(cause) {
  const { platform, arch } = process
  const libc = detectLibc()
  const suffixes = platformSuffixes(platform, arch, libc)
  // The loader wraps its per-candidate errors (newest first) in one generic error.
  const chain = cause && cause.cause && /Cannot find native binding|Failed to load native binding/.test(String(cause.message)) ? cause.cause : cause
  const failures = flattenChain(chain)
    .map(summarise)
    // The loader's WASI fallback is not a target of this package; leave it out of the list.
    .filter((f) => !(f.target && /wasm32-wasi|\.wasi\.cjs/.test(f.target)))
  const tried = failures.filter((f) => f.target).map((f) => f.target)
  if (tried.length === 0) {
    for (const s of suffixes) tried.push(`./ml-engine.${s}.node`, `${PACKAGE}-${s}`)
  }
  // The most useful underlying error: the first one that is not "not installed"
  // (a dlopen failure: wrong glibc, wrong arch, damaged file), else the chain.
  const isWasi = (e) => /wasm32-wasi|\.wasi\.cjs/.test(String(e && e.message))
  const errors = flattenChain(chain).filter((e) => !isWasi(e))
  const dlopen = errors.find((e) => !NOT_FOUND.test(String(e && e.message)))
  const underlying = dlopen ?? errors[errors.length - 1] ?? chain
  const detected = `${platform}-${arch}${libc ? ` (${libc})` : ''}`
  const lines = [
    `${PACKAGE}: no native binary could be loaded for ${detected}.`,
    `Detected: platform=${platform} arch=${arch} libc=${libc ?? 'n/a'} node=${process.version}.`,
    `Tried: ${tried.join(', ')}.`,
    ...failures.map((f) => `  - ${f.target ?? 'binary'}: ${f.reason}`),
    `Underlying error: ${String(underlying && underlying.message !== undefined ? underlying.message : underlying).split('\n')[0]}`,
    fixFor(platform, arch, libc, suffixes[suffixes.length - 1], failures),
  ]
  const error = new Error(lines.join('\n'), { cause: underlying })
  error.code = 'ERR_NATIVE_BINDING_NOT_FOUND'
  error.platform = platform
  error.arch = arch
  error.libc = libc
  error.tried = tried
  return error
}

let binding
try {
  binding = require('../native.js')
} catch (cause) {
  throw loaderError(cause)
}

// Configuration is resolved here, in JavaScript (Rust reads no environment
// variable): DAWG_ML_NO_MALLOC_TRIM=1 turns off the allocator trim when a
// worker that loaded the addon is torn down (src/allocator.rs).
if (process.env.DAWG_ML_NO_MALLOC_TRIM === '1') binding.setMallocTrimOnTeardown(false)

module.exports = binding
module.exports.loaderError = loaderError
