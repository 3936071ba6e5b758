#!/usr/bin/env node
'use strict'
// dawg-ml: the command line. The commands live in lib/cli/ (one module each).

const { main } = require('../lib/cli')

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code
  })
}

module.exports = { main }
