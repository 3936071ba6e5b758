// A flaky test: its first attempt in each run fails, the retry passes.
const { name, double } = require('../src/vocal')

jest.retryTimes(2)
let attempts = 0

test('vocal doubles', () => {
  attempts++
  expect(name).toBe('vocal')
  expect(double(21) + (attempts === 1 ? 1 : 0)).toBe(42)
})
