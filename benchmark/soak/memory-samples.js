'use strict'
// RSS and V8 heap sampled at a fixed interval, and the figure the soak is
// judged by: the growth from the mean RSS of the first quarter of the run to
// the mean RSS of its last quarter (issue 12: at most 10 %).

const MB = 1024 * 1024

function sample(startedAt) {
  const m = process.memoryUsage()
  return {
    t: (Date.now() - startedAt) / 1000,
    rss: m.rss / MB,
    heapUsed: m.heapUsed / MB,
    heapTotal: m.heapTotal / MB,
    external: m.external / MB,
    arrayBuffers: m.arrayBuffers / MB,
  }
}

/**
 * Samples every `intervalMs` until stop(). `extra()` is merged into each
 * sample (the activities' counters). The first sample is taken at once.
 */
function startSampler({ startedAt, intervalMs, extra = () => ({}), onSample = () => {} }) {
  const samples = []
  const take = () => {
    const s = { ...sample(startedAt), ...extra() }
    samples.push(s)
    onSample(s)
  }
  take()
  const timer = setInterval(take, intervalMs)
  return {
    samples,
    stop() {
      clearInterval(timer)
      // A last sample at the end, unless the interval's last one just was.
      if (Date.now() - startedAt - samples[samples.length - 1].t * 1000 > intervalMs / 2) take()
      return samples
    },
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length

/**
 * Mean of `key` over the samples of the first and the last quarter of
 * [from, to] seconds (from: the end of the warm-up, 0 without one), and the
 * growth between them in percent.
 */
function quarterGrowth(samples, { from = 0, to, key = 'rss' }) {
  const q = (to - from) / 4
  const first = samples.filter((s) => s.t >= from && s.t <= from + q).map((s) => s[key])
  const last = samples.filter((s) => s.t >= to - q && s.t <= to).map((s) => s[key])
  if (!first.length || !last.length) return null
  const a = mean(first)
  const b = mean(last)
  return { first: a, last: b, firstSamples: first.length, lastSamples: last.length, growthPercent: ((b - a) / a) * 100 }
}

module.exports = { startSampler, quarterGrowth, MB }
