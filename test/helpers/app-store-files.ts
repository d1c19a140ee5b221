/** Setup file: drops the app store databases a test file made, once it has ended (test/helpers/app-store.ts). */
import { afterAll } from 'vitest'
import { dropDatabases, ON_POSTGRES } from './app-store.js'

if (ON_POSTGRES) afterAll(dropDatabases)
