'use strict'
// A one-line progress bar on stderr, drawn only on a terminal.

function progressBar(stream = process.stderr) {
  if (!stream.isTTY) return { update() {}, end() {} }
  let last = ''
  return {
    update(e) {
      const width = 30
      const filled = e.total ? Math.round((width * e.done) / e.total) : 0
      const line = `${e.stage.padEnd(5)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${e.total} ${e.workflowType ?? ''}`
      if (line !== last) stream.write(`\r${line.padEnd(80)}`)
      last = line
    },
    end() {
      if (last) stream.write('\r'.padEnd(81) + '\r')
    },
  }
}

module.exports = { progressBar }
