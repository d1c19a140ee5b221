/**
 * The app store in PostgreSQL (DATABASE_URL): what every worker of a district must see — alerts,
 * incidents, the outbox, people, tokens, the audit log, readiness reports, baselines, the
 * registry as loaded, register anomalies — on one database server, behind the same interface as
 * SQLite (store/types.ts) and with the same behaviour (test/store/app-store.test.ts runs both).
 */
import pg from 'pg'
import { SchoolmeterError } from '../../core/errors.js'
import { msg } from '../../core/i18n/index.js'
import type { HistoryStore } from '../history.js'
import type { ServedAppStore } from '../index.js'
import type {
  AlertStore,
  AnomalyStore,
  ApiTokenStore,
  AppStore,
  AuditStore,
  BaselineStore,
  IncidentStore,
  OutboxStore,
  ReadinessStore,
  RegistryStore,
  SessionStore,
  UserStore,
} from '../types.js'
import { PostgresAlerts } from './alerts.js'
import { PostgresHistory, PostgresHistoryMirror } from './history.js'
import { PostgresIncidents } from './incidents.js'
import { MIGRATIONS } from './migrations.js'
import { PostgresOutbox } from './outbox.js'
import { PostgresBaselines, PostgresReadiness } from './reports.js'
import { PostgresAnomalies, PostgresRegistry } from './repositories.js'
import { PostgresApiTokens, PostgresAudit } from './security.js'
import { PoolSql, type Sql, TYPES } from './sql.js'
import { PostgresSessions, PostgresUsers } from './users.js'

export { MIGRATIONS } from './migrations.js'

/** The app store's repositories over `sql`: the pool, or one transaction's connection. */
class PostgresAppStore implements AppStore {
  readonly alerts: AlertStore
  readonly incidents: IncidentStore
  readonly outbox: OutboxStore
  readonly users: UserStore
  readonly sessions: SessionStore
  readonly apiTokens: ApiTokenStore
  readonly audit: AuditStore
  readonly readiness: ReadinessStore
  readonly baselines: BaselineStore
  readonly registry: RegistryStore
  readonly anomalies: AnomalyStore

  constructor(private readonly sql: Sql) {
    this.alerts = new PostgresAlerts(sql)
    this.incidents = new PostgresIncidents(sql)
    this.outbox = new PostgresOutbox(sql)
    this.users = new PostgresUsers(sql)
    this.sessions = new PostgresSessions(sql)
    this.apiTokens = new PostgresApiTokens(sql)
    this.audit = new PostgresAudit(sql)
    this.readiness = new PostgresReadiness(sql)
    this.baselines = new PostgresBaselines(sql)
    this.registry = new PostgresRegistry(sql)
    this.anomalies = new PostgresAnomalies(sql)
  }

  async atomically<T>(work: (tx: AppStore) => Promise<T>): Promise<T> {
    // Inside a transaction `sql` joins it, and so does the view handed to `work`.
    return this.sql.atomically((inside) => work(inside === this.sql ? this : new PostgresAppStore(inside)))
  }
}

class PostgresServedAppStore extends PostgresAppStore implements ServedAppStore {
  readonly history: HistoryStore
  readonly historyTarget: PostgresHistoryMirror

  constructor(
    private readonly pool: pg.Pool,
    readonly server: string,
    onError?: (err: Error) => void,
  ) {
    const sql = new PoolSql(pool, onError)
    super(sql)
    this.history = new PostgresHistory(sql)
    this.historyTarget = new PostgresHistoryMirror(sql)
  }

  async check(): Promise<void> {
    await this.pool.query('SELECT 1')
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}

export interface PostgresOptions {
  /** Connections this process opens at most (default 10). */
  poolSize?: number
  /** How long to wait for a connection before giving up, in ms (default 10 s). */
  connectTimeoutMs?: number
  /**
   * How long the server lets a transaction of this process wait on it before ending the session
   * (default 60 s): a worker that hangs or is cut off mid-transaction does not hold the
   * transaction lock, and every other worker with it, for longer.
   */
  transactionIdleTimeoutMs?: number
  /** An idle connection failed (the server restarted, the network dropped it); the next call reconnects. */
  onError?: (err: Error) => void
}

/** Serialises the migrations of workers that start at once. */
const MIGRATION_LOCK = 0x736d_6d67 // 'smmg'

/**
 * Connects to the PostgreSQL database at `url` (postgres://user:password@host:port/database),
 * migrates the app store's tables and returns the store; it says in the operator's language why
 * when the server cannot be reached, refuses the login or has no such database.
 */
export async function openPostgresAppStore(url: string, o: PostgresOptions = {}): Promise<ServedAppStore> {
  return new PostgresServedAppStore(await openMigratedPool(url, o), serverOf(url), o.onError)
}

/**
 * A pool of connections to the database at `url`, its app-store tables migrated, for the store and
 * the tools that move data into it (store/postgres/copy.ts); refusals as `openPostgresAppStore`'s.
 */
export async function openMigratedPool(url: string, o: PostgresOptions = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: o.poolSize ?? 10,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    options: `-c idle_in_transaction_session_timeout=${o.transactionIdleTimeoutMs ?? 60_000}`,
    application_name: 'schoolmeter',
    types: TYPES,
  })
  pool.on('error', (err) => o.onError?.(err))
  try {
    await migrate(pool, url)
  } catch (err) {
    await pool.end().catch(() => {})
    throw err instanceof SchoolmeterError ? err : openError(err, url)
  }
  return pool
}

/**
 * A part's own small pool (the shard lease, the meters' live status), apart from the app store's
 * so that it is never held up by it, each statement bounded by `timeoutMs`; the database migrated
 * (the first worker up applies the migrations). Refusals as `openPostgresAppStore`'s.
 */
export async function openPartPool(
  url: string,
  o: { name: string; timeoutMs: number; onError?: ((err: Error) => void) | undefined },
): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    connectionTimeoutMillis: o.timeoutMs,
    query_timeout: o.timeoutMs,
    application_name: o.name,
  })
  // An idle connection the server drops must not take the process with it; the next query reconnects.
  pool.on('error', (err) => o.onError?.(err))
  try {
    await migrate(pool, url)
  } catch (err) {
    await pool.end().catch(() => {})
    throw err instanceof SchoolmeterError ? err : openError(err, url)
  }
  return pool
}

/** Applies the migrations this database lacks, all in one transaction; refuses a newer schema. */
export async function migrate(pool: pg.Pool, url: string): Promise<void> {
  const client = await pool.connect()
  // A session the server ends meanwhile fails the next statement, which says why.
  const ignore = () => {}
  client.on('error', ignore)
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_version (
         version INTEGER PRIMARY KEY,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    )
    const found = Number(
      (await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version')).rows[0]?.v ??
        0,
    )
    if (found > MIGRATIONS.length)
      throw new SchoolmeterError(
        'SCHEMA_NEWER',
        msg('postgres.schemaNewer', { server: serverOf(url), found, known: MIGRATIONS.length }),
      )
    for (let v = found; v < MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v]!)
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [v + 1])
    }
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.off('error', ignore)
    client.release()
  }
}

/** host:port/database of a connection string, without the login. */
export function serverOf(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`
  } catch {
    return '?'
  }
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/** Why the database could not be opened, as a sentence for the operator. */
export function openError(err: unknown, url: string): SchoolmeterError {
  const e = err as Error & { code?: string; errors?: { code?: string }[] }
  const code = e.code ?? e.errors?.[0]?.code
  const server = serverOf(url)
  const detail = e.message || code || String(err)
  let user = ''
  let database = ''
  try {
    const u = new URL(url)
    user = decodeURIComponent(u.username)
    database = decodeURIComponent(u.pathname.slice(1))
  } catch {}
  if ((code && UNREACHABLE.has(code)) || /timeout/i.test(e.message ?? ''))
    return new SchoolmeterError(
      'DATABASE_UNREACHABLE',
      msg('postgres.unreachable', { server, detail: code ?? detail }),
    )
  switch (code) {
    case '28P01':
    case '28000':
      return new SchoolmeterError(
        'DATABASE_LOGIN_REFUSED',
        msg('postgres.loginRefused', { server, user, detail }),
      )
    case '3D000':
      return new SchoolmeterError('DATABASE_MISSING', msg('postgres.noDatabase', { server, database }))
    default:
      return new SchoolmeterError('DATABASE_FAILED', msg('postgres.cannotOpen', { server, detail }))
  }
}
