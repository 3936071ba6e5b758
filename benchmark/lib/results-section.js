'use strict'
// One "## <title>" section of a markdown file: read it, or replace it (added
// at the end when missing), leaving every other section as it is. Lets
// `npm run soak` write its section of RESULTS.md and `npm run bench` keep it.

function bounds(text, title) {
  const heading = `## ${title}\n`
  const start = text.startsWith(heading) ? 0 : text.indexOf(`\n${heading}`) + 1
  if (start === 0 && !text.startsWith(heading)) return null
  const next = text.indexOf('\n## ', start + heading.length)
  return { start, end: next === -1 ? text.length : next + 1 }
}

/** The section, from its heading to the next "## " heading, or null. */
function readSection(text, title) {
  const b = bounds(text, title)
  return b ? text.slice(b.start, b.end) : null
}

/** `text` with the section replaced by `section` (which starts with its heading). */
function replaceSection(text, title, section) {
  const body = section.endsWith('\n') ? section : section + '\n'
  const b = bounds(text, title)
  if (!b) return text.replace(/\n*$/, '\n\n') + body
  const after = text.slice(b.end)
  return text.slice(0, b.start) + body + (after && !body.endsWith('\n\n') ? '\n' : '') + after
}

module.exports = { readSection, replaceSection }
