#!/usr/bin/env node
'use strict'
// `prepublishOnly` of the development package.json: `npm publish` from the
// repository would publish a package with no native binary in it and no
// optionalDependencies to fetch one, which installs everywhere and loads
// nowhere (ERR_NATIVE_BINDING_NOT_FOUND). The release publishes the staged
// copy instead (`npm run test:pack -- --stage-only`, then `npm publish
// .pack/main`), whose package.json has no scripts, so this never runs there.
//
// `node scripts/refuse-bare-publish.js [DIR]` checks DIR's package.json (by
// default the working directory's, which npm sets to the package's root).

const fs = require('node:fs')
const path = require('node:path')

/** Why the package in `dir` must not be published, or null when it may be. */
function publishProblem(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  const platforms = fs.existsSync(path.join(dir, 'npm'))
    ? fs.readdirSync(path.join(dir, 'npm')).filter((d) => fs.existsSync(path.join(dir, 'npm', d, 'package.json')))
    : []
  const optional = Object.keys(pkg.optionalDependencies ?? {})
  if (optional.length === 0) {
    return `${pkg.name} has no optionalDependencies on its platform packages${platforms.length ? ` (npm/${platforms.join(', npm/')})` : ''}, so an install would have no native binary`
  }
  const missing = platforms
    .map((d) => JSON.parse(fs.readFileSync(path.join(dir, 'npm', d, 'package.json'), 'utf8')).name)
    .filter((name) => !optional.includes(name))
  if (missing.length) return `optionalDependencies lack ${missing.join(', ')}`
  return null
}

function main() {
  const dir = path.resolve(process.argv[2] ?? process.cwd())
  const problem = publishProblem(dir)
  if (problem === null) return
  console.error(
    `Refusing to publish: ${problem}.\n` +
      'Publish the staged copy instead: npm run test:pack -- --stage-only, publish the platform packages it stages, then npm publish .pack/main (the README, "Supported platforms", says how the release does it).',
  )
  process.exit(1)
}

if (require.main === module) main()
module.exports = { publishProblem }
