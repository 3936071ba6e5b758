'use strict'
// dawg-ml report --live

const path = require('node:path')
const { UsageError, wholeNumber, workflowType } = require('./args')
const { MODELS_FLAG, STORE_FLAG, modelsDir, openStore } = require('./locations')

const LIVE_REPORT_FILE = 'live-report.html'

function psi(text) {
  const x = Number(text)
  if (!/^\d*\.?\d+$/.test(text) || !(x > 0)) throw new UsageError(`--threshold expects a PSI > 0, such as 0.25, received ${JSON.stringify(text)}`)
  return x
}

module.exports = {
  name: 'report',
  usage: '--live [options]',
  summary: 'Write the live report: the training report\'s plots from recorded outcomes, with drift.',
  description:
    'With --live: a self-contained HTML page (inline SVG, no script, no network) with, per workflow and\n' +
    'per model version in the outcome store (champion, and a challenger scored in shadow): the summary\n' +
    '(outcomes, failure rate, mean predicted probability, log-loss, Brier, ECE, AUC with its 95 %\n' +
    'interval; the figures of `dawg-ml status`), the ROC curve, the reliability diagram with its bin\n' +
    'counts, the predicted-probability histogram per outcome, the confusion counts at each risk level,\n' +
    "and the drift: PSI of each feature and of the score against the model file's reference histograms.\n" +
    'A version without recorded outcomes, or a workflow without predictions, is said so in words.\n' +
    '(The training report, report.html, is written by `dawg-ml train`.)',
  flags: [
    { flag: '--live', key: 'live', description: 'Report on the recorded outcomes (required).' },
    { flag: '--workflow', key: 'workflow', value: 'TYPE', description: "Only this workflow's section (--window then counts its predictions alone)." },
    { flag: '--window', key: 'window', value: 'N', description: 'The newest N predictions (default: all).' },
    MODELS_FLAG,
    STORE_FLAG,
    { flag: '--out', key: 'out', value: 'FILE', description: `Write the page here (atomically). Default: <models>/${LIVE_REPORT_FILE}.` },
    { flag: '--threshold', key: 'threshold', value: 'PSI', description: 'PSI from which a feature (or the score) counts as drifted (default 0.25, as the monitor).' },
    { flag: '--json', key: 'json', description: 'Print what the report shows (file, versions, counts) as JSON.' },
  ],
  async run(args, { stdout }) {
    if (!args.live) throw new UsageError('report needs --live (the training report, report.html, is written by dawg-ml train)')
    const window = args.window === undefined ? undefined : { last: wholeNumber('--window', args.window) }
    if (window && window.last === 0) throw new UsageError('--window expects at least 1 prediction')
    const workflow = workflowType('--workflow', args.workflow)
    const threshold = args.threshold === undefined ? undefined : psi(args.threshold)
    const models = modelsDir(args)
    const out = path.resolve(args.out ?? path.join(models, LIVE_REPORT_FILE))
    const store = await openStore(args)
    try {
      const report = await store.renderLiveReport({ models, workflowType: workflow, window, out, threshold })
      if (args.json) {
        stdout.write(`${JSON.stringify(report, null, 2)}\n`)
        return 0
      }
      const versions = report.workflows.flatMap((w) => w.versions)
      const labelled = versions.filter((v) => v.labelled > 0).length
      stdout.write(`Wrote ${report.path}: ${versions.length} model versions in ${report.workflows.filter((w) => w.versions.length).length} workflows, ${labelled} with recorded outcomes\n`)
      return 0
    } finally {
      await store.close()
    }
  },
}
