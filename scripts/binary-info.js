'use strict'
// Reads what `npm run artifacts` needs to know about a built addon straight
// from its bytes: container format (ELF / Mach-O / PE), machine, whether
// `napi_register_module_v1` is exported, and for ELF the glibc symbol
// versions it requires and its DT_NEEDED libraries and DT_FLAGS_1.
// No external tool is used, so it works the same for every target.

const fs = require('node:fs')

const ELF_MACHINES = { 0x3e: 'x86_64', 0xb7: 'aarch64', 0x03: 'i386', 0x28: 'arm' }
const MACHO_CPUS = { 0x01000007: 'x86_64', 0x0100000c: 'arm64' }
const PE_MACHINES = { 0x8664: 'x86_64', 0xaa64: 'arm64', 0x14c: 'i386' }
const EXPORT = 'napi_register_module_v1'

function cstring(buf, offset) {
  let end = offset
  while (end < buf.length && buf[end] !== 0) end++
  return buf.toString('latin1', offset, end)
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

function parseElf(buf) {
  if (buf[4] !== 2) throw new Error('only 64-bit ELF is expected')
  if (buf[5] !== 1) throw new Error('only little-endian ELF is expected')
  const type = buf.readUInt16LE(16)
  const machine = buf.readUInt16LE(18)
  const shoff = Number(buf.readBigUInt64LE(0x28))
  const shentsize = buf.readUInt16LE(0x3a)
  const shnum = buf.readUInt16LE(0x3c)
  const sections = []
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize
    sections.push({
      type: buf.readUInt32LE(o + 4),
      offset: Number(buf.readBigUInt64LE(o + 0x18)),
      size: Number(buf.readBigUInt64LE(o + 0x20)),
      link: buf.readUInt32LE(o + 0x28),
      info: buf.readUInt32LE(o + 0x2c),
      entsize: Number(buf.readBigUInt64LE(o + 0x38)),
    })
  }
  const SHT_DYNSYM = 11
  const SHT_DYNAMIC = 6
  const SHT_GNU_VERNEED = 0x6ffffffe

  // Exported dynamic symbols: defined (st_shndx != 0), GLOBAL or WEAK binding.
  const exports = new Set()
  for (const s of sections.filter((x) => x.type === SHT_DYNSYM)) {
    const strtab = sections[s.link]
    for (let o = s.offset; o + 24 <= s.offset + s.size; o += 24) {
      const name = cstring(buf, strtab.offset + buf.readUInt32LE(o))
      const bind = buf[o + 4] >> 4
      const shndx = buf.readUInt16LE(o + 6)
      if (shndx !== 0 && (bind === 1 || bind === 2)) exports.add(name)
    }
  }

  // Required symbol versions (Elf64_Verneed / Elf64_Vernaux chains).
  const versions = []
  for (const s of sections.filter((x) => x.type === SHT_GNU_VERNEED)) {
    const strtab = sections[s.link]
    let o = s.offset
    for (let n = 0; n < s.info; n++) {
      const file = cstring(buf, strtab.offset + buf.readUInt32LE(o + 4))
      let a = o + buf.readUInt32LE(o + 8)
      for (let k = 0; k < buf.readUInt16LE(o + 2); k++) {
        versions.push({ file, name: cstring(buf, strtab.offset + buf.readUInt32LE(a + 8)) })
        const next = buf.readUInt32LE(a + 12)
        if (!next) break
        a += next
      }
      const next = buf.readUInt32LE(o + 12)
      if (!next) break
      o += next
    }
  }
  const glibc = versions
    .map((v) => /^GLIBC_(\d+(?:\.\d+)+)$/.exec(v.name))
    .filter(Boolean)
    .map((m) => m[1])
    .sort(compareVersions)

  // DT_NEEDED and DT_FLAGS_1 from .dynamic.
  const needed = []
  let flags1 = 0
  for (const s of sections.filter((x) => x.type === SHT_DYNAMIC)) {
    const strtab = sections[s.link]
    for (let o = s.offset; o + 16 <= s.offset + s.size; o += 16) {
      const tag = Number(buf.readBigInt64LE(o))
      const val = Number(buf.readBigUInt64LE(o + 8))
      if (tag === 0) break
      if (tag === 1) needed.push(cstring(buf, strtab.offset + val))
      if (tag === 0x6ffffffb) flags1 = val
    }
  }
  return {
    format: type === 3 ? 'ELF shared object' : `ELF type ${type}`,
    machine: ELF_MACHINES[machine] ?? `e_machine 0x${machine.toString(16)}`,
    exportsNapi: exports.has(EXPORT),
    maxGlibc: glibc.length ? glibc[glibc.length - 1] : null,
    needed,
    nodelete: (flags1 & 0x8) !== 0, // DF_1_NODELETE
  }
}

function parseMachO(buf) {
  const cputype = buf.readUInt32LE(4)
  const filetype = buf.readUInt32LE(12)
  const ncmds = buf.readUInt32LE(16)
  const exports = new Set()
  let o = 32
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(o)
    const size = buf.readUInt32LE(o + 4)
    if (cmd === 0x2) {
      // LC_SYMTAB: nlist_64 entries; exported = N_EXT and defined in a section.
      const symoff = buf.readUInt32LE(o + 8)
      const nsyms = buf.readUInt32LE(o + 12)
      const stroff = buf.readUInt32LE(o + 16)
      for (let k = 0; k < nsyms; k++) {
        const e = symoff + k * 16
        const ntype = buf[e + 4]
        if ((ntype & 0x01) && (ntype & 0x0e) === 0x0e) exports.add(cstring(buf, stroff + buf.readUInt32LE(e)))
      }
    }
    o += size
  }
  const types = { 6: 'Mach-O dylib', 8: 'Mach-O bundle' }
  return {
    format: types[filetype] ?? `Mach-O filetype ${filetype}`,
    machine: MACHO_CPUS[cputype] ?? `cputype 0x${cputype.toString(16)}`,
    exportsNapi: exports.has(`_${EXPORT}`),
    maxGlibc: null,
    needed: [],
    nodelete: null,
  }
}

function parsePe(buf) {
  const pe = buf.readUInt32LE(0x3c)
  if (buf.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('no PE signature')
  const machine = buf.readUInt16LE(pe + 4)
  const nsections = buf.readUInt16LE(pe + 6)
  const optSize = buf.readUInt16LE(pe + 20)
  const characteristics = buf.readUInt16LE(pe + 22)
  const opt = pe + 24
  const magic = buf.readUInt16LE(opt)
  const dirs = opt + (magic === 0x20b ? 112 : 96)
  const exportRva = buf.readUInt32LE(dirs)
  const sections = []
  for (let i = 0; i < nsections; i++) {
    const s = opt + optSize + i * 40
    sections.push({ va: buf.readUInt32LE(s + 12), vsize: buf.readUInt32LE(s + 8), raw: buf.readUInt32LE(s + 20) })
  }
  const toOffset = (rva) => {
    const s = sections.find((x) => rva >= x.va && rva < x.va + x.vsize)
    return s ? rva - s.va + s.raw : -1
  }
  const exports = new Set()
  if (exportRva) {
    const d = toOffset(exportRva)
    const count = buf.readUInt32LE(d + 24)
    const names = toOffset(buf.readUInt32LE(d + 32))
    for (let i = 0; i < count; i++) exports.add(cstring(buf, toOffset(buf.readUInt32LE(names + i * 4))))
  }
  return {
    format: characteristics & 0x2000 ? `PE${magic === 0x20b ? '32+' : ''} DLL` : 'PE executable',
    machine: PE_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`,
    exportsNapi: exports.has(EXPORT),
    maxGlibc: null,
    needed: [],
    nodelete: null,
  }
}

/** Describe a built addon. Throws on a file that is none of ELF / Mach-O / PE. */
function binaryInfo(file) {
  const buf = fs.readFileSync(file)
  if (buf.length < 64) throw new Error(`${file}: too short to be a shared library (${buf.length} bytes)`)
  if (buf.readUInt32BE(0) === 0x7f454c46) return parseElf(buf)
  if (buf.readUInt32LE(0) === 0xfeedfacf) return parseMachO(buf)
  if (buf.readUInt32BE(0) === 0xcafebabe) return { format: 'Mach-O universal', machine: 'fat', exportsNapi: null, maxGlibc: null, needed: [], nodelete: null }
  if (buf.toString('latin1', 0, 2) === 'MZ') return parsePe(buf)
  throw new Error(`${file}: unknown file format (magic ${buf.subarray(0, 4).toString('hex')})`)
}

module.exports = { binaryInfo, compareVersions }

if (require.main === module) {
  for (const f of process.argv.slice(2)) console.log(f, JSON.stringify(binaryInfo(f)))
}
