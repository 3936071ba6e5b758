'use strict'
// dawg-ml outcomes export

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { UsageError, workflowType } = require('./args')
const { STORE_FLAG, openStore } = require('./locations')

module.exports = {
  name: 'outcomes',
  usage: 'export --format jsonl [--out FILE] [options]',
  positionals: true,
  summary: 'Export recorded outcomes as training data.',
  description:
    'export: writes every recorded outcome whose features are known as JSONL, one\n' +
    '{"features": <raw feature object>, "failed": <bool>} per line: what `dawg-ml train --data` reads.\n' +
    'Outcomes of predictions logged without features (sampled out) are counted, not written.',
  flags: [
    { flag: '--format', key: 'format', value: 'jsonl', description: 'The output format (jsonl, the only one).' },
    { flag: '--out', key: 'out', value: 'FILE', description: 'Write here (atomically); default: standard output.' },
    { flag: '--workflow', key: 'workflow', value: 'TYPE', description: 'Only outcomes of this workflow.' },
    { flag: '--since', key: 'since', value: 'TIME', description: 'Only outcomes recorded at or after this ISO time.' },
    STORE_FLAG,
  ],
  async run(args, { stdout, stderr }) {
    const [sub, ...rest] = args._
    if (sub !== 'export' || rest.length > 0) throw new UsageError(sub === undefined ? 'outcomes needs a subcommand: export' : `unknown outcomes subcommand: ${[sub, ...rest].join(' ')}`)
    if ((args.format ?? 'jsonl') !== 'jsonl') throw new UsageError(`--format: only jsonl is supported, received ${JSON.stringify(args.format)}`)
    let since
    if (args.since !== undefined) {
      since = Date.parse(args.since)
      if (Number.isNaN(since)) throw new UsageError(`--since expects an ISO time, received ${JSON.stringify(args.since)}`)
    }
    const workflow = workflowType('--workflow', args.workflow)
    const store = await openStore(args)
    try {
      const filter = { workflowType: workflow, since }
      if (args.out) {
        const r = await store.exportJsonl(path.resolve(args.out), filter)
        stdout.write(`Wrote ${r.rows} outcomes to ${path.resolve(args.out)}${r.withoutFeatures ? ` (${r.withoutFeatures} without features left out)` : ''}\n`)
        return 0
      }
      const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'dawg-ml-export-'))
      try {
        const file = path.join(temp, 'outcomes.jsonl')
        const r = await store.exportJsonl(file, filter)
        await new Promise((resolve, reject) => fs.createReadStream(file).on('error', reject).on('end', resolve).pipe(stdout, { end: false }))
        if (r.withoutFeatures) stderr.write(`dawg-ml: ${r.withoutFeatures} outcomes without features were left out\n`)
      } finally {
        fs.rmSync(temp, { recursive: true, force: true })
      }
      return 0
    } finally {
      await store.close()
    }
  },
}
