// The vocal workflow of the risk project.
module.exports = { name: 'vocal', double: (x) => 2 * x }
