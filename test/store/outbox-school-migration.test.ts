/**
 * The migration that gives each notification its school (SQLite 17, PostgreSQL 3) on a database
 * that already holds notifications: an alert's, an incident's and a readiness checklist's rows
 * each get the school they are about, on both backends. The column is taken away again and the
 * database moved back one version, then opened as a newer schoolmeter would open it.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppStore } from '../../store/index.js'
import { openPostgresAppStore, openStore } from '../../store/index.js'
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../store/migrations.js'
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../../store/postgres/index.js'
import { anAlert, anIncident } from '../helpers/appStores.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'

const delivery = (payload: string) => ({ channel: 'webhook', target: 'hook', payload, dueAt: 5, priority: 1 })

/** One notification of each kind, for schools north, south and east; the rows' ids, by kind. */
async function seed(store: AppStore): Promise<void> {
  const alert = await store.alerts.insert(anAlert('water.night_flow', 'W1', { school: 'north' }))
  await store.outbox.enqueue(
    await store.alerts.addEvent(alert, 'opened', 1, undefined, undefined, 1),
    delivery('a'),
  )
  const incident = await store.incidents.insert(anIncident({ school: 'south' }))
  const event = await store.incidents.addEvent({ incident, transition: 'opened', at: 1, recordedAt: 1 })
  await store.outbox.enqueueIncident(event, delivery('i'))
  await store.outbox.enqueueMessage('readiness|east|2027-02-20', 'email', 'caretaker@east', 'r', 5, 1, 'east')
}

const EXPECTED = [
  ['a', 'north'],
  ['i', 'south'],
  ['r', 'east'],
]

describe('outbox rows get their school when the migration runs on a database holding them', () => {
  it('SQLite (migration 17)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-outbox-migration-'))
    const store = openStore(dir)
    await seed(store)
    // Back to how the database was before migration 17.
    expect(SQLITE_MIGRATIONS[16]).toContain('ALTER TABLE outbox ADD COLUMN school_id')
    store.db.exec('ALTER TABLE outbox DROP COLUMN school_id')
    // And before migration 18 (the history's stamps), which is run again with it.
    for (const t of ['rollup_hourly', 'outdoor_daily', 'outdoor_hourly', 'supply_daily', 'room_temp_hourly'])
      store.db.exec(`DROP INDEX ${t}_stamp; ALTER TABLE ${t} DROP COLUMN stamp`)
    // And before migration 19 (gateway logins' bcrypt hashes).
    expect(SQLITE_MIGRATIONS[18]).toContain('ALTER TABLE gateway_credentials ADD COLUMN bcrypt_hash')
    store.db.exec('ALTER TABLE gateway_credentials DROP COLUMN bcrypt_hash')
    store.db.pragma('user_version = 16')
    await store.close()
    const again = openStore(dir)
    try {
      expect(again.db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length)
      const rows = again.db.prepare('SELECT payload, school_id FROM outbox ORDER BY id').raw().all()
      expect(rows).toEqual(EXPECTED)
    } finally {
      await again.close()
    }
  })

  describe('PostgreSQL (migration 3)', () => {
    let server: Postgres
    beforeAll(async () => {
      server = await startPostgres()
    })
    afterAll(() => server?.stop())

    it('fills the school of every kind of row', async () => {
      await server.query('CREATE DATABASE outbox_migration')
      const url = server.url.replace(/\/[^/]*$/, '/outbox_migration')
      const store = await openPostgresAppStore(url)
      await seed(store)
      await store.close()
      expect(POSTGRES_MIGRATIONS[2]).toContain('ALTER TABLE outbox ADD COLUMN school_id')
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query('ALTER TABLE outbox DROP COLUMN school_id')
        await client.query('DELETE FROM schema_version WHERE version >= 3')
        await (await openPostgresAppStore(url)).close()
        const { rows } = await client.query({
          text: 'SELECT payload, school_id FROM outbox ORDER BY id',
          rowMode: 'array',
        })
        expect(rows).toEqual(EXPECTED)
        const versions = await client.query('SELECT max(version)::int AS v FROM schema_version')
        expect(versions.rows[0].v).toBe(POSTGRES_MIGRATIONS.length)
      } finally {
        await client.end()
      }
    })
  })
})
