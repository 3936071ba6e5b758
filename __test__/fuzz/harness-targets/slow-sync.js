'use strict'
// A harness test target: a synchronous property whose cases busy-wait
// FUZZ_TEST_CASE_MS each, so that one chunk lasts far longer than the
// watchdog's silence window while every case returns.
const fc = require('fast-check')

const caseMs = Number(process.env.FUZZ_TEST_CASE_MS ?? 50)

module.exports = {
  name: 'test/slow-sync',
  property: (ctx, stats) =>
    fc.property(fc.nat(), () => {
      const until = Date.now() + caseMs
      while (Date.now() < until);
      stats.results++
    }),
}
