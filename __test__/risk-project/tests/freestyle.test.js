const { name, double } = require('../src/freestyle')

test('freestyle doubles', () => {
  expect(name).toBe('freestyle')
  expect(double(21)).toBe(42)
})
