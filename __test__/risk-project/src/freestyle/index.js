// The freestyle workflow of the risk project.
module.exports = { name: 'freestyle', double: (x) => 2 * x }
