'use strict'
// dawg-ml status

const { UsageError, wholeNumber, workflowType } = require('./args')
const { MODELS_FLAG, STORE_FLAG, modelsDir, openStore } = require('./locations')

const fixed = (x, digits = 3) => (x === null || x === undefined ? '-' : x.toFixed(digits))
const share = (x) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`)

/** The table's columns: header and how a group fills it, declared once. */
const COLUMNS = [
  ['workflow', (g) => g.workflowType],
  ['model', (g) => g.modelVersion.replace(/^sha256:/, '').slice(0, 10)],
  ['role', (g) => g.role],
  ['preds', (g) => String(g.predictions)],
  ['outcomes', (g) => String(g.labelled)],
  ['fail rate', (g) => share(g.metrics.failureRate)],
  ['mean p', (g) => fixed(g.metrics.meanProbability)],
  ['log-loss', (g) => fixed(g.metrics.logLoss)],
  ['expected', (g) => fixed(g.expected.logLoss)],
  ['Brier', (g) => fixed(g.metrics.brier)],
  ['ECE', (g) => fixed(g.metrics.ece)],
  ['AUC [95%]', (g) => (g.metrics.auc === null ? '-' : `${fixed(g.metrics.auc)} [${fixed(g.metrics.aucInterval?.[0], 2)}, ${fixed(g.metrics.aucInterval?.[1], 2)}]`)],
  ...['critical', 'high', 'medium'].map((level) => [
    `P/R ${level}`,
    (g) => {
      const l = g.metrics.atRiskLevels.find((x) => x.level === level)
      return `${fixed(l.precision, 2)}/${fixed(l.recall, 2)}`
    },
  ]),
]

function table(rows) {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((g) => COLUMNS.map(([, f]) => f(g)))]
  const widths = COLUMNS.map((_, j) => Math.max(...cells.map((r) => r[j].length)))
  return cells.map((r) => r.map((c, j) => (j < 3 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ')).join('\n')
}

module.exports = {
  name: 'status',
  summary: 'Print live metrics per workflow and model version from the outcome store.',
  description:
    'For the predictions in the window, per workflow, model version and role (champion or shadowed\n' +
    'challenger): predictions, outcomes, failure rate, mean probability, log-loss, the log-loss\n' +
    'expected from the probabilities alone (while outcomes are missing), Brier, ECE, AUC with its\n' +
    '95 % bootstrap interval, and precision/recall when flagging at each risk level. Also the\n' +
    "registry's current version and challenger.",
  flags: [
    { flag: '--workflow', key: 'workflow', value: 'TYPE', description: 'Only this workflow.' },
    { flag: '--window', key: 'window', value: 'N', description: 'The newest N predictions (default: all).' },
    MODELS_FLAG,
    STORE_FLAG,
    { flag: '--json', key: 'json', description: 'Print JSON instead of the table.' },
  ],
  async run(args, { stdout }) {
    const window = args.window === undefined ? undefined : { last: wholeNumber('--window', args.window) }
    const workflow = workflowType('--workflow', args.workflow)
    const store = await openStore(args)
    try {
      const groups = []
      for (const role of ['champion', 'challenger']) {
        const r = await store.liveMetrics({ workflowType: workflow, role, window })
        groups.push(...r.groups.map((g) => ({ ...g, role })))
      }
      const { ModelRegistry } = require('../registry')
      const state = await new ModelRegistry(modelsDir(args)).state()
      if (args.json) {
        stdout.write(`${JSON.stringify({ registry: state && { current: state.current, challenger: state.challenger }, groups }, null, 2)}\n`)
        return 0
      }
      stdout.write(state ? `Registry ${modelsDir(args)}: current ${state.current}${state.challenger ? `, challenger ${state.challenger} (in shadow)` : ''}\n` : `Models: ${modelsDir(args)} (flat directory, no registry)\n`)
      stdout.write(groups.length ? `${table(groups)}\n` : `No logged predictions in ${store.path}\n`)
      return 0
    } finally {
      await store.close()
    }
  },
}
