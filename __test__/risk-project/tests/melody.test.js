const { name, double } = require('../src/melody')

test('melody doubles', () => {
  expect(name).toBe('melody')
  expect(double(21)).toBe(42)
})
