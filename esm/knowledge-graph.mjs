import graph from '../lib/knowledge-graph.js'

export const { KnowledgeGraph, loadKnowledgeGraph, readKnowledgeGraph, getKnowledgeGraph, affectedWorkflows, findKnowledgeGraph, DEFAULT_GRAPH_FILE, GRAPH_ENV } = graph
export default graph
