'use strict'
// The files a working copy changes, as git sees them.
//
// Against a base ref, "changed" means: every tracked file that differs between
// the merge base of <base> and HEAD and the working tree (committed on this
// branch, staged, or unstaged, including deletions; renames count as a
// deletion plus an addition), plus untracked files that are not ignored.
// Without a base, the merge base is HEAD itself: only uncommitted changes.
// Commands run:
//   git rev-parse --show-toplevel
//   git merge-base <base> HEAD                 (with a base)
//   git diff --name-only --no-renames -z <merge base>
//   git ls-files --others --exclude-standard -z
// Paths are relative to the repository's top level, '/'-separated.

const { execFileSync } = require('node:child_process')
const { engineError } = require('./errors')

// git's well-known id of the empty tree: the base of a repository without commits.
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

function git(args, cwd) {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 })
  } catch (cause) {
    const detail = cause.code === 'ENOENT' ? 'git is not installed or not on PATH' : String(cause.stderr || cause.message).trim().split('\n')[0]
    throw engineError('ERR_GIT', `git ${args.join(' ')} failed in ${cwd}: ${detail}`, Error, cause)
  }
}

const split = (text) => text.split('\0').filter((f) => f !== '')

/** Whether HEAD names a commit (false in a repository without commits). */
function hasHead(cwd) {
  try {
    git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], cwd)
    return true
  } catch {
    return false
  }
}

/**
 * `{ top, base, mergeBase, files, untracked }`: the changed files of the
 * repository containing `cwd` (see the top of this file). `files` includes
 * `untracked`; both are sorted and relative to `top`.
 */
function changedFiles({ cwd = process.cwd(), base } = {}) {
  if (base !== undefined && (typeof base !== 'string' || base === '' || base.startsWith('-'))) {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'base': expected a git ref, received ${JSON.stringify(base)}`, TypeError)
  }
  const top = git(['rev-parse', '--show-toplevel'], cwd).trim()
  let mergeBase
  if (base !== undefined) mergeBase = git(['merge-base', base, 'HEAD'], top).trim()
  else mergeBase = hasHead(top) ? git(['rev-parse', 'HEAD'], top).trim() : EMPTY_TREE
  const tracked = split(git(['diff', '--name-only', '--no-renames', '-z', mergeBase], top))
  const untracked = split(git(['ls-files', '--others', '--exclude-standard', '-z'], top)).sort()
  const files = [...new Set([...tracked, ...untracked])].sort()
  return { top, base: base ?? 'HEAD', mergeBase, files, untracked }
}

/** Every file git knows in the repository of `cwd`: tracked plus untracked-not-ignored, relative to its top level. */
function projectFiles({ cwd = process.cwd() } = {}) {
  const top = git(['rev-parse', '--show-toplevel'], cwd).trim()
  return { top, files: split(git(['ls-files', '--cached', '--others', '--exclude-standard', '-z'], top)) }
}

module.exports = { changedFiles, projectFiles }
