#!/usr/bin/env node
'use strict'
// npm run test:pack [-- --keep] [-- --stage-only]
//
// Installs the package the way a user does, with no Rust toolchain:
//  1. stages the main package in .pack/main with optionalDependencies on every
//     platform package added to package.json (they are not in the dev
//     package.json because they break `npm ci`), and without any .node file;
//  2. stages npm/linux-x64-gnu with its binary in .pack/linux-x64-gnu;
//  3. `npm pack`s both, installs both tarballs into a fresh temp project with
//     a PATH on which `cargo` and `rustc` cannot be found;
//  4. runs the Jest suite __test__/pack/ there (CJS + ESM imports, predictions
//     for all 8 workflows with the shipped models, train() into a temp dir,
//     the tarballs' file lists and sizes).
// `--stage-only` stops after step 1 and 2 and prints the staged dirs: the
// release workflow publishes exactly what this test installs.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const PACK = path.join(ROOT, '.pack')
const PLATFORM = 'linux-x64-gnu'
const SUITE = path.join(ROOT, '__test__', 'pack')
const args = process.argv.slice(2)
const started = Date.now()

function fail(message) {
  console.error(`[test:pack] FAILED: ${message}`)
  process.exit(1)
}

function step(message) {
  console.log(`[test:pack] ${((Date.now() - started) / 1000).toFixed(1)}s ${message}`)
}

function sh(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts })
  if (r.status !== 0) {
    fail(`${cmd} ${cmdArgs.join(' ')} (exit ${r.status}${r.error ? `, ${r.error.message}` : ''})\n${r.stdout ?? ''}${r.stderr ?? ''}`)
  }
  return r.stdout
}

/** Every platform package under npm/, by suffix. */
function platformPackages() {
  return fs
    .readdirSync(path.join(ROOT, 'npm'))
    .filter((d) => fs.existsSync(path.join(ROOT, 'npm', d, 'package.json')))
    .map((d) => ({ dir: path.join(ROOT, 'npm', d), suffix: d, pkg: JSON.parse(fs.readFileSync(path.join(ROOT, 'npm', d, 'package.json'), 'utf8')) }))
}

/** Stage the main package: the files npm would pack, plus a package.json with optionalDependencies. */
function stageMain() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  const out = path.join(PACK, 'main')
  fs.rmSync(out, { recursive: true, force: true })
  fs.mkdirSync(out, { recursive: true })
  // Ask npm which files it would pack from the repo, then copy those (minus any
  // locally built .node: binaries ship only in the platform packages).
  const listing = JSON.parse(sh('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT }))[0]
  for (const { path: file } of listing.files) {
    if (file === 'package.json' || file.endsWith('.node')) continue
    fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true })
    fs.copyFileSync(path.join(ROOT, file), path.join(out, file))
  }
  const staged = { ...pkg }
  staged.files = pkg.files.filter((f) => !f.endsWith('.node'))
  staged.optionalDependencies = Object.fromEntries(platformPackages().map((p) => [p.pkg.name, pkg.version]))
  for (const p of platformPackages()) {
    if (p.pkg.version !== pkg.version) fail(`${p.pkg.name} is at ${p.pkg.version}, the main package at ${pkg.version}`)
  }
  delete staged.devDependencies
  delete staged.scripts
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`)
  return out
}

/** The linux-x64-gnu binary to ship: the zig-built one (glibc 2.17) if `npm run artifacts` made it, else the local build. */
function platformBinary() {
  const name = `ml-engine.${PLATFORM}.node`
  const artifact = path.join(ROOT, 'npm', PLATFORM, name)
  if (args.includes('--require-artifact')) {
    if (!fs.existsSync(artifact)) fail(`${artifact} is missing: run npm run artifacts first`)
    return { file: artifact, origin: 'npm run artifacts / release build (glibc 2.17 floor)' }
  }
  // An artifact older than the Rust sources would test yesterday's engine.
  const newest = (entry) => {
    const stat = fs.statSync(entry)
    return stat.isDirectory() ? Math.max(0, ...fs.readdirSync(entry).map((n) => newest(path.join(entry, n)))) : stat.mtimeMs
  }
  const sourceTime = Math.max(...['src', 'Cargo.toml', 'Cargo.lock', 'build.rs'].map((p) => path.join(ROOT, p)).filter(fs.existsSync).map(newest))
  if (fs.existsSync(artifact) && fs.statSync(artifact).mtimeMs >= sourceTime) return { file: artifact, origin: 'npm run artifacts (glibc 2.17 floor)' }
  if (fs.existsSync(artifact)) step(`${path.relative(ROOT, artifact)} is older than the Rust sources: using the local build instead`)
  const local = path.join(ROOT, name)
  step('making sure the local build is current (scripts/build-if-stale.js)')
  sh(process.execPath, [path.join(ROOT, 'scripts', 'build-if-stale.js')], { cwd: ROOT, stdio: 'inherit' })
  if (!fs.existsSync(local)) fail(`no ${name}: run npm run build or npm run artifacts`)
  return { file: local, origin: 'local napi build (this machine\'s glibc)' }
}

function stagePlatform(binary) {
  const src = path.join(ROOT, 'npm', PLATFORM)
  const out = path.join(PACK, PLATFORM)
  fs.rmSync(out, { recursive: true, force: true })
  fs.mkdirSync(out, { recursive: true })
  for (const f of ['package.json', 'README.md']) fs.copyFileSync(path.join(src, f), path.join(out, f))
  fs.copyFileSync(binary.file, path.join(out, `ml-engine.${PLATFORM}.node`))
  return out
}

function pack(dir) {
  const result = JSON.parse(sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', PACK], { cwd: dir }))[0]
  return { ...result, tarball: path.join(PACK, result.filename) }
}

/** PATH without any directory that holds cargo or rustc (node and npm stay reachable). */
function pathWithoutRust() {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)
  const rusty = (d) => ['cargo', 'rustc', 'rustup'].some((b) => fs.existsSync(path.join(d, b)))
  const kept = dirs.filter((d) => !rusty(d))
  // If node or npm live beside cargo, reach them through a bin dir of our own.
  const shims = path.join(PACK, 'bin')
  fs.rmSync(shims, { recursive: true, force: true })
  fs.mkdirSync(shims, { recursive: true })
  fs.symlinkSync(process.execPath, path.join(shims, 'node'))
  const npmDir = dirs.find((d) => fs.existsSync(path.join(d, 'npm')))
  if (!npmDir) fail('npm is not on PATH')
  fs.symlinkSync(fs.realpathSync(path.join(npmDir, 'npm')), path.join(shims, 'npm'))
  if (fs.existsSync(path.join(npmDir, 'npx'))) fs.symlinkSync(fs.realpathSync(path.join(npmDir, 'npx')), path.join(shims, 'npx'))
  return [shims, ...kept].join(path.delimiter)
}

function main() {
  fs.mkdirSync(PACK, { recursive: true })
  const mainDir = stageMain()
  const binary = platformBinary()
  const platformDir = stagePlatform(binary)
  step(`staged ${path.relative(ROOT, mainDir)} and ${path.relative(ROOT, platformDir)} (binary: ${binary.origin})`)
  if (args.includes('--stage-only')) {
    console.log(JSON.stringify({ main: mainDir, [PLATFORM]: platformDir }))
    return
  }

  for (const f of fs.readdirSync(PACK)) if (f.endsWith('.tgz')) fs.rmSync(path.join(PACK, f))
  const mainPack = pack(mainDir)
  const platformPack = pack(platformDir)
  step(`packed ${mainPack.filename} (${mainPack.size} B, ${mainPack.entryCount} files) and ${platformPack.filename} (${platformPack.size} B)`)

  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-engine-pack-'))
  const noRustPath = pathWithoutRust()
  const env = { ...process.env, PATH: noRustPath, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }
  for (const k of Object.keys(env)) if (/^(CARGO|RUSTUP|RUSTC|NAPI_RS_)/.test(k) || k === 'NODE_PATH') delete env[k]
  // Prove the toolchain is out of reach before relying on it.
  for (const tool of ['cargo', 'rustc']) {
    const probe = spawnSync(tool, ['--version'], { env, cwd: project })
    if (!probe.error || probe.error.code !== 'ENOENT') fail(`${tool} is still reachable on the test PATH`)
  }

  fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'ml-engine-pack-consumer', version: '1.0.0', private: true }, null, 2)}\n`)
  const started = Date.now()
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', mainPack.tarball, platformPack.tarball], { cwd: project, env })
  step(`installed both tarballs into ${project} in ${((Date.now() - started) / 1000).toFixed(1)}s (PATH has no cargo/rustc)`)

  // The suite, its sample inputs, and what the test needs to know about the packs.
  for (const f of fs.readdirSync(SUITE)) fs.copyFileSync(path.join(SUITE, f), path.join(project, f))
  fs.writeFileSync(
    path.join(project, 'pack-manifest.json'),
    JSON.stringify({ main: mainPack, platform: platformPack, platformSuffix: PLATFORM, binaryOrigin: binary.origin }, null, 2),
  )
  // Jest from the repo's own node_modules (no download); it resolves the
  // package under test from the temp project, where the test files live.
  const jest = require.resolve('jest/bin/jest', { paths: [ROOT] })
  const run = spawnSync(process.execPath, [jest, '--rootDir', project, '--ci', '--colors', '--testTimeout', '120000'], {
    cwd: project,
    env,
    stdio: 'inherit',
  })
  step(`jest exited with ${run.status}`)
  if (!args.includes('--keep')) fs.rmSync(project, { recursive: true, force: true })
  else step(`kept ${project}`)
  if (run.status !== 0) fail('the pack suite failed')
  step('passed')
}

main()
