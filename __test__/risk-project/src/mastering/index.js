// The mastering workflow of the risk project.
module.exports = { name: 'mastering', double: (x) => 2 * x }
