#!/usr/bin/env node
'use strict'
// Rebuilds the native addon when it is missing or older than any Rust source,
// so `npm test` and `npm run train` always run against the current code.
// With a prebuilt binary and no Rust toolchain, an existing binary is used as is.

const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const root = path.join(__dirname, '..')

function newestMtime(entry) {
  const stat = fs.statSync(entry)
  if (!stat.isDirectory()) return stat.mtimeMs
  return fs.readdirSync(entry).reduce((newest, name) => Math.max(newest, newestMtime(path.join(entry, name))), 0)
}

function binaries() {
  return fs.readdirSync(root).filter((f) => /^ml-engine\..*\.node$/.test(f)).map((f) => path.join(root, f))
}

function hasCargo() {
  return spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0
}

const sources = ['src', 'crates', 'Cargo.toml', 'Cargo.lock', 'build.rs', '.cargo'].map((p) => path.join(root, p)).filter(fs.existsSync)
const sourceTime = Math.max(...sources.map(newestMtime))
const built = binaries()
const builtTime = built.length ? Math.min(...built.map((b) => fs.statSync(b).mtimeMs)) : 0

if (built.length && builtTime >= sourceTime) process.exit(0)
if (!hasCargo()) {
  if (built.length) {
    console.warn('[ml-engine] Rust sources are newer than the binary, but cargo is not available: using the existing binary')
    process.exit(0)
  }
  console.error('[ml-engine] No native binary and no Rust toolchain: install Rust (https://rustup.rs) or a prebuilt platform package')
  process.exit(1)
}
console.log(built.length ? '[ml-engine] Rust sources changed: rebuilding the addon' : '[ml-engine] Building the native addon')
const napi = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'napi.cmd' : 'napi')
const result = spawnSync(napi, ['build', '--platform', '--release', '--js', 'native.js', '--dts', 'native.d.ts'], {
  cwd: root,
  stdio: 'inherit',
})
if (result.status !== 0) process.exit(result.status ?? 1)
// The build rewrites the file even when nothing changed; touch it so the check above holds.
const now = new Date()
for (const b of binaries()) fs.utimesSync(b, now, now)
