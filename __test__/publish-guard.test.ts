// `npm publish` from the repository is refused: its package.json has no
// optionalDependencies on the platform packages, so the package would install
// with no native binary. The staged copy the release publishes passes.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(__dirname, '..')
const script = path.join(root, 'scripts', 'refuse-bare-publish.js')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const platformNames = fs
  .readdirSync(path.join(root, 'npm'))
  .filter((d) => fs.existsSync(path.join(root, 'npm', d, 'package.json')))
  .map((d) => JSON.parse(fs.readFileSync(path.join(root, 'npm', d, 'package.json'), 'utf8')).name as string)

function check(dir: string) {
  return spawnSync(process.execPath, [script, dir], { encoding: 'utf8' })
}

/** A package dir with the repository's npm/ platform packages and `optionalDependencies`. */
function packageWith(optionalDependencies?: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dawg-ml-publish-'))
  fs.cpSync(path.join(root, 'npm'), path.join(dir, 'npm'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, optionalDependencies }))
  return dir
}

describe('publishing', () => {
  const made: string[] = []
  afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })))

  it('runs the guard before every npm publish of the development package', () => {
    expect(pkg.scripts.prepublishOnly).toBe('node scripts/refuse-bare-publish.js')
    expect(pkg.optionalDependencies).toBeUndefined()
  })

  it('refuses the repository itself, saying why and what to publish instead', () => {
    const r = check(root)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`Refusing to publish: ${pkg.name} has no optionalDependencies on its platform packages (npm/`)
    expect(r.stderr).toContain('npm publish .pack/main')
  })

  it('passes a package that depends on every platform package, and names one it lacks', () => {
    expect(platformNames.length).toBeGreaterThan(1)
    const all = Object.fromEntries(platformNames.map((n) => [n, pkg.version]))
    const good = packageWith(all)
    made.push(good)
    expect(check(good)).toMatchObject({ status: 0, stderr: '' })
    const { [platformNames[0]]: _left, ...rest } = all
    const short = packageWith(rest)
    made.push(short)
    const r = check(short)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`optionalDependencies lack ${platformNames[0]}.`)
  })
})
