const { name, double } = require('../src/memory')

test('memory doubles', () => {
  expect(name).toBe('memory')
  expect(double(21)).toBe(42)
})
