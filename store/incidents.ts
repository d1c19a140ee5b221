/** Incidents (rules/incidents.ts), their transitions, and what the alert manager asks of them. */
import type { Statement } from 'better-sqlite3'
import type { AlertStatus, Incident, IncidentFamily, Severity } from '../core/alert.js'
import { messageOf } from './alerts.js'
import { type Db, statements } from './db.js'
import { type Cursor, listFilter, type Page, toPage } from './paging.js'

export interface IncidentFilter {
  status?: AlertStatus | 'active'
  school?: string
  /** Incidents with an alert of this rule. */
  rule?: string
  family?: IncidentFamily
  severity?: Severity
  meter?: string
  /** Opened at or after / before (epoch ms). */
  from?: number
  to?: number
  limit?: number
  cursor?: string
}

export interface IncidentEvent {
  id: number
  incident: number
  transition: string
  at: number
  by?: string
  note?: string
  alert?: number
  recordedAt: number
}

/** An incident's row as the database has it (SQLite and PostgreSQL alike). */
export interface Raw {
  id: number
  school_id: string
  family: IncidentFamily
  building_id: string
  meter_id: string
  space_id: string | null
  rule: string
  severity: Severity
  status: AlertStatus
  opened_at: number
  last_seen_at: number
  quiet_since: number | null
  acknowledged_at: number | null
  acknowledged_by: string | null
  assigned_to: string | null
  resolved_at: number | null
  resolved_by: string | null
  false_positive: number
  note: string | null
  escalated_at: number | null
  occurrences: number
  message: string
  message_key: string | null
  message_params: string | null
  evidence: string
}

export function fromRaw(r: Raw): Incident {
  const text = messageOf(r.message_key, r.message_params)
  return {
    id: r.id,
    school: r.school_id,
    family: r.family,
    building: r.building_id,
    meter: r.meter_id,
    ...(r.space_id !== null ? { space: r.space_id } : {}),
    rule: r.rule,
    severity: r.severity,
    status: r.status,
    openedAt: r.opened_at,
    lastSeenAt: r.last_seen_at,
    ...(r.quiet_since !== null ? { quietSince: r.quiet_since } : {}),
    ...(r.acknowledged_at !== null ? { acknowledgedAt: r.acknowledged_at } : {}),
    ...(r.acknowledged_by !== null ? { acknowledgedBy: r.acknowledged_by } : {}),
    ...(r.assigned_to !== null ? { assignedTo: r.assigned_to } : {}),
    ...(r.resolved_at !== null ? { resolvedAt: r.resolved_at } : {}),
    ...(r.resolved_by !== null ? { resolvedBy: r.resolved_by } : {}),
    falsePositive: r.false_positive === 1,
    ...(r.note !== null ? { note: r.note } : {}),
    ...(r.escalated_at !== null ? { escalatedAt: r.escalated_at } : {}),
    occurrences: r.occurrences,
    message: r.message,
    ...(text ? { text } : {}),
    evidence: JSON.parse(r.evidence),
  }
}

const COLUMNS: Record<string, string> = {
  building: 'building_id',
  meter: 'meter_id',
  space: 'space_id',
  rule: 'rule',
  severity: 'severity',
  status: 'status',
  lastSeenAt: 'last_seen_at',
  quietSince: 'quiet_since',
  acknowledgedAt: 'acknowledged_at',
  acknowledgedBy: 'acknowledged_by',
  assignedTo: 'assigned_to',
  resolvedAt: 'resolved_at',
  resolvedBy: 'resolved_by',
  falsePositive: 'false_positive',
  note: 'note',
  escalatedAt: 'escalated_at',
  occurrences: 'occurrences',
  message: 'message',
  evidence: 'evidence',
}

/** The `column = ?` terms of an incident's update and their values, in order. */
export function incidentChanges(changes: Partial<Omit<Incident, 'id' | 'school' | 'family'>>): {
  sets: string[]
  values: unknown[]
} {
  const sets: string[] = []
  const values: unknown[] = []
  for (const [k, v] of Object.entries(changes)) {
    if (k === 'text') {
      const text = v as Incident['text']
      sets.push('message_key = ?', 'message_params = ?')
      values.push(text?.key ?? null, text ? JSON.stringify(text.params ?? {}) : null)
      continue
    }
    const col = COLUMNS[k]
    if (!col) throw new Error(`incidents: cannot update ${k}`)
    sets.push(`${col} = ?`)
    values.push(k === 'evidence' ? JSON.stringify(v) : k === 'falsePositive' ? (v ? 1 : 0) : (v ?? null))
  }
  return { sets, values }
}

/** The WHERE terms (`?` placeholders) of a filter and page position over incidents, and their values. */
export function incidentFilter(f: IncidentFilter): { where: string[]; values: unknown[] } {
  return listFilter(
    f,
    [
      ['school', 'school_id'],
      ['family', 'family'],
      ['severity', 'severity'],
    ],
    [
      ['rule', 'id IN (SELECT incident_id FROM alerts WHERE rule = ? AND incident_id IS NOT NULL)'],
      ['meter', 'id IN (SELECT incident_id FROM alerts WHERE meter_id = ? AND incident_id IS NOT NULL)'],
    ],
  )
}

const one = (r: unknown): Incident | undefined => (r ? fromRaw(r as Raw) : undefined)

export class IncidentRepository {
  private readonly byId
  private readonly activeOf
  private readonly activeAt

  private readonly sql: (sql: string) => Statement

  constructor(db: Db) {
    this.sql = statements(db)
    this.byId = db.prepare('SELECT * FROM incidents WHERE id = ?')
    this.activeOf = db.prepare(
      "SELECT * FROM incidents WHERE school_id = ? AND family = ? AND status != 'resolved' ORDER BY id",
    )
    this.activeAt = db.prepare(
      `SELECT * FROM incidents WHERE school_id = ? AND family = ? AND status != 'resolved'
         AND meter_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    )
  }

  get(id: number): Incident | undefined {
    return one(this.byId.get(id))
  }

  /**
   * The incidents of a family at a school not yet resolved, oldest first; with `meters`, only those
   * placed at one of them (an alert storm leaves thousands open, and each new alert asks).
   */
  active(school: string, family: IncidentFamily, meters?: readonly string[]): Incident[] {
    const rows = meters
      ? this.activeAt.all(school, family, JSON.stringify(meters))
      : this.activeOf.all(school, family)
    return (rows as Raw[]).map(fromRaw)
  }

  insert(i: Omit<Incident, 'id'>): number {
    return Number(
      this.sql(
        `INSERT INTO incidents (school_id, family, building_id, meter_id, space_id, rule, severity, status, opened_at,
             last_seen_at, false_positive, occurrences, message, message_key, message_params, evidence)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
      ).run(
        i.school,
        i.family,
        i.building,
        i.meter,
        i.space ?? null,
        i.rule,
        i.severity,
        i.status,
        i.openedAt,
        i.lastSeenAt,
        i.occurrences,
        i.message,
        i.text?.key ?? null,
        i.text ? JSON.stringify(i.text.params ?? {}) : null,
        JSON.stringify(i.evidence),
      ).lastInsertRowid,
    )
  }

  update(id: number, changes: Partial<Omit<Incident, 'id' | 'school' | 'family'>>): void {
    const { sets, values } = incidentChanges(changes)
    if (sets.length) this.sql(`UPDATE incidents SET ${sets.join(', ')} WHERE id = ?`).run(...values, id)
  }

  list(f: IncidentFilter = {}): Incident[] {
    return this.select(f, f.limit ?? 500)
  }

  /** A page of incidents, newest first, and where the next one starts. */
  page(f: IncidentFilter = {}): Page<Incident> {
    const limit = f.limit ?? 100
    return toPage(this.select(f, limit + 1), limit, (i): Cursor => ({ at: i.openedAt, id: i.id }))
  }

  private select(f: IncidentFilter, limit: number): Incident[] {
    const { where, values } = incidentFilter(f)
    const sql = `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id DESC LIMIT ?`
    return (this.sql(sql).all(...values, limit) as Raw[]).map(fromRaw)
  }

  /** Critical incidents nobody acknowledged, opened (wall clock of the transition) before `before`, not yet escalated; with `schools`, of theirs. */
  toEscalate(before: number, schools?: readonly string[]): Incident[] {
    const only = schools === undefined ? '' : ' AND i.school_id IN (SELECT value FROM json_each(?))'
    return (
      this.sql(
        `SELECT i.* FROM incidents i
           WHERE i.status = 'open' AND i.severity = 'critical' AND i.escalated_at IS NULL
             AND (SELECT min(e.recorded_at) FROM incident_events e WHERE e.incident_id = i.id) <= ?${only}
           ORDER BY i.id`,
      ).all(before, ...(schools === undefined ? [] : [JSON.stringify(schools)])) as Raw[]
    ).map(fromRaw)
  }

  /** Incidents none of whose alerts has been active since before `quietBefore` (event time). */
  quiet(school: string, quietBefore: number): Incident[] {
    return (
      this.sql(
        "SELECT * FROM incidents WHERE school_id = ? AND status != 'resolved' AND quiet_since IS NOT NULL AND quiet_since <= ? ORDER BY id",
      ).all(school, quietBefore) as Raw[]
    ).map(fromRaw)
  }

  addEvent(e: Omit<IncidentEvent, 'id'>): number {
    return Number(
      this.sql(
        'INSERT INTO incident_events (incident_id, transition, at, by, note, alert_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(e.incident, e.transition, e.at, e.by ?? null, e.note ?? null, e.alert ?? null, e.recordedAt)
        .lastInsertRowid,
    )
  }

  events(incident: number): IncidentEvent[] {
    return (
      this.sql(
        `SELECT id, incident_id AS incident, transition, at, by, note, alert_id AS alert, recorded_at AS recordedAt
           FROM incident_events WHERE incident_id = ? ORDER BY id`,
      ).all(incident) as (IncidentEvent & { by: string | null; note: string | null; alert: number | null })[]
    ).map(({ by, note, alert, ...e }) => ({
      ...e,
      ...(by !== null ? { by } : {}),
      ...(note !== null ? { note } : {}),
      ...(alert !== null ? { alert } : {}),
    }))
  }
}
