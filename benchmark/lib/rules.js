'use strict'
// Recommendation rules of DESIGN.md §6, as data (for the plain-JS peers only;
// the addon has its own copy in src/schema). `below` means value < t, else value > t.

const RULES = {
  freestyle: [
    ['micPermission', 'below', 0.5, ['Request microphone permission before starting recording']],
    ['audioContextOk', 'below', 0.5, ['Initialize AudioContext on user gesture (button click)']],
    ['transcriptionAccuracy', 'below', 0.7, ['Implement fallback transcription service or manual lyrics entry']],
  ],
  'melody-to-vocals': [
    ['expertAIAvailable', 'below', 0.5, ['Check Expert Music AI service health before processing', 'Implement retry logic with exponential backoff']],
    ['expertAILatency', 'above', 0.7, ['Add loading indicator for long-running operations', 'Consider implementing request queue to manage API rate limits']],
  ],
  'stem-separation': [
    ['memoryReq', 'above', 0.8, ['Reduce FFT size or hop size to lower memory requirements', 'Process audio in smaller chunks for long files']],
    ['prevOOMErrors', 'above', 0.5, ['Implement memory monitoring and early warnings', 'Add audio duration limits or compression before processing']],
  ],
  'ai-mastering': [
    ['prevClipping', 'above', 0.6, ['Implement pre-mastering level detection and normalization', 'Add clipping detection before writing output']],
    ['processingComplexity', 'above', 0.8, ['Enable parallel processing for complex audio', 'Add processing time estimates to manage user expectations']],
  ],
  'live-vocal-analysis': [
    ['wsConnected', 'below', 0.5, ['Implement WebSocket auto-reconnect with exponential backoff', 'Buffer analysis results locally during disconnection']],
    ['wsLatency', 'above', 0.6, ['Reduce analysis frequency or buffer size to decrease latency', 'Implement latency monitoring and adaptive quality adjustment']],
    ['droppedFrames', 'above', 0.5, ['Increase audio buffer size to prevent frame drops', 'Optimize analysis algorithms for real-time performance']],
  ],
  'ai-memory': [
    ['dbConnected', 'below', 0.5, ['Implement database connection pooling and retry logic', 'Add fallback to in-memory cache during DB outages']],
    ['prevDBTimeouts', 'above', 0.5, ['Add database query timeout limits and error handling', 'Implement query optimization and indexing']],
  ],
  'voice-commands': [
    ['speechRecognitionOk', 'below', 0.5, ['Provide fallback to manual command input', 'Show clear messaging when speech recognition is unavailable']],
    ['micQuality', 'below', 0.6, ['Add microphone quality indicator to UI', 'Suggest using external microphone for better results']],
    ['avgMatchConfidence', 'below', 0.6, ['Implement confirmation dialogs for low-confidence commands', 'Show matched command to user before executing']],
  ],
  'budget-alerts': [
    ['overDaily', 'above', 0.5, ['Implement daily spending rate limiting', 'Send proactive alerts at 80% threshold']],
    ['overMonthly', 'above', 0.5, ['Enable automatic pause when monthly limit exceeded', 'Show spending projection to warn users early']],
    ['prevCostCalcErrors', 'above', 0.5, ['Add cost calculation validation and error logging', 'Implement fallback cost estimation when APIs fail']],
  ],
}

const GENERAL_CRITICAL = ['CRITICAL: Implement circuit breaker pattern to prevent cascading failures', 'Add comprehensive error monitoring and alerting']
const GENERAL_HIGH = ['Add retry logic with exponential backoff', 'Implement graceful degradation strategies']

module.exports = { RULES, GENERAL_CRITICAL, GENERAL_HIGH }
