// The dawg-ml command line: output, files written and exit status.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './helpers'
import { generateTrainingDataSync } from '../generate-training-data'

const CLI = path.resolve(__dirname, '..', 'bin', 'dawg-ml.js')

function dawgMl(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('dawg-ml', () => {
  it('trains into --out and prints the per-workflow table', () => {
    const out = tempDir('cli')
    const r = dawgMl('train', '--out', out, '--seed', '42', '--counts', 'freestyle=300')
    expect(r.status).toBe(0)
    for (const column of ['rows', 'evaluated', 'fail rate', 'model', 'calibration', 'log-loss', 'Bayes log-loss', 'AUC', 'Bayes AUC', 'ECE', 'F1', 'verdict']) {
      expect(r.stdout).toContain(column)
    }
    // Every row fits the shipped model; every row is scored out-of-fold.
    expect(r.stdout).toMatch(/^freestyle\s+300\s+300 out-of-fold\s/m)
    expect(fs.readdirSync(out).sort()).toEqual([
      'TRAINING_REPORT.md', 'ai-mastering-model.json', 'ai-memory-model.json', 'budget-alerts-model.json',
      'freestyle-model.json', 'live-vocal-analysis-model.json', 'melody-to-vocals-model.json', 'report.html',
      'stem-separation-model.json', 'training-summary.json', 'voice-commands-model.json',
    ])
    const report = fs.readFileSync(path.join(out, 'TRAINING_REPORT.md'), 'utf8')
    expect(report).toContain('| freestyle | 300 | 300 out-of-fold |')
    expect(report).toContain('"seed": 42')
    expect(report).toContain('## Gap to the Bayes limit')
  })

  it('trains on 5,000 generated scenarios per workflow by default, and holds out the latest rows with --split time', () => {
    const r = dawgMl('train', '--no-write', '--json')
    expect(r.status).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary.totalScenarios).toBe(40000)
    expect(summary.models.map((m: { verdict: string }) => m.verdict)).toEqual(Array(8).fill('ok'))
    const timed = dawgMl('train', '--no-write', '--per-workflow', '200', '--split', 'time')
    expect(timed.status).toBe(0)
    expect(timed.stdout).toMatch(/^freestyle\s+200\s+40 time-holdout\s/m)
    const bad = dawgMl('train', '--no-write', '--split', 'random')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--split expects cv or time, received "random"')
    expect(dawgMl('train', '--scale', '2', '--per-workflow', '5').stderr).toContain('--scale and --per-workflow cannot be combined')
  })

  it('generates scenarios to a file', () => {
    const file = path.join(tempDir('cli-gen'), 'scenarios.json')
    const r = dawgMl('generate', '--seed', '1', '--scale', '2', '--out', file)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^Wrote 1860 scenarios \(\d+ failed\) to /)
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toHaveLength(1860)
  })

  it('prints the command list for --help (exit 0) and without a command (exit 2)', () => {
    const help = dawgMl('--help')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage: dawg-ml <command> \[options\]\n\nCommands:\n  train +Train one model per workflow/)
    expect(help.stdout).toMatch(/^  generate +Write generated scenarios/m)
    expect(help.stdout).not.toContain('--skip-invalid')
    const bare = dawgMl()
    expect(bare.status).toBe(2)
    expect(bare.stdout).toBe(help.stdout)
  })

  it('explains every flag of a command with <command> --help', () => {
    const train = dawgMl('train', '--help')
    expect(train.status).toBe(0)
    expect(train.stdout).toMatch(/^Usage: dawg-ml train \[options\]\n\nTrains one model per workflow/)
    for (const flag of ['--data FILE', '--data-format auto|old|outcomes', '--out DIR', '--seed N', '--counts TYPE=N,...', '--scale K', '--per-workflow N', '--folds K', '--split cv|time', '--skip-invalid', '--no-write', '--json', '-h, --help']) {
      expect(train.stdout).toMatch(new RegExp(`^  ${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\S`, 'm'))
    }
    const generate = dawgMl('generate', '--help')
    expect(generate.status).toBe(0)
    expect(generate.stdout).toMatch(/^Usage: dawg-ml generate --out FILE \[options\]/)
    expect(generate.stdout).toMatch(/^  --out FILE +The JSON file to write/m)
    expect(generate.stdout).not.toContain('--skip-invalid')
    expect(generate.stdout).not.toBe(train.stdout)
  })

  it('exits 2 with usage on a bad argument', () => {
    const r = dawgMl('train', '--seeds', '4')
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('dawg-ml: unknown argument: --seeds')
    expect(r.stderr).toContain('Usage: dawg-ml train [options]')
    expect(dawgMl('karaoke').stderr).toContain('dawg-ml: unknown command: karaoke')
    expect(dawgMl('train', '--json=yes').stderr).toContain('--json takes no value')
    expect(dawgMl('train', '--counts', 'karaoke=5').stderr).toContain('unknown workflow "karaoke"')
  })

  it('exits 1 naming file, row and field for bad data', () => {
    const file = path.join(tempDir('cli-bad'), 'rows.jsonl')
    // A raw object with one wrong type.
    const raw = generateTrainingDataSync({ seed: 3, counts: { 'ai-memory': 1 } }).find((s) => s.workflowType === 'ai-memory')!.raw
    fs.writeFileSync(file, JSON.stringify({ features: { ...raw, databaseConnected: 'no' }, failed: true }) + '\n')
    const r = dawgMl('train', '--data', file, '--no-write')
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`dawg-ml: [ERR_INVALID_DATA] Invalid training data in ${file}, row 1: field 'features.databaseConnected' expected a boolean, received string "no"\n`)
    const skipped = dawgMl('train', '--data', file, '--no-write', '--skip-invalid')
    expect(skipped.status).toBe(0)
    expect(skipped.stdout).toContain('Skipped ai-memory (0 rows)')
  })
})
