// Make `@dawg-ai/ml-engine` resolvable from this project as if installed.
const fs = require('node:fs')
const path = require('node:path')

module.exports = async () => {
  const scope = path.join(__dirname, '.modules', '@dawg-ai')
  const link = path.join(scope, 'ml-engine')
  fs.mkdirSync(scope, { recursive: true })
  if (!fs.existsSync(link)) fs.symlinkSync(path.resolve(__dirname, '..', '..'), link, 'dir')
}
