'use strict'
// A harness test target: its third case never returns (a synchronous
// infinite loop), the kind of hang only the parent's watchdog can catch.
const fc = require('fast-check')

module.exports = {
  name: 'test/hang-sync',
  property: (ctx, stats) => {
    let n = 0
    return fc.property(fc.nat(), () => {
      if (++n === 3) for (;;);
      stats.results++
    })
  },
}
