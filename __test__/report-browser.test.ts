// report.html, opened in a real browser (headless Chromium from Debian's
// `chromium` package, driven by playwright-core): every plot of every
// workflow has drawn its series, with geometry, and the page logs no error.
// A screenshot is kept in .artifacts/report.png. The live report (dawg-ml
// report --live, from a recorded stream) is opened the same way, every plot
// of every version with outcomes drawn (.artifacts/live-report.png).
// Skipped, saying so, only when Chromium is not installed (.ci/run installs it).
import fs from 'node:fs'
import path from 'node:path'
import { train } from '../train-workflow-models'
import { tempDir } from './helpers'
import { OutcomeStore } from '../production'
import { recordLiveStream } from './live-report-fixture'

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p))
const ARTIFACTS = path.resolve(__dirname, '..', '.artifacts')
const PLOTS = ['roc', 'reliability', 'histogram', 'contributions']
const LIVE_PLOTS = ['roc', 'reliability', 'histogram', 'psi']
const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

type Page = {
  on(event: string, f: (x: never) => void): void
  goto(url: string): Promise<unknown>
  evaluate<T, A>(f: (a: A) => T, a: A): Promise<T>
  screenshot(o: { path: string; fullPage: boolean }): Promise<unknown>
}

/** Collect the page's console errors and warnings, page errors and non-file requests. */
function watch(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (m: { type(): string; text(): string }) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e: Error) => problems.push(`pageerror: ${e.message}`))
  page.on('request', (r: { url(): string }) => {
    if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`)
  })
  return problems
}

if (!CHROMIUM) {
  // eslint-disable-next-line no-console
  console.warn('report-browser.test.ts: SKIPPED, Chromium is not installed (apt-get install chromium); the report was not checked in a browser')
}
const maybe = CHROMIUM ? describe : describe.skip

maybe('report.html in headless Chromium', () => {
  it('draws every plot for all workflows, compares with the deployed models, and logs no error', async () => {
    const dir = tempDir('report')
    const options = { outDir: dir, counts: Object.fromEntries(['freestyle', 'ai-memory'].map((t) => [t, 400])), bootstrapResamples: 50 }
    await train({ ...options, seed: 3 })
    // A second training into the same directory compares with the first.
    const summary = await train({ ...options, seed: 4 })
    const file = path.join(dir, 'report.html')
    expect(summary.written).toContain(file)
    const html = fs.readFileSync(file, 'utf8')
    expect(html).not.toMatch(/<script|<link|@import|src=/i)

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require('playwright-core')
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS })
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
      const problems = watch(page)
      await page.goto(`file://${file}`)
      const drawn: Record<string, Record<string, number>> = await page.evaluate((plots: string[]) => {
        const out: Record<string, Record<string, number>> = {}
        for (const section of Array.from(document.querySelectorAll('section.workflow'))) {
          const counts: Record<string, number> = {}
          for (const plot of plots) {
            const svg = section.querySelector(`svg[data-plot="${plot}"]`)
            const shapes = svg ? Array.from(svg.querySelectorAll('.series')) : []
            // Drawn: a path with length, or a bar with area, as the browser laid it out.
            counts[plot] = shapes.filter((s) => {
              const box = (s as SVGGraphicsElement).getBBox()
              const length = s instanceof SVGPathElement ? s.getTotalLength() : 0
              return length > 1 || box.width * box.height > 0
            }).length
          }
          counts.comparison = section.querySelectorAll('.comparison').length
          counts.confusionRows = section.querySelectorAll('table.confusion tbody tr').length
          out[section.id] = counts
        }
        return out
      }, PLOTS)
      expect(Object.keys(drawn)).toEqual(summary.models.map((m: { workflowType: string }) => m.workflowType))
      for (const [workflow, counts] of Object.entries(drawn)) {
        // ROC and reliability: the new and the deployed model; histogram: both classes.
        expect([workflow, counts.roc, counts.reliability >= 2, counts.histogram, counts.contributions > 5]).toEqual([workflow, 2, true, 2, true])
        expect([workflow, counts.comparison, counts.confusionRows]).toEqual([workflow, 1, 4])
      }
      expect(problems).toEqual([])
      fs.mkdirSync(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: false })
      expect(fs.statSync(path.join(ARTIFACTS, 'report.png')).size).toBeGreaterThan(10000)
    } finally {
      await browser.close()
    }
  })

  it('draws every plot of every live-report version with outcomes, and logs no error', async () => {
    const fixture = await recordLiveStream(tempDir('live-report-browser'))
    const file = path.join(fixture.models, 'live-report.html')
    const store = await OutcomeStore.open(fixture.storeFile, { flushIntervalMs: 0 })
    try {
      const written = await store.renderLiveReport({ models: fixture.models, out: file })
      expect(written.path).toBe(file)
    } finally {
      await store.close()
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require('playwright-core')
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS })
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
      const problems = watch(page)
      await page.goto(`file://${file}`)
      const drawn: Array<Record<string, string | number>> = await page.evaluate((plots: string[]) => {
        return Array.from(document.querySelectorAll('div.version')).map((section) => {
          const counts: Record<string, string | number> = { version: section.getAttribute('data-version') ?? '', empty: section.querySelectorAll('.empty').length }
          for (const plot of plots) {
            const svg = section.querySelector(`svg[data-plot="${plot}"]`)
            const shapes = svg ? Array.from(svg.querySelectorAll('.series')) : []
            counts[plot] = shapes.filter((s) => {
              const box = (s as SVGGraphicsElement).getBBox()
              const length = s instanceof SVGPathElement ? s.getTotalLength() : 0
              return length > 1 || box.width * box.height > 0
            }).length
            counts[`${plot}Shapes`] = shapes.length
          }
          return counts
        })
      }, LIVE_PLOTS)
      // freestyle (outcomes recorded) and ai-memory (predicted, no outcome yet).
      expect(drawn.map((d) => d.version)).toEqual([fixture.freestyle[0].modelVersion, fixture.aiMemory[0].modelVersion])
      const [live, waiting] = drawn
      expect([live.roc, live.histogram, live.empty]).toEqual([1, 2, 0])
      expect(live.reliability).toBeGreaterThanOrEqual(2)
      // Every PSI bar is drawn: the score and each feature.
      expect(live.psi).toBe(live.psiShapes)
      expect(live.psi).toBeGreaterThan(5)
      expect([waiting.roc, waiting.reliability, waiting.histogram]).toEqual([0, 0, 0])
      expect(waiting.empty).toBeGreaterThanOrEqual(1)
      expect(problems).toEqual([])
      fs.mkdirSync(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: path.join(ARTIFACTS, 'live-report.png'), fullPage: false })
      expect(fs.statSync(path.join(ARTIFACTS, 'live-report.png')).size).toBeGreaterThan(10000)
    } finally {
      await browser.close()
    }
  }, 120000)
})
