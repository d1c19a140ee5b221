/** The app store: SQLite in DATA_DIR, behind repositories. Nothing outside `store/` writes SQL. */
import { AlertRepository, OutboxRepository, RuleStateRepository } from './alerts.js'
import { type Db, openDatabase } from './db.js'
import { GatewayCredentialRepository } from './gateways.js'
import { MetaRepository } from './meta.js'
import { OutdoorRepository, ReadinessRepository, RollupRepository, SupplyRepository } from './reports.js'
import {
  AnomalyRepository,
  MeterStatusRepository,
  RegistryRepository,
  SpoolRepository,
  StateRepository,
} from './repositories.js'
import { ApiTokenRepository, AuditRepository } from './security.js'

export type { AlertFilter, AlertRow, AlertStatus, OutboxRow, Severity } from './alerts.js'
export type { Db } from './db.js'
export type { GatewayCredential, GatewayCredentialRepository } from './gateways.js'
export type { HourRollup, Totals } from './reports.js'
export type { AnomalyRow, MeterStatusRow, SpoolSegment } from './repositories.js'
export type { ApiToken, ApiTokenRow, AuditEntry, AuditFilter, Role } from './security.js'

export class Store {
  readonly registry: RegistryRepository
  readonly registerState: StateRepository
  readonly meterStatus: MeterStatusRepository
  readonly anomalies: AnomalyRepository
  readonly spool: SpoolRepository
  readonly alerts: AlertRepository
  readonly outbox: OutboxRepository
  readonly ruleState: RuleStateRepository
  readonly rollups: RollupRepository
  readonly outdoor: OutdoorRepository
  readonly supply: SupplyRepository
  readonly readiness: ReadinessRepository
  readonly apiTokens: ApiTokenRepository
  readonly audit: AuditRepository
  readonly meta: MetaRepository
  readonly gatewayCredentials: GatewayCredentialRepository

  constructor(readonly db: Db) {
    this.registry = new RegistryRepository(db)
    this.registerState = new StateRepository(db, 'register_state')
    this.meterStatus = new MeterStatusRepository(db)
    this.anomalies = new AnomalyRepository(db)
    this.spool = new SpoolRepository(db)
    this.alerts = new AlertRepository(db)
    this.outbox = new OutboxRepository(db)
    this.ruleState = new RuleStateRepository(db)
    this.rollups = new RollupRepository(db)
    this.outdoor = new OutdoorRepository(db)
    this.supply = new SupplyRepository(db)
    this.readiness = new ReadinessRepository(db)
    this.apiTokens = new ApiTokenRepository(db)
    this.audit = new AuditRepository(db)
    this.meta = new MetaRepository(db)
    this.gatewayCredentials = new GatewayCredentialRepository(db)
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
