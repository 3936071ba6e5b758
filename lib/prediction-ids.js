'use strict'
// Prediction ids: random (version 4) UUIDs, made in batches.
//
// `crypto.randomUUID()` costs about 150 ns here, most of it building the
// 36-character string, against about 40 ns for an id of a batch
// (benchmark/prediction-ids.js): nearly a tenth of a whole predictSync. A
// batch draws the random bytes for BATCH ids at once, writes all their hex
// digits into one buffer, decodes it to a single string, and hands out
// 36-character slices of it; V8 makes a slice of a flat string in constant time, without
// copying. The ids are as random as randomUUID's (the same CSPRNG, the same
// 122 random bits, the same RFC 9562 layout); a slice keeps its batch's
// string (about 18 KB, shared by BATCH ids) alive while any of them is.

const { randomFillSync } = require('node:crypto')

const BATCH = 512
const BYTES = 16
const LENGTH = 36
/** An id's 36 characters: 32 hex digits, two per byte, with hyphens at these places. */
const HYPHENS = [8, 13, 18, 23]
const DIGITS = '0123456789abcdef'
/** The character codes of a byte's two hex digits. */
const HIGH = new Uint8Array(256)
const LOW = new Uint8Array(256)
for (let b = 0; b < 256; b++) {
  HIGH[b] = DIGITS.charCodeAt(b >> 4)
  LOW[b] = DIGITS.charCodeAt(b & 15)
}

const random = new Uint8Array(BATCH * BYTES)
const chars = Buffer.alloc(BATCH * LENGTH)
// The hyphens never move: written once.
for (let id = 0; id < BATCH; id++) for (const h of HYPHENS) chars[id * LENGTH + h] = 0x2d
let batch = ''
let next = BATCH

/** The two hex digits of byte `b` at `at`. */
function hex(at, b) {
  chars[at] = HIGH[b]
  chars[at + 1] = LOW[b]
}

function refill() {
  randomFillSync(random)
  for (let id = 0; id < BATCH; id++) {
    const r = id * BYTES
    // Version 4 in the high nibble of byte 6, variant 10xx in byte 8.
    random[r + 6] = (random[r + 6] & 0x0f) | 0x40
    random[r + 8] = (random[r + 8] & 0x3f) | 0x80
    const at = id * LENGTH
    // Unrolled: a loop over a table of positions costs twice as much.
    hex(at, random[r]); hex(at + 2, random[r + 1]); hex(at + 4, random[r + 2]); hex(at + 6, random[r + 3])
    hex(at + 9, random[r + 4]); hex(at + 11, random[r + 5])
    hex(at + 14, random[r + 6]); hex(at + 16, random[r + 7])
    hex(at + 19, random[r + 8]); hex(at + 21, random[r + 9])
    hex(at + 24, random[r + 10]); hex(at + 26, random[r + 11]); hex(at + 28, random[r + 12])
    hex(at + 30, random[r + 13]); hex(at + 32, random[r + 14]); hex(at + 34, random[r + 15])
  }
  batch = chars.toString('latin1')
  next = 0
}

/** A new random UUID (lower-case hex, with hyphens). */
function newPredictionId() {
  if (next === BATCH) refill()
  const from = next * LENGTH
  next++
  return batch.slice(from, from + LENGTH)
}

module.exports = { newPredictionId }
