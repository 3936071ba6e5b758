// The kill -9 torture (scripts/kill-torture.js), bounded: 6 SIGKILLs at
// random moments, 3 while outcomes are recorded and 3 while the registry's
// pointer moves. The full run (npm run torture, 30 kills) is the same script.
import { spawnSync } from 'node:child_process'
import path from 'node:path'

it('loses no acknowledged outcome and leaves a loadable current version after kill -9', () => {
  const script = path.resolve(__dirname, '..', 'scripts', 'kill-torture.js')
  const r = spawnSync(process.execPath, [script, '--kills', '6', '--seed', '7', '--json'], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  const report = JSON.parse(r.stdout)
  expect(report).toMatchObject({ kills: 6, lostOutcomes: 0, unloadableCurrent: 0, pointerBehindAcknowledged: 0 })
  expect(report.acknowledgedOutcomes).toBeGreaterThan(0)
  const targets = report.rows.map((row: { target: string }) => row.target)
  expect(targets.filter((t: string) => t === 'recordOutcome')).toHaveLength(3)
  expect(targets.filter((t: string) => t === 'promote')).toHaveLength(3)
})
