/**
 * Moving a district's app store from SQLite in DATA_DIR to PostgreSQL (store/postgres/copy.ts,
 * `npm run admin -- store copy-to-postgres`): a real SQLite file holding the dripping tap's whole
 * story and the people, tokens, audit log, readiness report and baselines of a district, copied to
 * a real PostgreSQL 15; afterwards every repository answers the same on both, links and logins
 * keep working, new rows take ids above the copied ones, and what must be refused is.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TokenVerifier } from '../../api/auth.js'
import { SchoolmeterError } from '../../core/errors.js'
import { hashSecret } from '../../core/secrets.js'
import {
  type AppStore,
  copyToPostgres,
  openPostgresAppStore,
  openStore,
  type Store,
} from '../../store/index.js'
import { checkLogin } from '../../web/session.js'
import { anIncident } from '../helpers/appStores.js'
import { leakStory } from '../helpers/leak.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'

const run = promisify(execFile)

/** The stream's state: SQLite's tables that stay on the worker's disk (docs/store.md). */
const STREAM_TABLES = [
  'gateway_credentials',
  'meta',
  'meter_state',
  'outdoor_daily',
  'outdoor_hourly',
  'rollup_hourly',
  'rollup_stage',
  'rollup_unannounced',
  'room_temp_hourly',
  'spool_segments',
  'supply_daily',
]

const LIFE = { idleMs: 30 * 86_400_000, maxMs: 90 * 86_400_000 }
const PASSWORD = 'wang-tap-2026-canteen'
const NOW = Date.parse('2026-10-16T09:00:00+08:00')

let server: Postgres
let databases = 0
const dirs: string[] = []

beforeAll(async () => {
  server = await startPostgres()
}, 60_000)

afterAll(async () => {
  await server?.stop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A new empty database on the server, and its address. */
async function database(): Promise<string> {
  const name = `copy_${++databases}`
  await server.query(`CREATE DATABASE ${name}`)
  return server.url.replace(/\/[^/]*$/, `/${name}`)
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-copy-'))
  dirs.push(dir)
  return dir
}

interface Seeded {
  dataDir: string
  incidentId: number
  sessionToken: string
  apiToken: string
  revokedToken: string
}

/**
 * A DATA_DIR whose SQLite file holds a district's app store, written through the store's API: the
 * leak story (incident, alerts, their transitions, the outbox as delivered, rollups and per-meter
 * state), the registry as loaded, people and a session, tokens, the audit log, a readiness report
 * sent, a kept baseline, a register anomaly, a notification that failed with an endpoint's NUL.
 */
async function seed(): Promise<Seeded> {
  // The story in SQLite whatever the suite's backend: it is the copy's source file.
  const story = await leakStory({ onSqlite: true })
  const dataDir = tempDir()
  await story.alerts.idle()
  story.store.db.exec(`VACUUM INTO '${join(dataDir, 'schoolmeter.db')}'`)
  const incidentId = story.incidentId
  await story.stop()

  const store = openStore(dataDir)
  let sessionToken: string
  let apiToken: string
  let revokedToken: string
  try {
    await store.registry.sync(story.registry)
    const wang = await store.users.add(
      {
        username: 'Wang',
        name: '王师傅',
        role: 'maintenance',
        schools: ['sunshine-primary'],
        hash: hashSecret(PASSWORD),
      },
      NOW - 86_400_000,
    )
    await store.users.add(
      { username: 'li', name: '李主任', role: 'admin', hash: hashSecret('li-office-2026-xx') },
      NOW,
    )
    await store.users.add({ username: 'zhao', role: 'viewer', hash: hashSecret('zhao-plumber-2026') }, NOW)
    await store.users.disable('zhao', NOW)
    await store.users.loggedIn(wang.id, NOW)
    sessionToken = (await store.sessions.open(wang.id, LIFE, NOW)).token
    const ops = await store.apiTokens.add('ops', 'admin', NOW)
    apiToken = ops.token
    revokedToken = (await store.apiTokens.add('old-tablet', 'maintenance', NOW)).token
    await store.apiTokens.revoke('old-tablet', NOW + 1000)
    await store.apiTokens.touch(ops.row.id, NOW + 2000)
    await store.audit.record(
      { actor: 'cli:root', action: 'token.create', target: `token:${ops.row.id}`, detail: { name: 'ops' } },
      NOW,
    )
    const pruned = await store.audit.record(
      { actor: 'ops', action: 'incident.acknowledge', target: `incident:${incidentId}` },
      NOW + 1,
    )
    await store.audit.record(
      {
        actor: 'ops',
        action: 'incident.resolve',
        target: `incident:${incidentId}`,
        detail: { note: '更换阀芯' },
      },
      NOW + 2,
    )
    await store.readiness.save('sunshine-primary', '2026-09-01', { ok: true, checks: ['水表', '电表'] }, NOW)
    await store.baselines.put('sunshine-primary', 'water', {
      from: '2025-09-01',
      to: '2026-06-30',
      fingerprint: 'fp-1',
      fittedAt: NOW,
      model: { slope: 1.25, intercept: 300 },
    })
    await store.anomalies.insert({
      meterId: 'SP-W-CANTEEN',
      ts: NOW - 3_600_000,
      type: 'rollover',
      previous: 999_990,
      current: 12,
      counted: 22,
      recordedAt: NOW,
    })
    await store.outbox.enqueueMessage(
      'readiness:sunshine-primary:2026-09-01',
      'email',
      'li@sunshine.example',
      '{}',
      NOW + 60_000,
      NOW,
    )
    const checklist = (await store.outbox.all()).at(-1)!
    await store.outbox.failed(checklist.id, NOW + 61_000, 'answer: 500 \u0000garbage')
    // Ids that are not consecutive (an incident and an audit entry removed by hand): a copy that let
    // PostgreSQL number the rows would shift every id after the gap.
    const extra = await store.incidents.insert(
      anIncident({ school: 'sunshine-primary', meter: 'SP-E-MAIN', openedAt: NOW, lastSeenAt: NOW }),
    )
    await store.incidents.insert(
      anIncident({ school: 'sunshine-primary', meter: 'SP-E-DORM', openedAt: NOW, lastSeenAt: NOW }),
    )
    store.db.prepare('DELETE FROM incidents WHERE id = ?').run(extra)
    store.db.prepare('DELETE FROM audit_log WHERE id = ?').run(pruned)
  } finally {
    await store.close()
  }
  return { dataDir, incidentId, sessionToken, apiToken, revokedToken }
}

/** What every repository of `store` answers, read-only. */
async function answers(store: AppStore) {
  const incidents = await store.incidents.list({ limit: 10_000 })
  const alerts = await store.alerts.list({ limit: 10_000 })
  const users = await store.users.list(true)
  const tokens = await store.apiTokens.list(true)
  return {
    incidents,
    incidentPages: [await store.incidents.page({ limit: 1 }), await store.incidents.page({ limit: 2 })],
    incidentById: await Promise.all(incidents.map((i) => store.incidents.get(i.id))),
    incidentEvents: await Promise.all(incidents.map((i) => store.incidents.events(i.id))),
    incidentAlerts: await Promise.all(incidents.map((i) => store.alerts.ofIncident(i.id))),
    incidentOutbox: await Promise.all(incidents.map((i) => store.outbox.ofIncident(i.id))),
    activeIncidents: await store.incidents.active('sunshine-primary', 'water_loss'),
    alerts,
    alertPage: await store.alerts.page({ limit: 3 }),
    alertById: await Promise.all(alerts.map((a) => store.alerts.get(a.id))),
    alertEvents: await Promise.all(alerts.map((a) => store.alerts.events(a.id))),
    latest: await Promise.all(alerts.map((a) => store.alerts.latest(a.key))),
    outbox: await store.outbox.all(),
    pending: await store.outbox.pending(),
    nextDue: await store.outbox.nextDue(),
    users,
    userById: await Promise.all(users.map((u) => store.users.get(u.id))),
    byUsername: await store.users.byUsername('WANG'),
    sessions: await store.sessions.count(),
    tokens,
    tokenById: await Promise.all(tokens.map((k) => store.apiTokens.get(k.id))),
    activeAdmins: await store.apiTokens.activeCount('admin'),
    audit: await store.audit.list(),
    readiness: await store.readiness.get('sunshine-primary', '2026-09-01'),
    baseline: await store.baselines.get('sunshine-primary', 'water'),
    registry: await store.registry.counts(),
    anomalies: await store.anomalies.list(),
  }
}

/** Every row of every table of a SQLite file, to show the copy left it as it was. */
function dump(dataDir: string): Record<string, unknown[]> {
  const db = new Database(join(dataDir, 'schoolmeter.db'), { readonly: true })
  try {
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
      .pluck()
      .all() as string[]
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]))
  } finally {
    db.close()
  }
}

/** The PostgreSQL app store at `url` with SQLite's stream state beside it in memory (what `checkLogin` takes). */
async function openCopied(url: string): Promise<Store> {
  return openStore(':memory:', await openPostgresAppStore(url, { poolSize: 2 }))
}

async function refusal(work: Promise<unknown>): Promise<SchoolmeterError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(SchoolmeterError)
  return err as SchoolmeterError
}

describe('copy-to-postgres', () => {
  let seeded: Seeded
  let before: Awaited<ReturnType<typeof answers>>
  let file: Record<string, unknown[]>

  beforeAll(async () => {
    seeded = await seed()
    const sqlite = openStore(seeded.dataDir)
    before = await answers(sqlite)
    await sqlite.close()
    file = dump(seeded.dataDir)
  }, 120_000)

  it('copies every app-store table with its ids; every repository then answers as SQLite did', async () => {
    const url = await database()
    const report = await copyToPostgres({ dataDir: seeded.dataDir, url })

    // What the story wrote is all there, and the copy says so per table.
    const count = (t: string) => file[t]!.length
    expect(report.tables.map((t) => t.table).sort()).toEqual(
      Object.keys(file)
        .filter((t) => !STREAM_TABLES.includes(t))
        .sort(),
    )
    for (const { table, rows } of report.tables) expect(rows, table).toBe(count(table))
    expect(count('incident_events')).toBeGreaterThan(3)
    expect(count('outbox')).toBeGreaterThan(3)
    // Parents before the tables that refer to them.
    const at = (t: string) => report.tables.findIndex((c) => c.table === t)
    expect(at('incidents')).toBeLessThan(at('incident_events'))
    expect(at('incident_events')).toBeLessThan(at('outbox'))
    expect(at('alert_events')).toBeLessThan(at('outbox'))
    expect(at('users')).toBeLessThan(at('sessions'))
    // Every SQLite table is copied or is the stream's state, which stays.
    expect(report.kept).toEqual(STREAM_TABLES)

    const pg = await openCopied(url)
    try {
      const after = await answers(pg)
      // An endpoint's NUL cannot be kept in PostgreSQL's text; the outbox keeps U+FFFD, as its own writes do.
      const nul = (rows: typeof before.outbox) =>
        rows.map((r) => ({ ...r, lastError: r.lastError?.replaceAll('\u0000', '\uFFFD') }))
      expect(after.outbox.some((r) => r.lastError === 'answer: 500 \uFFFDgarbage')).toBe(true)
      expect({ ...after, outbox: nul(after.outbox) }).toEqual({ ...before, outbox: nul(before.outbox) })
      expect(after.incidents.length).toBeGreaterThan(1)
      expect(after.incidentById.map((i) => i?.id)).toContain(seeded.incidentId)
      expect(after.audit.map((e) => e.id)).not.toEqual(after.audit.map((_, i) => after.audit.length - i))

      // The caretaker's password and session, and the ops token, still work; the revoked one does not.
      expect((await checkLogin(pg, 'wang', PASSWORD))?.username).toBe('Wang')
      expect(await checkLogin(pg, 'zhao', 'zhao-plumber-2026')).toBeUndefined()
      expect((await pg.sessions.find(seeded.sessionToken, LIFE, NOW + 3_600_000))?.user.username).toBe('Wang')
      const verifier = new TokenVerifier(pg.apiTokens)
      expect(await verifier.verify(seeded.apiToken)).toMatchObject({ name: 'ops', role: 'admin' })
      expect(await verifier.verify(seeded.revokedToken)).toBeUndefined()

      // New rows take ids above the copied ones.
      const maxOf = (ids: number[]) => Math.max(...ids)
      const incident = await pg.incidents.insert(
        anIncident({ school: 'sunshine-primary', openedAt: NOW, lastSeenAt: NOW }),
      )
      expect(incident).toBeGreaterThan(maxOf(before.incidents.map((i) => i.id)))
      expect(
        await pg.incidents.addEvent({ incident, transition: 'opened', at: NOW, recordedAt: NOW }),
      ).toBeGreaterThan(maxOf(before.incidentEvents.flat().map((e) => e.id)))
      const alert = await pg.alerts.insert({ ...before.alerts[0]!, status: 'resolved', incident })
      expect(alert).toBeGreaterThan(maxOf(before.alerts.map((a) => a.id)))
      expect(await pg.alerts.addEvent(alert, 'opened', NOW)).toBeGreaterThan(
        maxOf(before.alertEvents.flat().map((e) => e.id)),
      )
      expect(await pg.audit.record({ actor: 'ops', action: 'token.create' })).toBeGreaterThan(
        maxOf(before.audit.map((e) => e.id)),
      )
      expect(
        (await pg.users.add({ username: 'sun', role: 'viewer', hash: hashSecret('sun-2026-teacher') })).id,
      ).toBeGreaterThan(maxOf(before.users.map((u) => u.id)))
      expect(
        await pg.anomalies.insert({
          meterId: 'X',
          ts: 1,
          type: 'reset',
          previous: 1,
          current: 0,
          counted: 0,
          recordedAt: 1,
        }),
      ).toBeGreaterThan(maxOf(before.anomalies.map((a) => a.id!)))
      await pg.outbox.enqueueMessage('later', 'email', 'li@sunshine.example', '{}', NOW)
      expect(maxOf((await pg.outbox.all()).map((r) => r.id))).toBeGreaterThan(
        maxOf(before.outbox.map((r) => r.id)),
      )
    } finally {
      await pg.close()
    }

    // The SQLite file holds what it held, the stream's rollups and all.
    expect(dump(seeded.dataDir)).toEqual(file)
    expect(file.rollup_hourly!.length).toBeGreaterThan(0)
  })

  it('refuses a database that already holds app data, in both languages; --replace copies in its place', async () => {
    const url = await database()
    await copyToPostgres({ dataDir: seeded.dataDir, url })
    const pg = await openCopied(url)
    await pg.incidents.insert(anIncident({ school: 'elsewhere' }))
    await pg.close()

    const err = await refusal(copyToPostgres({ dataDir: seeded.dataDir, url }))
    expect(err.code).toBe('DATABASE_NOT_EMPTY')
    expect(err.text('en')).toMatch(/already holds app data: .*incidents \(\d+\).*--replace/)
    expect(err.text('zh-CN')).toMatch(/已有应用数据：.*incidents \(\d+\).*--replace/)

    const report = await copyToPostgres({ dataDir: seeded.dataDir, url, replace: true })
    expect(report.tables.find((t) => t.table === 'incidents')?.rows).toBe(before.incidents.length)
    const again = await openCopied(url)
    try {
      expect(await again.incidents.list({ limit: 10_000 })).toEqual(before.incidents)
      expect(await again.incidents.insert(anIncident())).toBeGreaterThan(
        Math.max(...before.incidents.map((i) => i.id)),
      )
    } finally {
      await again.close()
    }
  })

  it('refuses while a service has the SQLite file open, and writes nothing', async () => {
    const url = await database()
    // Another process with the store open, as a running service holds it.
    const holder: ChildProcess = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(process.argv[1]); db.pragma('journal_mode = WAL');
         db.prepare('SELECT count(*) FROM incidents').get(); console.log('open'); setInterval(() => {}, 1000)`,
        join(seeded.dataDir, 'schoolmeter.db'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.once('data', () => resolve())
        holder.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)))
      })
      const err = await refusal(copyToPostgres({ dataDir: seeded.dataDir, url }))
      expect(err.code).toBe('DATA_DIR_IN_USE')
      expect(err.text('en')).toContain('Stop the service first')
      expect(err.text('zh-CN')).toContain('请先停止服务')
      // Refused before PostgreSQL was touched: not even migrated.
      expect(
        await server.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [url.split('/').pop()]),
      ).toHaveLength(1)
      const tables = await query(
        url,
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
      )
      expect(tables).toEqual([])
    } finally {
      const exited = new Promise((r) => holder.once('exit', r))
      holder.kill()
      await exited
    }
    // Once it has stopped, the copy goes through.
    expect((await copyToPostgres({ dataDir: seeded.dataDir, url })).tables.length).toBeGreaterThan(10)
  })

  it('refuses when the schemas disagree, and copies the columns both have', async () => {
    // A SQLite file migrated by a newer schoolmeter.
    const newer = tempDir()
    const db = new Database(join(newer, 'schoolmeter.db'))
    db.pragma('user_version = 99')
    db.close()
    expect((await refusal(copyToPostgres({ dataDir: newer, url: await database() }))).code).toBe(
      'SCHEMA_NEWER',
    )

    // A PostgreSQL database migrated by a newer schoolmeter.
    const ahead = await database()
    await (await openPostgresAppStore(ahead)).close()
    await query(ahead, 'INSERT INTO schema_version (version) VALUES (99)')
    const err = await refusal(copyToPostgres({ dataDir: seeded.dataDir, url: ahead }))
    expect(err.code).toBe('SCHEMA_NEWER')
    expect(err.text('en')).toContain('PostgreSQL')

    // A column PostgreSQL requires and SQLite lacks; a column SQLite has and PostgreSQL lacks.
    const required = await database()
    await (await openPostgresAppStore(required)).close()
    await query(required, `ALTER TABLE incidents ADD COLUMN shard TEXT NOT NULL`)
    const mismatch = await refusal(copyToPostgres({ dataDir: seeded.dataDir, url: required }))
    expect(mismatch.code).toBe('SCHEMA_MISMATCH')
    expect(mismatch.text('en')).toContain('incidents.shard (PostgreSQL)')
    expect(mismatch.text('zh-CN')).toContain('incidents.shard (PostgreSQL)')

    const extraDir = copyOf(seeded.dataDir)
    const sqlite = new Database(join(extraDir, 'schoolmeter.db'))
    sqlite.exec(`ALTER TABLE audit_log ADD COLUMN origin TEXT; UPDATE audit_log SET origin = 'api:' || id`)
    sqlite.close()
    const lost = await refusal(copyToPostgres({ dataDir: extraDir, url: await database() }))
    expect(lost.code).toBe('SCHEMA_MISMATCH')
    expect(lost.text('en')).toContain('audit_log.origin (SQLite)')

    // A later migration adding the column to both: copied with the rest. One only PostgreSQL has,
    // with a default: filled by it.
    const both = await database()
    await (await openPostgresAppStore(both)).close()
    await query(both, `ALTER TABLE audit_log ADD COLUMN origin TEXT`)
    await query(both, `ALTER TABLE outbox ADD COLUMN shard TEXT NOT NULL DEFAULT 'all'`)
    await copyToPostgres({ dataDir: extraDir, url: both })
    const origins = await query(both, 'SELECT id, origin FROM audit_log ORDER BY id')
    expect(origins.length).toBe(before.audit.length)
    for (const r of origins) expect(r.origin).toBe(`api:${r.id}`)
    expect(await query(both, `SELECT DISTINCT shard FROM outbox`)).toEqual([{ shard: 'all' }])
  })

  it('rolls everything back when a row cannot be written, and says which table', async () => {
    const url = await database()
    await (await openPostgresAppStore(url)).close()
    await query(url, `ALTER TABLE audit_log ADD CONSTRAINT no_cli CHECK (actor NOT LIKE 'cli:%')`)
    const err = await refusal(copyToPostgres({ dataDir: seeded.dataDir, url }))
    expect(err.code).toBe('COPY_FAILED')
    expect(err.text('en')).toMatch(/failed at table audit_log, and nothing was written: .*no_cli/)
    expect(err.text('zh-CN')).toContain('（数据表 audit_log）失败，未写入任何数据')
    for (const t of ['incidents', 'incident_events', 'alerts', 'outbox', 'users', 'schools'])
      expect(await query(url, `SELECT count(*)::int AS n FROM ${t}`), t).toEqual([{ n: 0 }])
  })

  it('refuses a DATA_DIR without an app store', async () => {
    const empty = tempDir()
    const err = await refusal(copyToPostgres({ dataDir: empty, url: await database() }))
    expect(err.code).toBe('COPY_SOURCE_MISSING')
    expect(err.text('zh-CN')).toContain(join(empty, 'schoolmeter.db'))
  })

  it('npm run admin -- store copy-to-postgres prints what it copied, in English and Chinese', async () => {
    const cli = (env: Record<string, string>, ...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'app/admin.ts', 'store', 'copy-to-postgres', ...args], {
        env: { ...process.env, DATA_DIR: seeded.dataDir, ...env },
      })
    const url = await database()
    const en = await cli({ DATABASE_URL: url, LOCALE: 'en' })
    const lines = en.stdout.split('\n')
    expect(lines[0]).toMatch(/^table +rows copied$/)
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^incidents +${before.incidents.length}$`)))
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^audit_log +${before.audit.length}$`)))
    expect(en.stdout).toMatch(
      /Copied [\d,]+ rows of \d+ tables from .*schoolmeter\.db to 127\.0\.0\.1:\d+\/copy_\d+, in one transaction/,
    )
    expect(en.stdout).toContain("The stream's state stays there")
    expect(en.stdout).toContain('meter_state')

    const zh = await cli({ DATABASE_URL: await database(), LOCALE: 'zh-CN' })
    expect(zh.stdout.split('\n')[0]).toMatch(/^数据表 +复制行数$/)
    expect(zh.stdout).toContain('数据流状态仍保存在其中')

    // The same database again: refused, exit code 2, the sentence on stderr.
    const again = await cli({ DATABASE_URL: url, LOCALE: 'en' }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    )
    expect(again?.code).toBe(2)
    expect(again?.stderr).toContain('already holds app data')
    const unset = await cli({ LOCALE: 'zh-CN', DATABASE_URL: '' }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    )
    expect(unset?.stderr).toContain('未设置 DATABASE_URL')
  }, 60_000)
})

/** One statement on the database at `url`. */
async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text)).rows
  } finally {
    await client.end()
  }
}

/** A DATA_DIR holding a copy of `dataDir`'s SQLite file. */
function copyOf(dataDir: string): string {
  const dir = tempDir()
  const db = new Database(join(dataDir, 'schoolmeter.db'), { readonly: true })
  db.exec(`VACUUM INTO '${join(dir, 'schoolmeter.db')}'`)
  db.close()
  return dir
}
