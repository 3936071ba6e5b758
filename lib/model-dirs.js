'use strict'
// Where models are read from and where training writes them. Resolved here,
// in JavaScript (the addon never reads the environment or the file system
// layout), from, in order:
//   1. an explicit `modelsDir` / `outDir` argument;
//   2. the DAWG_ML_MODELS_DIR environment variable;
//   3. a "dawg-ml": { "modelsDir": "<path>" } entry in the project's
//      package.json (relative to that file);
//   4. the project-local default, <project>/.dawg-ml/models.
// The project is the nearest directory at or above the working directory
// that has a package.json and is not inside node_modules.
//
// Installed as a dependency, training never writes into the package: its
// models/ are the shipped ones, which every getWorkflowPredictor() falls back
// to, workflow by workflow. In the package's own clone (the project is the
// package itself) the default is the shipped models/, so `npm run train`
// refreshes them.

const fs = require('node:fs')
const path = require('node:path')

const PACKAGE_ROOT = path.join(__dirname, '..')
/** The models shipped with the package. */
const SHIPPED_MODELS_DIR = path.join(PACKAGE_ROOT, 'models')
const ENV_VAR = 'DAWG_ML_MODELS_DIR'
const PROJECT_DEFAULT = path.join('.dawg-ml', 'models')

function insideNodeModules(dir) {
  return dir.split(path.sep).includes('node_modules')
}

/** The nearest directory at or above `from` with a package.json, outside node_modules; or null. */
function findProjectRoot(from = process.cwd()) {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (!insideNodeModules(dir) && fs.existsSync(path.join(dir, 'package.json'))) return dir
    if (path.dirname(dir) === dir) return null
  }
}

function readPackageJson(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  } catch {
    return null
  }
}

/**
 * The configured models directory and where the setting came from:
 * { dir, source: 'env' | 'package.json' | 'project default' | 'package' }.
 */
function resolveModelsDir({ env = process.env, cwd = process.cwd() } = {}) {
  const fromEnv = env[ENV_VAR]
  if (typeof fromEnv === 'string' && fromEnv !== '') return { dir: path.resolve(cwd, fromEnv), source: `${ENV_VAR}` }
  const project = findProjectRoot(cwd)
  if (project === null) return { dir: path.resolve(cwd, PROJECT_DEFAULT), source: 'project default' }
  if (path.resolve(project) === path.resolve(PACKAGE_ROOT)) return { dir: SHIPPED_MODELS_DIR, source: 'package' }
  const configured = readPackageJson(project)?.['dawg-ml']?.modelsDir
  if (typeof configured === 'string' && configured !== '') {
    return { dir: path.resolve(project, configured), source: `${path.join(project, 'package.json')} "dawg-ml".modelsDir` }
  }
  return { dir: path.join(project, PROJECT_DEFAULT), source: 'project default' }
}

/** Whether `dir` is, or is inside, an installed copy of a package (never written by training). */
function isInstalledPackageDir(dir) {
  return insideNodeModules(path.resolve(dir))
}

module.exports = { SHIPPED_MODELS_DIR, ENV_VAR, PROJECT_DEFAULT, resolveModelsDir, findProjectRoot, isInstalledPackageDir }
