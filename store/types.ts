/**
 * The app store's interface: one repository per aggregate, every call asynchronous, so that the
 * parts do not care whether SQLite in DATA_DIR (store/index.ts, the embedded default) or a
 * database server answers. Nothing outside `store/` writes SQL.
 *
 * What more than one worker of a district must see lives here: alerts and incidents with their
 * notifications, people, sessions, API tokens and the audit log, readiness reports, the kept
 * baseline models, the registry as loaded and the register anomalies. The stream's own state
 * (per-meter state, the write spool, hourly rollups and the journal positions they cover) is
 * written in step with the ingest journal and stays synchronous on the worker's disk: see
 * `StreamState` in store/index.ts.
 */
import type { Delivery, Incident, IncidentFamily } from '../core/alert.js'
import type { Registry } from '../core/registry.js'
import type { AlertFilter, AlertRow } from './alerts.js'
import type { IncidentEvent, IncidentFilter } from './incidents.js'
import type { DueRow, OutboxOutcome, OutboxRow } from './outbox.js'
import type { Page } from './paging.js'
import type { KeptBaseline } from './reports.js'
import type { AnomalyRow } from './repositories.js'
import type { ApiToken, ApiTokenRow, AuditEntry, AuditFilter, Role } from './security.js'
import type { NewUser, Session, SessionLifetime, User, UserRow } from './users.js'

export interface AlertStore {
  active(key: string): Promise<AlertRow | undefined>
  /** The most recent alert of a key, whatever its status. */
  latest(key: string): Promise<AlertRow | undefined>
  get(id: number): Promise<AlertRow | undefined>
  insert(a: Omit<AlertRow, 'id'>): Promise<number>
  update(id: number, changes: Partial<Omit<AlertRow, 'id' | 'key'>>): Promise<void>
  list(f?: AlertFilter): Promise<AlertRow[]>
  /** A page of alerts, newest first, and where the next one starts. */
  page(f?: AlertFilter): Promise<Page<AlertRow>>
  /** The alerts of one incident, oldest first. */
  ofIncident(incident: number): Promise<AlertRow[]>
  /**
   * The rule and status of each alert of one incident, oldest first: what grouping and routing
   * consult on every transition, without reading whole alerts (an incident of a recurring fault
   * gathers hundreds).
   */
  membersOf(incident: number): Promise<{ rule: string; status: AlertRow['status'] }[]>
  /** Open critical alerts nobody has acknowledged, opened before `before` (wall clock of the transition), not yet escalated; oldest first. */
  toEscalate(before: number): Promise<AlertRow[]>
  addEvent(
    alertId: number,
    transition: string,
    at: number,
    by?: string,
    note?: string,
    recordedAt?: number,
  ): Promise<number>
  events(
    alertId: number,
  ): Promise<{ id: number; transition: string; at: number; by?: string; note?: string; recordedAt: number }[]>
}

export interface IncidentStore {
  get(id: number): Promise<Incident | undefined>
  /**
   * The incidents of a family at a school not yet resolved, oldest first; with `meters`, only those
   * placed at one of them (an alert storm leaves thousands open, and each new alert asks).
   */
  active(school: string, family: IncidentFamily, meters?: readonly string[]): Promise<Incident[]>
  insert(i: Omit<Incident, 'id'>): Promise<number>
  update(id: number, changes: Partial<Omit<Incident, 'id' | 'school' | 'family'>>): Promise<void>
  list(f?: IncidentFilter): Promise<Incident[]>
  /** A page of incidents, newest first, and where the next one starts. */
  page(f?: IncidentFilter): Promise<Page<Incident>>
  /**
   * Critical incidents nobody acknowledged, opened (wall clock of the transition) before `before`,
   * not yet escalated; oldest first. With `schools`, of those schools only (a sharded worker's).
   */
  toEscalate(before: number, schools?: readonly string[]): Promise<Incident[]>
  /** Incidents none of whose alerts has been active since before `quietBefore` (event time), oldest first. */
  quiet(school: string, quietBefore: number): Promise<Incident[]>
  addEvent(e: Omit<IncidentEvent, 'id'>): Promise<number>
  events(incident: number): Promise<IncidentEvent[]>
}

export interface OutboxStore {
  /** A notification of an alert transition (rules/alerts.ts). */
  enqueue(eventId: number, d: Delivery, now?: number): Promise<void>
  /** A notification of an incident transition (rules/alerts.ts). */
  enqueueIncident(incidentEventId: number, d: Delivery, now?: number): Promise<void>
  /** A message that is not an alert transition (a readiness checklist), identified by `key`, about `school`. */
  enqueueMessage(
    key: string,
    channel: string,
    target: string,
    payload: string,
    dueAt: number,
    now?: number,
    school?: string,
  ): Promise<void>
  // Every row is about a school (the alert's, the incident's, the message's): with `schools`, the
  // next three and `pending` answer for those schools' rows only — a sharded worker sends its own.
  /** The queues (channel and target) with something due by `now`. */
  lanesDue(now: number, schools?: readonly string[]): Promise<{ channel: string; target: string }[]>
  /** What one queue has due by `now`, most urgent first, then oldest. */
  dueIn(
    channel: string,
    target: string,
    now: number,
    limit?: number,
    schools?: readonly string[],
  ): Promise<DueRow[]>
  nextDue(schools?: readonly string[]): Promise<number | undefined>
  /** Sent (alone or in a summary), or settled without sending; each counts as an attempt but a skip. */
  sent(id: number, now?: number, outcome?: OutboxOutcome): Promise<void>
  retry(id: number, dueAt: number, error: string): Promise<void>
  /** Not yet: due again at `dueAt`, without counting an attempt (a notice held while history settles). */
  postpone(id: number, dueAt: number): Promise<void>
  failed(id: number, now: number, error: string): Promise<void>
  /**
   * Whether a queue told of an incident at all: a row of one of `transitions` of the incident for
   * this channel and target that is waiting or went out (alone or in a summary).
   */
  announced(
    incident: number,
    channel: string,
    target: string,
    transitions: readonly string[],
  ): Promise<boolean>
  all(): Promise<OutboxRow[]>
  /**
   * Every notification of an incident's transitions, oldest first, with the transition each told of
   * (the leak dossier: who was told what, and when it went out).
   */
  ofIncident(incident: number): Promise<(OutboxRow & { transition: string; at: number })[]>
  pending(schools?: readonly string[]): Promise<number>
}

export interface UserStore {
  add(u: NewUser, now?: number): Promise<UserRow>
  get(id: number): Promise<UserRow | undefined>
  /** By login name, whatever its case. */
  byUsername(username: string): Promise<UserRow | undefined>
  /** Like byUsername, but says what to do when there is no such person. */
  resolve(username: string): Promise<UserRow>
  /** Oldest first; with `includeDisabled` the disabled ones too. */
  list(includeDisabled?: boolean): Promise<User[]>
  /** Whether anyone can sign in: the web app then asks for a sign-in (see web/session.ts). */
  hasActive(): Promise<boolean>
  update(
    username: string,
    changes: { name?: string; role?: string; schools?: string[] | null; hash?: string },
  ): Promise<UserRow>
  /** The person can no longer sign in; their sessions end at once. */
  disable(username: string, now?: number): Promise<UserRow>
  enable(username: string): Promise<UserRow>
  loggedIn(id: number, at?: number): Promise<void>
}

export interface SessionStore {
  /** Opens a session; `token` goes into the cookie and exists nowhere else. */
  open(userId: number, life: SessionLifetime, now?: number): Promise<{ token: string; session: Session }>
  /** The live session of a cookie's token, its lifetime extended; undefined when unknown, expired or its person disabled. */
  find(token: string, life: SessionLifetime, now?: number): Promise<Session | undefined>
  close(token: string): Promise<void>
  /** Ends every session of a person (a new password, a disabled login). */
  closeAll(userId: number): Promise<number>
  count(userId?: number): Promise<number>
}

export interface ApiTokenStore {
  /** Makes a token; `token` is the only time its secret exists outside the caller. */
  add(name: string, role: string, now?: number): Promise<{ token: string; row: ApiTokenRow }>
  get(id: string): Promise<ApiTokenRow | undefined>
  /** By id, or else the active token of that name. */
  find(idOrName: string): Promise<ApiTokenRow | undefined>
  /** Like find, but says what to do when there is no such token. */
  resolve(idOrName: string): Promise<ApiTokenRow>
  /** Active tokens, oldest first; with `includeRevoked` the revoked ones too. */
  list(includeRevoked?: boolean): Promise<ApiToken[]>
  /** A new secret for the same id, name and role; the old secret stops working at once. */
  rotate(idOrName: string): Promise<{ token: string; row: ApiTokenRow }>
  revoke(idOrName: string, now?: number): Promise<ApiTokenRow>
  /** Whether any token can still be used: the API then asks every request for one. */
  hasActive(): Promise<boolean>
  activeCount(role?: Role): Promise<number>
  touch(id: string, at?: number): Promise<void>
}

export interface AuditStore {
  record(e: Omit<AuditEntry, 'id' | 'at'>, at?: number): Promise<number>
  /** Newest first. */
  list(f?: AuditFilter): Promise<AuditEntry[]>
}

export interface ReadinessStore {
  save(school: string, termStart: string, report: unknown, now?: number): Promise<boolean>
  get(school: string, termStart: string): Promise<unknown>
}

export interface BaselineStore {
  get(school: string, utility: string): Promise<KeptBaseline | undefined>
  put(school: string, utility: string, kept: KeptBaseline): Promise<void>
}

export interface RegistryStore {
  sync(registry: Registry): Promise<void>
  counts(): Promise<{ schools: number; buildings: number; spaces: number; meters: number }>
}

export interface AnomalyStore {
  insert(a: AnomalyRow): Promise<number>
  list(meterId?: string, limit?: number): Promise<AnomalyRow[]>
}

/** The app store's aggregates, and transactions over them. */
export interface AppStore {
  readonly alerts: AlertStore
  readonly incidents: IncidentStore
  /** Notifications waiting or sent, written in the transaction of the transition they announce. */
  readonly outbox: OutboxStore
  readonly users: UserStore
  readonly sessions: SessionStore
  readonly apiTokens: ApiTokenStore
  readonly audit: AuditStore
  readonly readiness: ReadinessStore
  /** Baseline models of the monthly savings, fitted once and kept. */
  readonly baselines: BaselineStore
  /** The registry as loaded at start-up, mirrored so that reports can join against it. */
  readonly registry: RegistryStore
  readonly anomalies: AnomalyStore
  /**
   * Runs `work` as one transaction over `tx`, a view of the store whose calls all land together
   * or not at all; its result is returned. `work` awaits only calls on `tx` (no network, no
   * timers): other callers wait until it has finished. Inside `work`, `tx.atomically` joins the
   * transaction under way.
   */
  atomically<T>(work: (tx: AppStore) => Promise<T>): Promise<T>
}
