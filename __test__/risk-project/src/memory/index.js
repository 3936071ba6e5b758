// The memory workflow of the risk project.
module.exports = { name: 'memory', double: (x) => 2 * x }
