// dawg-ml report --live on a recorded stream: the page has a section per
// workflow and model version, figures equal to getLiveMetrics, PSI per
// feature with the drifted feature named, plain words where there is
// nothing to draw, and no reference to the network.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './helpers'
import { LiveFixture, recordLiveStream } from './live-report-fixture'

const CLI = path.resolve(__dirname, '..', 'bin', 'dawg-ml.js')

function dawgMl(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The HTML of the version section of `modelVersion` in the workflow section `workflowType`. */
function versionSection(html: string, workflowType: string, modelVersion: string): string {
  const workflow = html.split('<section class="workflow"').find((s) => s.startsWith(` id="${workflowType}"`))
  expect(workflow).toBeDefined()
  const version = workflow!.split('<div class="version"').find((s) => s.includes(`data-version="${modelVersion}"`))
  expect(version).toBeDefined()
  return version!
}

describe('dawg-ml report --live', () => {
  const dir = tempDir('cli-live-report')
  let fixture: LiveFixture

  beforeAll(async () => {
    fixture = await recordLiveStream(dir)
  }, 120000)

  it('writes the live report next to the models, with the figures of getLiveMetrics per version', () => {
    const r = dawgMl('report', '--live', '--store', fixture.storeFile, '--models', fixture.models)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const file = path.join(fixture.models, 'live-report.html')
    expect(r.stdout).toBe(`Wrote ${file}: 2 model versions in 2 workflows, 1 with recorded outcomes\n`)
    const html = fs.readFileSync(file, 'utf8')
    expect(html.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')).not.toMatch(/http|<script|<link|@import|url\(|NaN/)
    // Every temporary file of the atomic write is gone.
    expect(fs.readdirSync(fixture.models).filter((f) => f.includes('live-report'))).toEqual(['live-report.html'])

    const [group] = fixture.freestyle
    expect(group.labelled).toBe(300)
    const m = group.metrics as { count: number; logLoss: number; brier: number; ece: number; auc: number; aucInterval: [number, number]; failureRate: number; meanProbability: number }
    const section = versionSection(html, 'freestyle', group.modelVersion)
    expect(section).toContain('champion: registry v1 (current)')
    expect(section).toContain(`<tr><th>runs with a recorded outcome</th><td>${m.count}</td></tr>`)
    expect(section).toContain(`<tr><th>failure rate</th><td>${m.failureRate.toFixed(4)}</td></tr>`)
    expect(section).toContain(`<tr><th>mean predicted probability</th><td>${m.meanProbability.toFixed(4)}</td></tr>`)
    expect(section).toContain(`<tr><th>log-loss (nats)</th><td>${m.logLoss.toFixed(4)}</td></tr>`)
    expect(section).toContain(`<tr><th>Brier score</th><td>${m.brier.toFixed(4)}</td></tr>`)
    expect(section).toContain(`<tr><th>ECE</th><td>${m.ece.toFixed(4)}</td></tr>`)
    expect(section).toContain(`<tr><th>AUC [95 % interval]</th><td>${m.auc.toFixed(3)} [${m.aucInterval[0].toFixed(3)}, ${m.aucInterval[1].toFixed(3)}]</td></tr>`)
    for (const plot of ['roc', 'reliability', 'histogram', 'psi']) expect(section).toContain(`data-plot="${plot}"`)
    expect(section.match(/<table class="confusion">.*?<\/table>/s)![0].match(/<tr>/g)).toHaveLength(4)
    // Drift against the model file's reference: every feature and the score; the moved CPU load has drifted.
    expect(section).toMatch(/against the reference histograms of the model&#39;s \d+ training rows/)
    const psi = [...section.matchAll(/<tr data-feature="([^"]+)"><td>[^<]+<\/td><td>([0-9.]+)<\/td><td>([a-z ]+)<\/td><\/tr>/g)].map((x) => ({ feature: x[1], psi: Number(x[2]), reading: x[3] }))
    expect(psi.length).toBeGreaterThan(5)
    expect(psi[0].feature).toBe('score')
    const cpu = psi.find((p) => p.feature === 'cpuUtilization')
    expect(cpu).toBeDefined()
    expect(cpu!.psi).toBeGreaterThanOrEqual(0.25)
    expect(cpu!.reading).toBe('major shift')
    expect(section).toMatch(/Drifted \(PSI ≥ 0\.25\): [^<]*cpuUtilization/)
    expect(section).toContain('from 0.10 a moderate shift, from 0.25 a major one')

    // ai-memory: predicted, no outcome yet, said in words and drawn as nothing.
    const [memory] = fixture.aiMemory
    expect([memory.predictions, memory.labelled]).toEqual([40, 0])
    const empty = versionSection(html, 'ai-memory', memory.modelVersion)
    expect(empty).toContain('40 predictions logged in the window, none with a recorded outcome yet')
    expect(empty).not.toMatch(/data-plot="(roc|reliability|histogram)"/)
    // A workflow nothing was logged for.
    const voice = html.split('<section class="workflow"').find((s) => s.startsWith(' id="voice-commands"'))
    expect(voice).toContain('No prediction of this workflow was logged in the window')
  })

  it('takes --workflow, --window, --out, --threshold and --json, and names a bad flag', () => {
    const out = path.join(dir, 'elsewhere', 'live.html')
    const r = dawgMl('report', '--live', '--store', fixture.storeFile, '--models', fixture.models, '--window', '50', '--out', out, '--threshold', '0.9', '--json')
    expect(r.status).toBe(0)
    const json = JSON.parse(r.stdout)
    expect(json.path).toBe(out)
    const versions = json.workflows.flatMap((w: { versions: unknown[] }) => w.versions)
    // The newest 50 predictions are ai-memory's 40 and the last 10 freestyle runs.
    expect(versions.map((v: { predictions: number; labelled: number }) => [v.predictions, v.labelled])).toEqual([[10, 10], [40, 0]])
    const html = fs.readFileSync(out, 'utf8')
    expect(html).toContain('window: the newest 50 predictions')
    expect(html).toContain('from 0.90 a major one')
    let bad = dawgMl('report', '--live', '--store', fixture.storeFile, '--threshold', 'high')
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, 'dawg-ml: --threshold expects a PSI > 0, such as 0.25, received "high"'])
    // --workflow: that workflow's section alone, and the window counts its predictions only
    // (the newest 50 freestyle runs, where the whole window of 50 held 10 of them).
    const only = dawgMl('report', '--live', '--store', fixture.storeFile, '--models', fixture.models, '--workflow', 'freestyle', '--window', '50', '--out', out, '--json')
    expect(only.status).toBe(0)
    const onlyJson = JSON.parse(only.stdout)
    expect(onlyJson.workflows.map((w: { workflowType: string }) => w.workflowType)).toEqual(['freestyle'])
    expect(onlyJson.workflows[0].versions.map((v: { predictions: number; labelled: number }) => [v.predictions, v.labelled])).toEqual([[50, 50]])
    const onlyHtml = fs.readFileSync(out, 'utf8')
    expect(onlyHtml).toContain('window: the newest 50 predictions; workflow: freestyle only.')
    expect(onlyHtml.split('<section class="workflow"').slice(1).map((s) => s.match(/^ id="([^"]+)"/)![1])).toEqual(['freestyle'])
    bad = dawgMl('report', '--live', '--store', fixture.storeFile, '--workflow', 'karaoke')
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, 'dawg-ml: --workflow: unknown workflow "karaoke"'])
    // A name every object inherits is no workflow either.
    bad = dawgMl('report', '--live', '--store', fixture.storeFile, '--workflow', 'constructor')
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, 'dawg-ml: --workflow: unknown workflow "constructor"'])
    bad = dawgMl('report', '--store', fixture.storeFile)
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('report needs --live')
    bad = dawgMl('report', '--live', '--store', path.join(dir, 'none.sqlite'))
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, `dawg-ml: no outcome store at ${path.join(dir, 'none.sqlite')} (pass --store FILE)`])
  })
})
