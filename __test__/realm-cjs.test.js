'use strict'
// The realm suite in plain CommonJS: the package required, not transformed.
const api = require('..')
const realmChecks = require('./realm/checks')

realmChecks(api, { describe, it, expect, beforeAll })
