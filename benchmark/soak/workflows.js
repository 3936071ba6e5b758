'use strict'
// The eight workflow types, as the soak's trainings ask for them.
module.exports = {
  WORKFLOWS: [
    'freestyle',
    'melody-to-vocals',
    'stem-separation',
    'ai-mastering',
    'live-vocal-analysis',
    'ai-memory',
    'voice-commands',
    'budget-alerts',
  ],
}
