// The realm suite under ts-jest: the package imported as TypeScript code imports it.
import * as api from '../index'
// eslint-disable-next-line @typescript-eslint/no-require-imports
const realmChecks = require('./realm/checks')

realmChecks(api, { describe, it, expect, beforeAll })
