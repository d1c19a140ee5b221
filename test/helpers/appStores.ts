/**
 * The app store's implementations, for suites that run the same behaviour cases against each
 * (`describe.each(APP_STORE_BACKENDS)`): SQLite in memory, and PostgreSQL on a real server
 * (test/helpers/postgres.ts) started at the first use and stopped by `stop()`. Each `open()` is
 * an empty store: a database of its own, migrated from nothing.
 */
import pg from 'pg'
import type { Incident } from '../../core/alert.js'
import type { AlertRow } from '../../store/index.js'
import { openStore } from '../../store/index.js'
import { openPostgresAppStore } from '../../store/postgres/index.js'
import type { AppStore } from '../../store/types.js'
import { type Postgres, startPostgres } from './postgres.js'

/** An open alert of a rule on a meter, as the alert lifecycle writes it. */
export const anAlert = (rule: string, meter: string, over: Partial<AlertRow> = {}): Omit<AlertRow, 'id'> => ({
  key: `${rule}|${meter}`,
  school: 'a',
  building: 'b',
  meter,
  rule,
  severity: 'warning',
  status: 'open',
  openedAt: 1,
  lastSeenAt: 1,
  falsePositive: false,
  message: 'night flow',
  evidence: {},
  ...over,
})

/** An open incident of a leak, as the alert lifecycle writes it. */
export const anIncident = (over: Partial<Incident> = {}): Omit<Incident, 'id'> => ({
  school: 'a',
  family: 'water_loss',
  building: 'b',
  meter: 'W1',
  rule: 'water.night_flow',
  severity: 'warning',
  status: 'open',
  openedAt: 1,
  lastSeenAt: 1,
  falsePositive: false,
  occurrences: 1,
  message: 'night flow',
  evidence: {},
  ...over,
})

export interface AppStoreUnderTest {
  store: AppStore
  /** Every row of a table as kept, for cases that check what the database holds (hashes, not secrets). */
  rows(table: string): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

export interface AppStoreBackend {
  name: 'sqlite' | 'postgres'
  open(): Promise<AppStoreUnderTest>
  /** Stops what `open` started (the PostgreSQL server). */
  stop(): Promise<void>
}

export const sqliteBackend: AppStoreBackend = {
  name: 'sqlite',
  async open() {
    const store = openStore(':memory:')
    return {
      store,
      rows: async (table) => store.db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[],
      close: () => store.close(),
    }
  },
  async stop() {},
}

/** PostgreSQL: one server for the suite, a fresh database for each store. */
export function postgresBackend(): AppStoreBackend & { server(): Promise<Postgres> } {
  let server: Promise<Postgres> | undefined
  let databases = 0
  const started = () => {
    server ??= startPostgres()
    return server
  }
  return {
    name: 'postgres',
    server: started,
    async open() {
      const pgServer = await started()
      const name = `store_${process.pid}_${++databases}`
      await pgServer.query(`CREATE DATABASE ${name}`)
      const url = pgServer.url.replace(/\/[^/]*$/, `/${name}`)
      const store = await openPostgresAppStore(url, { poolSize: 4 })
      return {
        store,
        rows: async (table) => {
          const client = new pg.Client({ connectionString: url })
          await client.connect()
          try {
            return (await client.query(`SELECT * FROM ${table}`)).rows
          } finally {
            await client.end()
          }
        },
        close: () => store.close(),
      }
    },
    async stop() {
      const s = server
      server = undefined
      if (s !== undefined) await (await s).stop()
    },
  }
}

/** Both implementations, the PostgreSQL one sharing one server per suite. */
export function appStoreBackends(): AppStoreBackend[] {
  return [sqliteBackend, postgresBackend()]
}
