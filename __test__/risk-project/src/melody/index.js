// The melody workflow of the risk project.
module.exports = { name: 'melody', double: (x) => 2 * x }
