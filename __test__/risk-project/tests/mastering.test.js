// The known-risky test: it fails while RISK_PROJECT_BREAK names it.
const { name, double } = require('../src/mastering')

test('mastering doubles', () => {
  expect(name).toBe('mastering')
  expect(double(21)).toBe(process.env.RISK_PROJECT_BREAK === 'mastering' ? 41 : 42)
})
