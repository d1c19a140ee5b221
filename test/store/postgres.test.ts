/**
 * What only the PostgreSQL app store has: migrations on a server shared by several workers,
 * transactions that hold across processes, connections that come and go, and the sentences an
 * operator reads when the server cannot be reached or refuses the login. The behaviour both
 * implementations share is test/store/app-store.test.ts.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEnv } from '../../core/config/env.js'
import { ConfigError, SchoolmeterError } from '../../core/errors.js'
import { openStore, type ServedAppStore } from '../../store/index.js'
import { MIGRATIONS, openPostgresAppStore } from '../../store/postgres/index.js'
import { anIncident } from '../helpers/appStores.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'

let server: Postgres
let databases = 0
const opened: ServedAppStore[] = []

beforeAll(async () => {
  server = await startPostgres()
})

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => {})
  await server?.stop()
})

/** A new empty database on the server, and its address. */
async function database(): Promise<string> {
  const name = `pg_${++databases}`
  await server.query(`CREATE DATABASE ${name}`)
  return server.url.replace(/\/[^/]*$/, `/${name}`)
}

async function open(
  url: string,
  o: Parameters<typeof openPostgresAppStore>[1] = {},
): Promise<ServedAppStore> {
  const store = await openPostgresAppStore(url, o)
  opened.push(store)
  return store
}

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text, values)).rows
  } finally {
    await client.end()
  }
}

/** The error an open fails with. */
async function refusal(url: string): Promise<SchoolmeterError> {
  const err = await openPostgresAppStore(url, { connectTimeoutMs: 5000 }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(SchoolmeterError)
  return err as SchoolmeterError
}

const incident = anIncident()

describe('the app store in PostgreSQL', () => {
  it('migrates an empty database in one go, records the version, and opens it again as it is', async () => {
    const url = await database()
    const store = await open(url)
    const versions = await query<{ version: number }>(
      url,
      'SELECT version FROM schema_version ORDER BY version',
    )
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    const tables = await query<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
    expect(tables.map((t) => t.table_name)).toEqual([
      'alert_events',
      'alerts',
      'api_tokens',
      'audit_log',
      'baseline_models',
      'buildings',
      'history_outdoor_daily',
      'history_outdoor_hourly',
      'history_rollup_hourly',
      'history_room_temp_hourly',
      'history_sources',
      'history_supply_daily',
      'incident_events',
      'incidents',
      'live_rates',
      'live_rejections',
      'live_status',
      'live_status_shards',
      'meters',
      'outbox',
      'readiness',
      'register_anomalies',
      'schema_version',
      'schools',
      'sessions',
      'shard_leases',
      'spaces',
      'users',
    ])
    await store.alerts.insert({
      key: 'k',
      school: 'a',
      building: 'b',
      meter: 'W1',
      rule: 'water.burst',
      severity: 'critical',
      status: 'open',
      openedAt: 1,
      lastSeenAt: 1,
      falsePositive: false,
      message: 'burst',
      evidence: {},
    })
    await store.close()
    const again = await open(url)
    expect(await again.alerts.list()).toHaveLength(1)
    expect(await query(url, 'SELECT version FROM schema_version')).toHaveLength(MIGRATIONS.length)
  })

  it('refuses a database a newer schoolmeter has migrated, in the operator’s language', async () => {
    const url = await database()
    await (await open(url)).close()
    await query(url, 'INSERT INTO schema_version (version) VALUES ($1)', [MIGRATIONS.length + 1])
    const err = await refusal(url)
    expect(err.code).toBe('SCHEMA_NEWER')
    const [newer, known] = [MIGRATIONS.length + 1, MIGRATIONS.length]
    expect(err.text('en')).toContain(
      `has schema version ${newer}, newer than this schoolmeter knows (${known})`,
    )
    expect(err.text('en')).toContain(`127.0.0.1:${server.port}/`)
    expect(err.text('zh-CN')).toContain(`结构版本为 ${newer}`)
    // Nothing was changed by the attempt.
    expect(await query(url, 'SELECT version FROM schema_version')).toHaveLength(MIGRATIONS.length + 1)
  })

  it('workers that start at once on an empty database migrate it once', async () => {
    const url = await database()
    const workers = await Promise.all([open(url), open(url), open(url)])
    expect(await query(url, 'SELECT version FROM schema_version')).toHaveLength(MIGRATIONS.length)
    await Promise.all(workers.map((w) => w.check()))
  })

  it('transactions of different workers do not interleave', async () => {
    const url = await database()
    const [one, two] = [await open(url), await open(url)]
    const id = await one.incidents.insert(incident)
    // Each worker adds one occurrence twenty times, reading the count and writing it back.
    const bump = (worker: ServedAppStore) =>
      worker.atomically(async (tx) => {
        const before = (await tx.incidents.get(id))!
        await tx.incidents.update(id, { occurrences: before.occurrences + 1 })
      })
    await Promise.all(Array.from({ length: 20 }, () => [bump(one), bump(two)]).flat())
    expect((await one.incidents.get(id))!.occurrences).toBe(41)
  })

  it('a call outside a transaction is answered at once, from what is committed', async () => {
    const url = await database()
    const store = await open(url, { poolSize: 2 })
    let release!: () => void
    const held = new Promise<void>((r) => {
      release = r
    })
    let inside!: () => void
    const written = new Promise<void>((r) => {
      inside = r
    })
    const tx = store.atomically(async (t) => {
      await t.incidents.insert(incident)
      inside()
      await held
    })
    await written
    // The transaction is open and holds its connection; another caller is not kept waiting.
    expect(await store.incidents.list()).toEqual([])
    release()
    await tx
    expect(await store.incidents.list()).toHaveLength(1)
  })

  it('a transaction whose work caught a failed statement is not taken for committed', async () => {
    const url = await database()
    const store = await open(url)
    const first = await store.incidents.insert(incident)
    const tried = store.atomically(async (tx) => {
      await tx.incidents.update(first, { occurrences: 5 })
      // The work carries on past a statement the database refused.
      await tx.alerts.addEvent(9999, 'opened', 1).catch(() => undefined)
    })
    await expect(tried).rejects.toThrow('the transaction was rolled back: a statement inside it failed')
    expect((await store.incidents.get(first))!.occurrences).toBe(1)
  })

  it('a worker stuck in a transaction does not hold the others up past the idle limit', async () => {
    const url = await database()
    const stuck = await open(url, { transactionIdleTimeoutMs: 300, onError: () => {} })
    const other = await open(url)
    let release!: () => void
    const never = new Promise<void>((r) => {
      release = r
    })
    let begun!: () => void
    const holding = new Promise<void>((r) => {
      begun = r
    })
    // A transaction that takes the lock and then waits on something that does not come.
    const hung = stuck.atomically(async (tx) => {
      await tx.incidents.insert(incident)
      begun()
      await never
      await tx.incidents.insert(incident)
    })
    await holding
    // The server ends the stuck session; the other worker's transaction goes through.
    const id = await other.atomically((tx) => tx.incidents.insert(incident))
    expect((await other.incidents.list()).map((i) => i.id)).toEqual([id])
    release()
    await expect(hung).rejects.toThrow()
    // The stuck worker's store goes on with a new connection.
    await stuck.check()
  })

  it('a connection the server drops is replaced at the next call', async () => {
    const url = await database()
    const dropped: Error[] = []
    const store = await open(url, { onError: (err) => dropped.push(err) })
    await store.check()
    await query(
      url,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'schoolmeter' AND datname = current_database()",
    )
    await waitFor('the pool to notice', () => dropped.length > 0 || undefined)
    await store.check()
    expect(await store.incidents.list()).toEqual([])
  })

  it('says what to do when the server cannot be reached', async () => {
    const port = await freePort()
    const err = await refusal(`postgres://schoolmeter:secret@127.0.0.1:${port}/schoolmeter`)
    expect(err.code).toBe('DATABASE_UNREACHABLE')
    expect(err.text('en')).toBe(
      `cannot reach the PostgreSQL server 127.0.0.1:${port}/schoolmeter (ECONNREFUSED). Check that it is running and that DATABASE_URL names its host and port.`,
    )
    expect(err.text('zh-CN')).toContain('无法连接 PostgreSQL 服务器')
    // The password is never repeated.
    expect(err.text('en')).not.toContain('secret')
  })

  it('says what to do when the database does not exist', async () => {
    const err = await refusal(server.url.replace(/\/[^/]*$/, '/nowhere'))
    expect(err.code).toBe('DATABASE_MISSING')
    expect(err.text('en')).toContain('has no database "nowhere"')
    expect(err.text('zh-CN')).toContain('没有数据库“nowhere”')
  })

  it('says what to do when the server refuses the login, and when the user may not create tables', async () => {
    const url = await database()
    // Passwords for everyone but the superuser the tests use.
    const hba = (await query<{ hba_file: string }>(url, 'SHOW hba_file'))[0]!.hba_file
    await query(
      url,
      `COPY (SELECT unnest(ARRAY['local all all trust', 'host all postgres 127.0.0.1/32 trust',
         'host all all 127.0.0.1/32 scram-sha-256'])) TO '${hba}'`,
    )
    await query(url, 'SELECT pg_reload_conf()')
    await query(url, "CREATE ROLE clerk LOGIN PASSWORD 'right-one'")
    const as = (login: string) => url.replace('postgres://postgres@', `postgres://${login}@`)
    const wrong = await waitFor('the new pg_hba.conf', async () => {
      const err = await refusal(as('clerk:wrong-one'))
      return err.code === 'DATABASE_LOGIN_REFUSED' ? err : undefined
    })
    expect(wrong.text('en')).toMatch(/refused the login of user "clerk" \(password authentication failed/)
    expect(wrong.text('en')).not.toContain('wrong-one')
    expect(wrong.text('zh-CN')).toContain('拒绝了用户“clerk”的登录')
    const unknown = await refusal(as('nobody:x'))
    expect(unknown.code).toBe('DATABASE_LOGIN_REFUSED')
    // The right password, but PostgreSQL 15 lets no one but the owner create tables in public.
    const denied = await refusal(as('clerk:right-one'))
    expect(denied.code).toBe('DATABASE_FAILED')
    expect(denied.text('en')).toMatch(
      /cannot open the app store in PostgreSQL at .*: permission denied for schema public/,
    )
    await query(url, 'GRANT CREATE ON SCHEMA public TO clerk')
    const store = await open(as('clerk:right-one'))
    await store.check()
  })

  it('takes its address from DATABASE_URL, which must be a PostgreSQL one', async () => {
    expect(readEnv({ DATABASE_URL: server.url }).DATABASE_URL).toBe(server.url)
    expect(readEnv({}).DATABASE_URL).toBeUndefined()
    expect(readEnv({}).DATABASE_POOL_SIZE).toBe(10)
    const err = (() => {
      try {
        readEnv({ DATABASE_URL: 'mysql://db/schoolmeter' })
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).text('en')).toContain(
      'DATABASE_URL: got "mysql://db/schoolmeter"; expected a PostgreSQL address postgres://user:password@host:5432/database',
    )
    expect((err as ConfigError).text('zh-CN')).toContain('PostgreSQL 地址')
  })

  it('stands behind the Store: app aggregates on the server, the stream’s state in DATA_DIR', async () => {
    const url = await database()
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-pg-store-'))
    const store = openStore(dir, await openPostgresAppStore(url))
    const id = await store.atomically((tx) => tx.incidents.insert(incident))
    await store.apiTokens.add('ops', 'admin')
    store.meta.set('journal', 42)
    await store.check()
    expect(await query(url, 'SELECT id FROM incidents')).toEqual([{ id: String(id) }])
    expect(await query(url, 'SELECT name FROM api_tokens')).toEqual([{ name: 'ops' }])
    await store.close()
    // Both closed: the file, and the pool.
    expect(store.db.open).toBe(false)
    await expect(store.incidents.list()).rejects.toThrow()
    const again = openStore(dir, await openPostgresAppStore(url))
    expect(again.meta.getNumber('journal')).toBe(42)
    expect((await again.incidents.list()).map((i) => i.id)).toEqual([id])
    await again.close()
  })
})
