'use strict'
// Loads the native addon through the napi-rs generated loader (native.js) and,
// when no binary fits this machine, replaces its generic failure with an
// error that says what was detected, what was tried and how to fix it.

const PACKAGE = '@dawg-ai/ml-engine'

function detectLibc() {
  if (process.platform !== 'linux') return null
  try {
    const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
    if (report?.header?.glibcVersionRuntime) return `glibc ${report.header.glibcVersionRuntime}`
  } catch {
    // fall through: no report available
  }
  return 'musl'
}

function platformSuffix(platform, arch, libc) {
  if (platform === 'linux') return `linux-${arch}-${libc && libc.startsWith('glibc') ? 'gnu' : 'musl'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function loaderError(cause) {
  const { platform, arch } = process
  const libc = detectLibc()
  const suffix = platformSuffix(platform, arch, libc)
  const tried = [`./ml-engine.${suffix}.node (inside ${PACKAGE})`, `${PACKAGE}-${suffix}`]
  if (platform === 'win32') tried.push(`${PACKAGE}-win32-${arch}-gnu`)
  const detail = (cause && cause.cause) || cause
  const message = [
    `${PACKAGE}: no native binary could be loaded for ${platform}-${arch}${libc ? ` (${libc})` : ''}.`,
    `Tried: ${tried.join(', ')}.`,
    `Underlying error: ${detail && detail.message ? detail.message.split('\n')[0] : String(detail)}`,
    `Fix: reinstall without --no-optional/--omit=optional so npm installs ${PACKAGE}-${suffix}` +
      ' (delete node_modules and package-lock.json if the lock was made on another platform),' +
      ' or build from source with a Rust toolchain: npm run build.',
  ].join('\n')
  const error = new Error(message, { cause: detail })
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

module.exports = binding
module.exports.loaderError = loaderError
