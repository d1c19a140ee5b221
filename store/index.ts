/** The store: SQLite in DATA_DIR, behind repositories. Nothing outside `store/` writes SQL. */
import { resolve } from 'node:path'
import { AlertRepository } from './alerts.js'
import { type Db, openDatabase } from './db.js'
import { GatewayCredentialRepository } from './gateways.js'
import { HistoryStamps, type HistoryStore, SqliteHistory } from './history.js'
import { IncidentRepository } from './incidents.js'
import { MetaRepository } from './meta.js'
import { HistoryMirror, MirroredHistory, type MirrorOptions, type MirrorTarget } from './mirror.js'
import { OutboxRepository } from './outbox.js'
import { openPostgresAppStore, type PostgresOptions } from './postgres/index.js'
import {
  BaselineModelRepository,
  OutdoorRepository,
  ReadinessRepository,
  RollupRepository,
  RoomTemperatureRepository,
  SupplyRepository,
} from './reports.js'
import { AnomalyRepository, RegistryRepository, SpoolRepository } from './repositories.js'
import { ApiTokenRepository, AuditRepository } from './security.js'
import { MeterStateRepository } from './state.js'
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
} from './types.js'
import { SessionRepository, UserRepository } from './users.js'

export type { AlertFilter, AlertRow, AlertStatus, Severity } from './alerts.js'
export type { Db } from './db.js'
export type { GatewayCredential, GatewayCredentialRepository } from './gateways.js'
export type { DayTotals, HistoryStore, RoomHour } from './history.js'
export type { IncidentEvent, IncidentFilter } from './incidents.js'
export type { HistoryMirror, MirrorOptions } from './mirror.js'
export type { DueRow, OutboxOutcome, OutboxRow } from './outbox.js'
export { decodeCursor, type Page } from './paging.js'
// Shard leases (PostgreSQL, DATABASE_URL): which worker owns a shard of schools (ingest/shard/).
export { type Lease, type LeaseHolder, type LeaseStore, PostgresLeases } from './postgres/leases.js'
// Meters' live status and recent rates each shard's owner shares (PostgreSQL): any worker answers for every meter.
export {
  type LiveChanges,
  type LiveRateRow,
  type LiveRejection,
  type LiveRejections,
  type LiveStatus,
  type LiveStatusRow,
  PostgresLiveStatus,
  type PostgresLiveStatusOptions,
  type Pulled,
  type PulledStatus,
  type PushFence,
} from './postgres/live-status.js'
export type { HourRollup, KeptBaseline, Totals } from './reports.js'
export type { AnomalyRow, SpoolSegment } from './repositories.js'
export type { ApiToken, ApiTokenRow, AuditEntry, AuditFilter, Role } from './security.js'
export { type ApiTokenRepository, parseToken, ROLES, TokenError, tokenView } from './security.js'
export { STATE_GENERATION_KEY } from './state.js'
export type * from './types.js'
export type { Session, SessionLifetime, User, UserRow } from './users.js'

/** A synchronous repository's methods as the app store's interface has them: answering later. */
type Promised<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never
}

/**
 * Who may use the database connection now. SQLite has one connection: while a transaction is
 * open on it, every call from outside that transaction waits until it has finished, so that
 * nothing joins it by accident.
 */
class Gate {
  private held: Promise<void> | undefined

  /** Runs `call` at once when no transaction is open, else once none is. */
  async run<T>(call: () => T): Promise<T> {
    while (this.held !== undefined) await this.held
    return call()
  }

  /** Runs `work` with every other caller held back. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.held !== undefined) await this.held
    let release!: () => void
    this.held = new Promise((resolve) => {
      release = resolve
    })
    try {
      return await work()
    } finally {
      this.held = undefined
      release()
    }
  }
}

const OPEN: Pick<Gate, 'run'> = { run: async (call) => call() }

/** Each method of `repo`, called through `gate`, answering with a promise. */
function promised<T extends object>(repo: T, gate: Pick<Gate, 'run'>): Promised<T> {
  const out: Record<string, unknown> = {}
  for (
    let proto = Object.getPrototypeOf(repo);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  )
    for (const name of Object.getOwnPropertyNames(proto)) {
      const method = (repo as Record<string, unknown>)[name]
      if (name === 'constructor' || name in out || typeof method !== 'function') continue
      out[name] = (...args: unknown[]) => gate.run(() => method.apply(repo, args))
    }
  return out as Promised<T>
}

/** The app store's repositories over one SQLite connection, each call through `gate`. */
class SqliteAppStore implements AppStore {
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

  constructor(
    db: Db,
    gate: Pick<Gate, 'run'>,
    private readonly begin: <T>(work: (tx: AppStore) => Promise<T>) => Promise<T>,
  ) {
    const users = new UserRepository(db)
    this.alerts = promised(new AlertRepository(db), gate)
    this.incidents = promised(new IncidentRepository(db), gate)
    this.outbox = promised(new OutboxRepository(db), gate)
    this.users = promised(users, gate)
    this.sessions = promised(new SessionRepository(db, users), gate)
    this.apiTokens = promised(new ApiTokenRepository(db), gate)
    this.audit = promised(new AuditRepository(db), gate)
    this.readiness = promised(new ReadinessRepository(db), gate)
    this.baselines = promised(new BaselineModelRepository(db), gate)
    this.registry = promised(new RegistryRepository(db), gate)
    this.anomalies = promised(new AnomalyRepository(db), gate)
  }

  atomically<T>(work: (tx: AppStore) => Promise<T>): Promise<T> {
    return this.begin(work)
  }
}

/** The app store in the SQLite database `db`: one transaction at a time on its one connection. */
export function sqliteAppStore(db: Db): AppStore {
  const gate = new Gate()
  // Inside a transaction, calls on its view go straight to the connection.
  const tx: AppStore = new SqliteAppStore(db, OPEN, (work) => work(tx))
  return new SqliteAppStore(db, gate, (work) =>
    gate.exclusive(async () => {
      db.exec('BEGIN IMMEDIATE')
      try {
        const result = await work(tx)
        db.exec('COMMIT')
        return result
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK')
        throw err
      }
    }),
  )
}

/** An app store on a database server: closed with the store. */
export interface ServedAppStore extends AppStore {
  /** Where the server is, for /health and logs, without the login: e.g. `db.example:5432/schoolmeter`. */
  readonly server: string
  /** The report history every worker mirrored there (store/postgres/history.ts). */
  readonly history: HistoryStore
  /** Where this worker's history is mirrored to. */
  readonly historyTarget: MirrorTarget
  check(): Promise<void>
  close(): Promise<void>
}

/** How the history's mirror to the app store's server runs (store/mirror.ts). */
export type StoreOptions = { mirror?: Omit<MirrorOptions, 'stamps' | 'target'> }

/**
 * The store in DATA_DIR: the app store's aggregates behind their asynchronous interface
 * (store/types.ts) — in the same SQLite database unless another implementation is given — and
 * the stream's own state, which is written in step with the ingest journal and answers at once.
 */
export class Store implements AppStore {
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
  /** Per-meter state of ingest and rules, saved by the checkpoints. */
  readonly meterState: MeterStateRepository
  /** The journal positions the checkpoints and rollups cover, and other small settings. */
  readonly meta: MetaRepository
  /** Index of the InfluxDB write spool's files. */
  readonly spool: SpoolRepository
  /** The history's writers (reports/rollups.ts, reports/heating.ts); reports read `history`. */
  readonly rollups: RollupRepository
  readonly outdoor: OutdoorRepository
  readonly supply: SupplyRepository
  /** Classroom temperatures per hour (heating compliance). */
  readonly roomTemperatures: RoomTemperatureRepository
  /** The stamps of the history's writes (store/history.ts): every write takes `stamps.next()`. */
  readonly stamps: HistoryStamps
  /**
   * What reports read of the history: this file's, or with the app store on a server, every
   * worker's as mirrored there (this worker's own writes mirrored first).
   */
  readonly history: HistoryStore
  /** With the app store on a server: the mirror of this file's history to it (started by the reports part). */
  readonly mirror: HistoryMirror | undefined
  /** MQTT logins of gateways, read on every CONNECT. */
  readonly gatewayCredentials: GatewayCredentialRepository
  private readonly app: AppStore
  private readonly served: ServedAppStore | undefined

  constructor(
    readonly db: Db,
    served?: ServedAppStore,
    o: StoreOptions = {},
  ) {
    const app = served ?? sqliteAppStore(db)
    this.app = app
    this.served = served
    this.alerts = app.alerts
    this.incidents = app.incidents
    this.outbox = app.outbox
    this.users = app.users
    this.sessions = app.sessions
    this.apiTokens = app.apiTokens
    this.audit = app.audit
    this.readiness = app.readiness
    this.baselines = app.baselines
    this.registry = app.registry
    this.anomalies = app.anomalies
    this.meta = new MetaRepository(db)
    this.meterState = new MeterStateRepository(db, this.meta)
    this.spool = new SpoolRepository(db)
    this.rollups = new RollupRepository(db)
    this.outdoor = new OutdoorRepository(db)
    this.supply = new SupplyRepository(db)
    this.roomTemperatures = new RoomTemperatureRepository(db)
    this.stamps = new HistoryStamps(db, this.meta, () => this.mirror?.wake())
    this.mirror = served
      ? new HistoryMirror({ ...o.mirror, stamps: this.stamps, target: served.historyTarget })
      : undefined
    this.history = this.mirror ? new MirroredHistory(this.mirror, served!.history) : new SqliteHistory(this)
    this.gatewayCredentials = new GatewayCredentialRepository(db)
  }

  atomically<T>(work: (tx: AppStore) => Promise<T>): Promise<T> {
    return this.app.atomically(work)
  }

  /**
   * Runs `work` over the stream's state as one transaction, at once: every call inside it lands
   * together or not at all (nested calls join the outer one). Its result is returned.
   */
  inStep<T>(work: () => T): T {
    return this.db.transaction(work)()
  }

  /** The app store's server (see ServedAppStore.server), when it is not in the SQLite file. */
  get server(): string | undefined {
    return this.served?.server
  }

  /** Trivial queries: prove the database file (and the app store's server) are open and answering. */
  async check(): Promise<void> {
    this.db.prepare('SELECT 1').get()
    await this.served?.check()
  }

  /**
   * Closes the database file — once the history's mirror has stopped (see HistoryMirror.stop) —
   * then the app store's server connections.
   */
  async close(): Promise<void> {
    await this.mirror?.stop()
    if (this.db.open) this.db.close()
    await this.served?.close()
  }
}

/** Opens the store in `dataDir` (':memory:' for a throw-away one), with `served` for the app store if given. */
export function openStore(dataDir: string, served?: ServedAppStore, o: StoreOptions = {}): Store {
  return new Store(openDatabase(dataDir), served, o)
}

// The app store on a PostgreSQL server (DATABASE_URL), for the workers of a district to share.
// Moving an app store from SQLite in DATA_DIR to PostgreSQL (npm run admin -- store copy-to-postgres).
export { type CopyOptions, type CopyReport, copyToPostgres } from './postgres/copy.js'
export { openPostgresAppStore, type PostgresOptions } from './postgres/index.js'

/**
 * The store of the service and its tools as the environment says: DATA_DIR, with the app store
 * on the PostgreSQL server DATABASE_URL names when it names one.
 */
export async function openConfiguredStore(
  env: { DATA_DIR: string; DATABASE_URL?: string | undefined; DATABASE_POOL_SIZE?: number | undefined },
  o: Pick<PostgresOptions, 'onError'> & StoreOptions = {},
): Promise<Store> {
  const served = env.DATABASE_URL
    ? await openPostgresAppStore(env.DATABASE_URL, {
        ...o,
        ...(env.DATABASE_POOL_SIZE !== undefined ? { poolSize: env.DATABASE_POOL_SIZE } : {}),
      })
    : undefined
  try {
    return openStore(resolve(env.DATA_DIR), served, o.mirror ? { mirror: o.mirror } : {})
  } catch (err) {
    await served?.close()
    throw err
  }
}
