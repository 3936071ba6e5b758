'use strict'
// The file-based test history: one JSON file per Jest run under
// <dir>/test-history/, named <startedAt>-<runId>.json so that names sort in
// time order. Each file is written whole to a temporary name in the same
// directory, flushed and renamed, so a reader never sees a partial run, and
// concurrent Jest processes never write the same file. The oldest files
// beyond `maxRuns` are deleted after each write.
//
// Format (version 1), documented in the README ("Test history"):
// {
//   "format": "dawg-ml-test-run", "version": 1,
//   "runId": "…", "startedAt": ISO, "finishedAt": ISO, "interrupted": false,
//   "changes": { "base": "HEAD", "mergeBase": "<sha>", "files": [...] } | null,
//   "affectedWorkflows": [...], "workflowRisk": { "<type>": p | null },
//   "selection": { "confidence": 0.95, "selected": n, "total": n } | null,
//   "tests": [{ "file", "status": "passed"|"failed"|"flaky"|"skipped",
//               "durationMs", "workflows": [...],
//               "kept": "affected"|"changed"|"new"|null, "rank": 0..1 | null,
//               "position", "counts": { "passed", "failed", "flaky", "skipped" },
//               "flakyTests": [...] }]
// }
// The outcome store of the production loop can import these files as they are
// (`format` and `version` say what they hold).

const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')

const FORMAT = 'dawg-ml-test-run'
const VERSION = 1
const STATUSES = new Set(['passed', 'failed', 'flaky', 'skipped'])

function newRunId() {
  return `${process.pid.toString(36)}-${crypto.randomBytes(4).toString('hex')}`
}

/** Write `text` to `file` atomically: a temporary file in the same directory, flushed, then renamed. */
function writeFileAtomic(file, text) {
  const dir = path.dirname(file)
  fs.mkdirSync(dir, { recursive: true })
  const temporary = path.join(dir, `.tmp-${path.basename(file)}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`)
  const fd = fs.openSync(temporary, 'w')
  try {
    fs.writeSync(fd, text)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.renameSync(temporary, file)
  } catch (error) {
    fs.rmSync(temporary, { force: true })
    throw error
  }
}

function runFileName(run) {
  return `${run.startedAt.replace(/[:.]/g, '-')}-${run.runId}.json`
}

function runFiles(historyDir) {
  let names
  try {
    names = fs.readdirSync(historyDir)
  } catch (error) {
    if (error.code === 'ENOENT') return []
    throw error
  }
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()
}

/** Record one run; then keep only the newest `maxRuns` files. Returns the file written. */
function writeRun(historyDir, run, { maxRuns = 200 } = {}) {
  const document = { format: FORMAT, version: VERSION, ...run }
  const file = path.join(historyDir, runFileName(run))
  writeFileAtomic(file, `${JSON.stringify(document)}\n`)
  const names = runFiles(historyDir)
  for (const name of names.slice(0, Math.max(0, names.length - maxRuns))) {
    fs.rmSync(path.join(historyDir, name), { force: true })
  }
  return file
}

function validRun(run) {
  return (
    run !== null && typeof run === 'object' && run.format === FORMAT && run.version === VERSION &&
    Array.isArray(run.tests) &&
    run.tests.every((t) => t && typeof t.file === 'string' && STATUSES.has(t.status) && Array.isArray(t.workflows))
  )
}

/**
 * The newest `maxRuns` recorded runs, oldest first, and the names of files
 * that were skipped (unreadable, another format or version).
 */
function readRuns(historyDir, { maxRuns = 200 } = {}) {
  const runs = []
  const skipped = []
  for (const name of runFiles(historyDir).slice(-maxRuns)) {
    let run
    try {
      run = JSON.parse(fs.readFileSync(path.join(historyDir, name), 'utf8'))
    } catch {
      // Deleted by a concurrent prune, or not ours.
      skipped.push(name)
      continue
    }
    if (validRun(run)) runs.push(run)
    else skipped.push(name)
  }
  return { runs, skipped }
}

module.exports = { FORMAT, VERSION, newRunId, writeRun, readRuns, writeFileAtomic }
