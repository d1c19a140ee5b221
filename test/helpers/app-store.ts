/**
 * Where the suite keeps the app store (docs/store.md): `npm test` in SQLite, in each service's
 * DATA_DIR; `npm run test:postgres` (TEST_APP_STORE=postgres) on one real PostgreSQL for the run,
 * with a database of its own for every data
 * directory the tests use — every service (startTestService), rules harness (alerting), store
 * (openTestStore), child process and command-line tool — so that tests stay independent, and a
 * service started again on its DATA_DIR finds its alerts, logins and tokens as it would in SQLite.
 * The server is started by app-store-server.ts (a globalSetup); the databases a test file made
 * are dropped when the file ends (app-store-files.ts, a setup file).
 */
import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import pg from 'pg'
import { openPostgresAppStore, openStore, type Store } from '../../store/index.js'

const BACKEND = process.env.TEST_APP_STORE ?? 'sqlite'
if (BACKEND !== 'sqlite' && BACKEND !== 'postgres')
  throw new Error(`TEST_APP_STORE: got "${BACKEND}"; expected sqlite or postgres`)

/** True when the suite runs with the app store on PostgreSQL (TEST_APP_STORE=postgres). */
export const ON_POSTGRES = BACKEND === 'postgres'

/** The run's server, as app-store-server.ts hands it to the test workers: postgres://…/postgres. */
export const SERVER_ENV = 'TEST_POSTGRES_ADMIN_URL'

const made = new Set<string>()
let fresh = 0

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = process.env[SERVER_ENV]
  if (url === undefined)
    throw new Error(
      'TEST_APP_STORE=postgres but no PostgreSQL was started: run the suite through vitest.config.ts',
    )
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/**
 * The app store's DATABASE_URL for `dataDir` when the suite runs on PostgreSQL (else undefined):
 * the same database for the same directory, made empty at its first use; a new one each call for
 * ':memory:' or none.
 */
export async function databaseFor(dataDir?: string): Promise<string | undefined> {
  if (!ON_POSTGRES) return undefined
  const name =
    dataDir === undefined || dataDir === ':memory:'
      ? `memory_${process.pid}_${++fresh}`
      : `dir_${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 24)}`
  if (!made.has(name)) {
    await admin(async (c) => {
      await c.query(`CREATE DATABASE ${name}`).catch((err: { code?: string }) => {
        // Made already by another test process of this run for the same directory.
        if (err.code !== '42P04') throw err
      })
    })
    made.add(name)
  }
  return process.env[SERVER_ENV]!.replace(/\/[^/]*$/, `/${name}`)
}

/** `env` with the DATABASE_URL of its DATA_DIR added when the suite runs on PostgreSQL and none is set. */
export async function withDatabase<E extends Record<string, string | undefined>>(env: E): Promise<E> {
  if (!ON_POSTGRES || env.DATABASE_URL !== undefined) return env
  if (env.DATA_DIR === undefined) throw new Error('a child on the suite’s PostgreSQL needs DATA_DIR')
  return { ...env, DATABASE_URL: await databaseFor(env.DATA_DIR) }
}

/**
 * The store in `dataDir` (':memory:' for a throw-away one), as `openStore` opens it, with the app
 * store on the suite's PostgreSQL when it runs on it — what the service started on that
 * DATA_DIR sees.
 */
export async function openTestStore(dataDir = ':memory:'): Promise<Store> {
  const url = await databaseFor(dataDir)
  return openStore(dataDir, url === undefined ? undefined : await openPostgresAppStore(url, { poolSize: 4 }))
}

/** Drops the databases made since the last call (at the end of each test file). */
export async function dropDatabases(): Promise<void> {
  const names = [...made]
  made.clear()
  if (names.length > 0)
    await admin(async (c) => {
      for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    })
}
