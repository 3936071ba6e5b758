// The knowledge graph from JavaScript: loading both formats, where the default
// graph is found, paths relative to the root, and coded errors in this realm.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { FIXTURES, tempDir } from './helpers'
import {
  affectedWorkflows,
  findKnowledgeGraph,
  getKnowledgeGraph,
  KnowledgeGraph,
  loadKnowledgeGraph,
  readKnowledgeGraph,
  WORKFLOW_TYPES,
} from '../index'

const OLD_GRAPH = path.join(FIXTURES, 'ts-ml-engine', 'workflow-knowledge-graph.json')

function writeJson(file: string, value: unknown) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value))
  return file
}

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn()
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a throw')
}

describe('the old graph', () => {
  const root = tempDir('kg-root')
  const graph = loadKnowledgeGraph(OLD_GRAPH, { root })

  it('loads every workflow with its files, tests, services and critical paths', () => {
    expect(graph.format).toBe('legacy')
    expect(graph.file).toBe(OLD_GRAPH)
    expect(graph.root).toBe(root)
    expect(Object.keys(graph.workflows)).toEqual([...WORKFLOW_TYPES])
    expect(graph.workflows['stem-separation']).toEqual({
      description: null,
      sources: ['src/audio/ai/StemSeparator.ts'],
      tests: ['stem-separation.test.ts'],
      services: ['Web Audio API', 'FFT'],
      criticalPaths: ['memory_allocation', 'stft_computation', 'hpss', 'reconstruction'],
      features: ['hpss', 'spectral-masking', 'frequency-isolation'],
      sharedFiles: [],
      dependsOn: [],
    })
    expect(graph.shared).toEqual({})
  })

  it('answers affectedWorkflows with reasons, tests and critical paths, for absolute and relative paths', () => {
    const analysis = graph.analyzeChanges([path.join(root, 'src/services/voiceCommandService.ts'), 'docs/x.md'])
    expect(analysis.affected.map((a) => a.workflowType)).toEqual(['freestyle', 'voice-commands'])
    expect(analysis.affected[1]).toEqual({
      workflowType: 'voice-commands',
      reasons: [{ kind: 'source', file: 'src/services/voiceCommandService.ts', pattern: 'src/services/voiceCommandService.ts' }],
      tests: ['voice-commands.test.ts'],
      criticalPaths: ['recognition_init', 'transcript_capture', 'command_match', 'execution'],
      services: ['Web Speech API'],
    })
    expect(analysis.unmatchedFiles).toEqual(['docs/x.md'])
    // Objects of this realm (Jest runs each file in its own vm context).
    expect(analysis.affected).toBeInstanceOf(Array)
    expect(analysis.affected[0].reasons[0]).toBeInstanceOf(Object)
    // A file outside the root matches nothing.
    expect(graph.affectedWorkflows([path.join(path.dirname(root), 'src/services/voiceCommandService.ts')])).toEqual([])
  })

  it('is the current graph for getKnowledgeGraph and affectedWorkflows', () => {
    expect(getKnowledgeGraph()).toBe(graph)
    expect(affectedWorkflows(['src/audio/ai/AIMasteringEngine.ts']).map((a) => a.workflowType)).toEqual(['ai-mastering'])
    expect(graph).toBeInstanceOf(KnowledgeGraph)
  })

  it('maps test files to the workflows that list them', () => {
    expect(graph.workflowsOfTests(['e2e/voice-commands.test.ts', path.join(root, 'budget-alerts.test.ts'), 'other.test.ts'])).toEqual([
      ['freestyle', 'voice-commands'],
      ['budget-alerts'],
      [],
    ])
  })

  it('converts to the extended format, which loads and answers the same', () => {
    const document = graph.toJSON()
    expect(document.version).toBe(2)
    expect(document.workflows.freestyle?.sources).toHaveLength(4)
    const converted = readKnowledgeGraph(writeJson(path.join(tempDir('kg-convert'), 'g.json'), document), { root })
    expect(converted.format).toBe('extended')
    expect(getKnowledgeGraph()).toBe(graph) // reading does not replace the current graph
    for (const node of Object.values(graph.workflows)) {
      for (const file of node!.sources) expect(converted.affectedWorkflows([file])).toEqual(graph.affectedWorkflows([file]))
    }
  })
})

describe('the extended format', () => {
  it('resolves its root against the graph file and follows shared files and dependencies', () => {
    const dir = tempDir('kg-ext')
    const file = writeJson(path.join(dir, 'config', 'graph.json'), {
      version: 2,
      root: '..',
      shared: { 'audio-core': { files: ['src/audio/**'] } },
      workflows: {
        freestyle: { sources: ['src/freestyle/**'], sharedFiles: ['audio-core'] },
        'live-vocal-analysis': { sources: ['src/vocal/**'], dependsOn: ['freestyle'] },
      },
    })
    const graph = readKnowledgeGraph(file)
    expect(graph.root).toBe(dir)
    expect(graph.shared).toEqual({ 'audio-core': { description: null, files: ['src/audio/**'] } })
    const [freestyle, vocal] = graph.affectedWorkflows([path.join(dir, 'src/audio/fft.ts')])
    expect(freestyle.reasons).toEqual([{ kind: 'shared', file: 'src/audio/fft.ts', group: 'audio-core', pattern: 'src/audio/**' }])
    expect(vocal.reasons).toEqual([{ kind: 'dependency', chain: ['freestyle', 'live-vocal-analysis'], files: ['src/audio/fft.ts'] }])
  })
})

describe('bad graphs and arguments', () => {
  const dir = tempDir('kg-bad')

  it.each([
    ['a wrong type', { freestyle: { files: ['a.ts', 'b.ts', 3] } }, '$.freestyle.files[2]: expected a string, received number'],
    ['an unknown workflow', { karaoke: {} }, `$.karaoke: unknown workflow "karaoke" (expected one of ${WORKFLOW_TYPES.join(', ')})`],
    [
      'a cycle',
      { version: 2, workflows: { freestyle: { dependsOn: ['ai-memory'] }, 'ai-memory': { dependsOn: ['freestyle'] } } },
      '$.workflows.ai-memory.dependsOn[0]: dependency cycle freestyle -> ai-memory -> freestyle',
    ],
    ['invalid JSON', '{"freestyle": ', '$: not valid JSON: EOF while parsing a value at line 1 column 14'],
  ])('%s gets ERR_INVALID_GRAPH naming the file and the JSON path', (_label, content, message) => {
    const file = writeJson(path.join(dir, `${_label.replace(/ /g, '-')}.json`), content)
    const before = getKnowledgeGraph()
    const error = thrown(() => loadKnowledgeGraph(file))
    expect(error).toBeInstanceOf(Error)
    expect(error.code).toBe('ERR_INVALID_GRAPH')
    expect(error.message).toBe(`Invalid knowledge graph ${file}: ${message}`)
    expect(getKnowledgeGraph()).toBe(before) // a failed load keeps the current graph
  })

  it('a missing file is ERR_IO; bad arguments are ERR_INVALID_ARG TypeErrors', () => {
    expect(thrown(() => loadKnowledgeGraph(path.join(dir, 'nope.json'))).code).toBe('ERR_IO')
    const wrong = thrown(() => loadKnowledgeGraph(42 as unknown as string))
    expect(wrong).toBeInstanceOf(TypeError)
    expect(wrong.code).toBe('ERR_INVALID_ARG')
    const list = thrown(() => getKnowledgeGraph().affectedWorkflows(['a.ts', 7 as unknown as string]))
    expect(list).toBeInstanceOf(TypeError)
    expect(list.message).toBe("Invalid argument 'changedFiles[1]': expected a string, received number")
    expect(thrown(() => getKnowledgeGraph().affectedWorkflows('a.ts' as unknown as string[])).code).toBe('ERR_INVALID_ARG')
    expect(thrown(() => loadKnowledgeGraph(OLD_GRAPH, { rot: '.' } as never)).message).toContain("unknown option 'rot'")
  })
})

describe('where the default graph is', () => {
  function project(manifest: object | null, graphAt?: string) {
    const dir = tempDir('kg-default')
    if (manifest) writeJson(path.join(dir, 'package.json'), manifest)
    if (graphAt) fs.copyFileSync(OLD_GRAPH, path.join(dir, graphAt))
    fs.mkdirSync(path.join(dir, 'src', 'deep'), { recursive: true })
    return dir
  }

  it('is the environment variable first, relative to the working directory', () => {
    const dir = project({ name: 'p', 'dawg-ml': { knowledgeGraph: 'other.json' } }, 'mine.json')
    expect(findKnowledgeGraph({ cwd: dir, env: { DAWG_ML_KNOWLEDGE_GRAPH: 'mine.json' } })).toEqual({ file: path.join(dir, 'mine.json'), projectRoot: dir, source: 'env' })
    expect(thrown(() => findKnowledgeGraph({ cwd: dir, env: { DAWG_ML_KNOWLEDGE_GRAPH: 'gone.json' } })).code).toBe('ERR_GRAPH_NOT_FOUND')
  })

  it('then "dawg-ml".knowledgeGraph in the nearest package.json, relative to it', () => {
    const dir = project({ name: 'p', 'dawg-ml': { knowledgeGraph: 'graphs/kg.json' } })
    fs.mkdirSync(path.join(dir, 'graphs'))
    fs.copyFileSync(OLD_GRAPH, path.join(dir, 'graphs', 'kg.json'))
    const found = findKnowledgeGraph({ cwd: path.join(dir, 'src', 'deep'), env: {} })
    expect(found).toEqual({ file: path.join(dir, 'graphs', 'kg.json'), projectRoot: dir, source: 'package.json' })
    // Loaded from a subdirectory, paths are still relative to the project root.
    const graph = readKnowledgeGraph(undefined, { cwd: path.join(dir, 'src', 'deep') })
    expect(graph.root).toBe(dir)
    const bad = project({ name: 'p', 'dawg-ml': { knowledgeGraph: 3 } })
    expect(thrown(() => findKnowledgeGraph({ cwd: bad, env: {} })).message).toBe(`Invalid "dawg-ml".knowledgeGraph in ${path.join(bad, 'package.json')}: expected a file name, received 3`)
  })

  it('then workflow-knowledge-graph.json in the project root; otherwise ERR_GRAPH_NOT_FOUND listing what was tried', () => {
    const dir = project({ name: 'p' }, 'workflow-knowledge-graph.json')
    expect(findKnowledgeGraph({ cwd: path.join(dir, 'src'), env: {} })).toEqual({ file: path.join(dir, 'workflow-knowledge-graph.json'), projectRoot: dir, source: 'default' })
    const empty = project({ name: 'p' })
    const error = thrown(() => findKnowledgeGraph({ cwd: empty, env: {} }))
    expect(error.code).toBe('ERR_GRAPH_NOT_FOUND')
    expect(error.message).toBe(
      `No knowledge graph found. Tried: DAWG_ML_KNOWLEDGE_GRAPH (not set); "dawg-ml".knowledgeGraph in ${path.join(empty, 'package.json')} (not set); ` +
        `${path.join(empty, 'workflow-knowledge-graph.json')} (does not exist). Pass a file, set DAWG_ML_KNOWLEDGE_GRAPH, or add "dawg-ml": { "knowledgeGraph": "<file>" } to package.json.`,
    )
  })
})

describe('module formats', () => {
  it('loads from the root and the knowledge-graph subpath, with require and import', () => {
    const script = `import { loadKnowledgeGraph } from '@dawg-ai/ml-engine/knowledge-graph'
import * as root from '@dawg-ai/ml-engine'
const { createRequire } = await import('node:module')
const cjs = createRequire(process.cwd() + '/')('@dawg-ai/ml-engine/knowledge-graph')
if (root.loadKnowledgeGraph !== loadKnowledgeGraph || cjs.loadKnowledgeGraph !== loadKnowledgeGraph) throw new Error('different modules')
const g = loadKnowledgeGraph(${JSON.stringify(OLD_GRAPH)})
console.log(JSON.stringify(root.affectedWorkflows(['src/audio/ai/StemSeparator.ts']).map((a) => a.workflowType)))`
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual(['stem-separation'])
  })
})
