/** Alerts and their transitions. */
import type { Statement } from 'better-sqlite3'
import type { Alert, AlertStatus, Severity } from '../core/alert.js'
import type { Message } from '../core/i18n/index.js'
import { type Db, statements } from './db.js'
import { type Cursor, listFilter, type Page, toPage } from './paging.js'

export type { AlertStatus, Severity } from '../core/alert.js'
export type AlertRow = Alert

export interface AlertFilter {
  status?: AlertStatus | 'active'
  school?: string
  rule?: string
  severity?: Severity
  meter?: string
  incident?: number
  /** Opened at or after / before (epoch ms). */
  from?: number
  to?: number
  limit?: number
  /** Where a page starts (from the previous page's `next`). */
  cursor?: string
}

/** An alert's row as the database has it (SQLite and PostgreSQL alike). */
export interface Raw {
  id: number
  key: string
  school_id: string
  building_id: string
  meter_id: string
  space_id: string | null
  rule: string
  severity: Severity
  status: AlertStatus
  opened_at: number
  last_seen_at: number
  acknowledged_at: number | null
  acknowledged_by: string | null
  resolved_at: number | null
  resolved_by: string | null
  false_positive: number
  note: string | null
  escalated_at: number | null
  message: string
  message_key: string | null
  message_params: string | null
  evidence: string
  incident_id: number | null
}

export function messageOf(key: string | null, params: string | null): Message | undefined {
  return key === null ? undefined : ({ key, params: params ? JSON.parse(params) : {} } as Message)
}

export function fromRaw(r: Raw): AlertRow {
  return {
    id: r.id,
    key: r.key,
    school: r.school_id,
    building: r.building_id,
    meter: r.meter_id,
    ...(r.space_id !== null ? { space: r.space_id } : {}),
    rule: r.rule,
    severity: r.severity,
    status: r.status,
    openedAt: r.opened_at,
    lastSeenAt: r.last_seen_at,
    ...(r.acknowledged_at !== null ? { acknowledgedAt: r.acknowledged_at } : {}),
    ...(r.acknowledged_by !== null ? { acknowledgedBy: r.acknowledged_by } : {}),
    ...(r.resolved_at !== null ? { resolvedAt: r.resolved_at } : {}),
    ...(r.resolved_by !== null ? { resolvedBy: r.resolved_by } : {}),
    falsePositive: r.false_positive === 1,
    ...(r.note !== null ? { note: r.note } : {}),
    ...(r.escalated_at !== null ? { escalatedAt: r.escalated_at } : {}),
    message: r.message,
    ...(r.message_key !== null ? { text: messageOf(r.message_key, r.message_params) } : {}),
    evidence: JSON.parse(r.evidence),
    ...(r.incident_id !== null ? { incident: r.incident_id } : {}),
  }
}

const COLUMNS: Record<string, string> = {
  severity: 'severity',
  status: 'status',
  lastSeenAt: 'last_seen_at',
  acknowledgedAt: 'acknowledged_at',
  acknowledgedBy: 'acknowledged_by',
  resolvedAt: 'resolved_at',
  resolvedBy: 'resolved_by',
  falsePositive: 'false_positive',
  note: 'note',
  escalatedAt: 'escalated_at',
  message: 'message',
  evidence: 'evidence',
  incident: 'incident_id',
}

/** The `column = ?` terms of an alert's update and their values, in order. */
export function alertChanges(changes: Partial<Omit<AlertRow, 'id' | 'key'>>): {
  sets: string[]
  values: unknown[]
} {
  const sets: string[] = []
  const values: unknown[] = []
  for (const [k, v] of Object.entries(changes)) {
    const col = k === 'text' ? 'message_key' : COLUMNS[k]
    if (!col) throw new Error(`alerts: cannot update ${k}`)
    if (k === 'text') continue
    sets.push(`${col} = ?`)
    values.push(k === 'evidence' ? JSON.stringify(v) : k === 'falsePositive' ? (v ? 1 : 0) : (v ?? null))
  }
  if (changes.text) {
    sets.push('message_key = ?', 'message_params = ?')
    values.push(changes.text.key, JSON.stringify(changes.text.params ?? {}))
  }
  return { sets, values }
}

/** The WHERE terms (`?` placeholders) of a filter and page position over alerts, and their values. */
export function alertFilter(f: AlertFilter): { where: string[]; values: unknown[] } {
  return listFilter(f, [
    ['school', 'school_id'],
    ['rule', 'rule'],
    ['severity', 'severity'],
    ['meter', 'meter_id'],
    ['incident', 'incident_id'],
  ])
}

const one = (r: unknown): AlertRow | undefined => (r ? fromRaw(r as Raw) : undefined)

export class AlertRepository {
  // Prepared once: rules look alerts up on every reading that keeps one active.
  private readonly byKeyActive
  private readonly byKeyLatest
  private readonly byId

  private readonly sql: (sql: string) => Statement

  constructor(db: Db) {
    this.sql = statements(db)
    this.byKeyActive = db.prepare("SELECT * FROM alerts WHERE key = ? AND status != 'resolved'")
    this.byKeyLatest = db.prepare('SELECT * FROM alerts WHERE key = ? ORDER BY id DESC LIMIT 1')
    this.byId = db.prepare('SELECT * FROM alerts WHERE id = ?')
  }

  active(key: string): AlertRow | undefined {
    return one(this.byKeyActive.get(key))
  }

  /** The most recent alert of a key, whatever its status. */
  latest(key: string): AlertRow | undefined {
    return one(this.byKeyLatest.get(key))
  }

  get(id: number): AlertRow | undefined {
    return one(this.byId.get(id))
  }

  insert(a: Omit<AlertRow, 'id'>): number {
    return Number(
      this.sql(
        `INSERT INTO alerts (key, school_id, building_id, meter_id, space_id, rule, severity, status, opened_at,
             last_seen_at, false_positive, message, message_key, message_params, evidence, incident_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
      ).run(
        a.key,
        a.school,
        a.building,
        a.meter,
        a.space ?? null,
        a.rule,
        a.severity,
        a.status,
        a.openedAt,
        a.lastSeenAt,
        a.message,
        a.text?.key ?? null,
        a.text ? JSON.stringify(a.text.params ?? {}) : null,
        JSON.stringify(a.evidence),
        a.incident ?? null,
      ).lastInsertRowid,
    )
  }

  update(id: number, changes: Partial<Omit<AlertRow, 'id' | 'key'>>): void {
    const { sets, values } = alertChanges(changes)
    if (sets.length) this.sql(`UPDATE alerts SET ${sets.join(', ')} WHERE id = ?`).run(...values, id)
  }

  list(f: AlertFilter = {}): AlertRow[] {
    return this.select(f, f.limit ?? 500)
  }

  /** A page of alerts, newest first, and where the next one starts. */
  page(f: AlertFilter = {}): Page<AlertRow> {
    const limit = f.limit ?? 100
    return toPage(this.select(f, limit + 1), limit, (a): Cursor => ({ at: a.openedAt, id: a.id }))
  }

  /** The alerts of one incident, oldest first. */
  ofIncident(incident: number): AlertRow[] {
    return (this.sql('SELECT * FROM alerts WHERE incident_id = ? ORDER BY id').all(incident) as Raw[]).map(
      fromRaw,
    )
  }

  /**
   * The rule and status of each alert of one incident, oldest first: what grouping and routing
   * consult on every transition, without reading whole alerts (an incident of a recurring fault
   * gathers hundreds).
   */
  membersOf(incident: number): { rule: string; status: AlertRow['status'] }[] {
    return this.sql('SELECT rule, status FROM alerts WHERE incident_id = ? ORDER BY id').all(incident) as {
      rule: string
      status: AlertRow['status']
    }[]
  }

  private select(f: AlertFilter, limit: number): AlertRow[] {
    const { where, values } = alertFilter(f)
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id DESC LIMIT ?`
    return (this.sql(sql).all(...values, limit) as Raw[]).map(fromRaw)
  }

  /** Open critical alerts nobody has acknowledged, opened before `before` (wall clock of the transition), not yet escalated. */
  toEscalate(before: number): AlertRow[] {
    return (
      this.sql(
        `SELECT a.* FROM alerts a JOIN alert_events e ON e.alert_id = a.id AND e.transition = 'opened'
           WHERE a.status = 'open' AND a.severity = 'critical' AND a.escalated_at IS NULL AND e.recorded_at <= ?
           ORDER BY a.id`,
      ).all(before) as Raw[]
    ).map(fromRaw)
  }

  addEvent(
    alertId: number,
    transition: string,
    at: number,
    by?: string,
    note?: string,
    recordedAt = Date.now(),
  ): number {
    return Number(
      this.sql(
        'INSERT INTO alert_events (alert_id, transition, at, by, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(alertId, transition, at, by ?? null, note ?? null, recordedAt).lastInsertRowid,
    )
  }

  events(
    alertId: number,
  ): { id: number; transition: string; at: number; by?: string; note?: string; recordedAt: number }[] {
    return (
      this.sql(
        'SELECT id, transition, at, by, note, recorded_at AS recordedAt FROM alert_events WHERE alert_id = ? ORDER BY id',
      ).all(alertId) as {
        id: number
        transition: string
        at: number
        by: string | null
        note: string | null
        recordedAt: number
      }[]
    ).map((e) => ({
      id: e.id,
      transition: e.transition,
      at: e.at,
      ...(e.by !== null ? { by: e.by } : {}),
      ...(e.note !== null ? { note: e.note } : {}),
      recordedAt: e.recordedAt,
    }))
  }
}
