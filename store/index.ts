/** The app store: SQLite in DATA_DIR, behind repositories. Nothing outside `store/` writes SQL. */
import { AlertRepository } from './alerts.js'
import { type Db, openDatabase } from './db.js'
import { GatewayCredentialRepository } from './gateways.js'
import { IncidentRepository } from './incidents.js'
import { MetaRepository } from './meta.js'
import { OutboxRepository } from './outbox.js'
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
import { SessionRepository, UserRepository } from './users.js'

export type { AlertFilter, AlertRow, AlertStatus, Severity } from './alerts.js'
export type { Db } from './db.js'
export type { GatewayCredential, GatewayCredentialRepository } from './gateways.js'
export type { IncidentEvent, IncidentFilter } from './incidents.js'
export type { DueRow, OutboxOutcome, OutboxRow } from './outbox.js'
export { decodeCursor, type Page } from './paging.js'
// Shard leases (PostgreSQL, DATABASE_URL): which worker owns a shard of schools (ingest/shard/).
export { type Lease, type LeaseHolder, type LeaseStore, PostgresLeases } from './postgres/leases.js'
export type { HourRollup, KeptBaseline, Totals } from './reports.js'
export type { AnomalyRow, SpoolSegment } from './repositories.js'
export type { ApiToken, ApiTokenRow, AuditEntry, AuditFilter, Role } from './security.js'
export { STATE_GENERATION_KEY } from './state.js'
export type { Session, SessionLifetime, User, UserRow } from './users.js'

export class Store {
  readonly registry: RegistryRepository
  /** Per-meter state of ingest and rules, saved by the checkpoints. */
  readonly meterState: MeterStateRepository
  readonly anomalies: AnomalyRepository
  readonly spool: SpoolRepository
  readonly alerts: AlertRepository
  readonly incidents: IncidentRepository
  readonly outbox: OutboxRepository
  readonly rollups: RollupRepository
  readonly outdoor: OutdoorRepository
  readonly supply: SupplyRepository
  readonly readiness: ReadinessRepository
  /** Classroom temperatures per hour (heating compliance). */
  readonly roomTemperatures: RoomTemperatureRepository
  /** Baseline models of the monthly savings, fitted once and kept. */
  readonly baselines: BaselineModelRepository
  readonly apiTokens: ApiTokenRepository
  readonly audit: AuditRepository
  readonly meta: MetaRepository
  readonly gatewayCredentials: GatewayCredentialRepository
  readonly users: UserRepository
  readonly sessions: SessionRepository

  constructor(readonly db: Db) {
    this.registry = new RegistryRepository(db)
    this.anomalies = new AnomalyRepository(db)
    this.spool = new SpoolRepository(db)
    this.alerts = new AlertRepository(db)
    this.incidents = new IncidentRepository(db)
    this.outbox = new OutboxRepository(db)
    this.rollups = new RollupRepository(db)
    this.outdoor = new OutdoorRepository(db)
    this.supply = new SupplyRepository(db)
    this.readiness = new ReadinessRepository(db)
    this.roomTemperatures = new RoomTemperatureRepository(db)
    this.baselines = new BaselineModelRepository(db)
    this.apiTokens = new ApiTokenRepository(db)
    this.audit = new AuditRepository(db)
    this.meta = new MetaRepository(db)
    this.meterState = new MeterStateRepository(db, this.meta)
    this.gatewayCredentials = new GatewayCredentialRepository(db)
    this.users = new UserRepository(db)
    this.sessions = new SessionRepository(db, this.users)
  }

  /**
   * Runs `work` as one transaction: every repository call inside it lands together or not at all
   * (nested calls join the outer one). Its result is returned.
   */
  atomically<T>(work: () => T): T {
    return this.db.transaction(work)()
  }

  /** A trivial query: proves the database file is open and answering. */
  check(): void {
    this.db.prepare('SELECT 1').get()
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

export function openStore(dataDir: string): Store {
  return new Store(openDatabase(dataDir))
}
