import generator from '../generate-training-data.js'

export const { generateTrainingData, generateTrainingDataSync } = generator
export default generator
