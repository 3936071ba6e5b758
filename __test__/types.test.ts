// The generated TypeScript types accept code written for the old engine under
// `tsc --strict`, and reject what the engine would reject.
import path from 'node:path'
import ts from 'typescript'

const root = path.resolve(__dirname, '..')

function diagnostics(files: Record<string, string>): string[] {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, types: [] }
  const host = ts.createCompilerHost(options)
  const read = host.readFile.bind(host)
  const exists = host.fileExists.bind(host)
  host.readFile = (f) => files[path.resolve(f)] ?? read(f)
  host.fileExists = (f) => path.resolve(f) in files || exists(f)
  const program = ts.createProgram(Object.keys(files), options, host)
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

describe('TypeScript types', () => {
  const fixture = path.join(root, '__test__', 'fixtures', 'old-usage.ts')

  it('compile old-engine usage under --strict with no errors', () => {
    expect(diagnostics({ [fixture]: ts.sys.readFile(fixture)! })).toEqual([])
  })

  it.each([
    ['an unknown enum value', "audioContextState: 'running'", "audioContextState: 'paused'", `'"paused"' is not assignable`],
    ['a missing field', '  bufferSize: 512,\n', '', "Property 'bufferSize' is missing"],
    ['a string boolean', 'microphonePermission: true', "microphonePermission: 'false'", "'string' is not assignable to type 'boolean'"],
  ])('reject %s', (_label, from, to, expected) => {
    const bad = path.join(root, '__test__', 'fixtures', 'bad-usage.ts')
    const source = ts.sys.readFile(fixture)!.replace(from, to)
    expect(source).not.toBe(ts.sys.readFile(fixture))
    const errors = diagnostics({ [bad]: source })
    expect(errors.join('\n')).toContain(expected)
  })
})
