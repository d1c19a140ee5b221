/** Incidents and their transitions in PostgreSQL: the behaviour of store/incidents.ts. */
import type { Incident, IncidentFamily } from '../../core/alert.js'
import {
  fromRaw,
  type IncidentEvent,
  type IncidentFilter,
  incidentChanges,
  incidentFilter,
  type Raw,
} from '../incidents.js'
import { type Cursor, type Page, toPage } from '../paging.js'
import type { IncidentStore } from '../types.js'
import { limitOf, type Sql } from './sql.js'

export class PostgresIncidents implements IncidentStore {
  constructor(private readonly sql: Sql) {}

  async get(id: number): Promise<Incident | undefined> {
    const r = await this.sql.one<Raw>('SELECT * FROM incidents WHERE id = ?', [id])
    return r && fromRaw(r)
  }

  async active(school: string, family: IncidentFamily, meters?: readonly string[]): Promise<Incident[]> {
    return meters
      ? this.all(
          `SELECT * FROM incidents WHERE school_id = ? AND family = ? AND status != 'resolved'
             AND meter_id = ANY(?::text[]) ORDER BY id`,
          [school, family, meters],
        )
      : this.all(
          "SELECT * FROM incidents WHERE school_id = ? AND family = ? AND status != 'resolved' ORDER BY id",
          [school, family],
        )
  }

  async insert(i: Omit<Incident, 'id'>): Promise<number> {
    const row = await this.sql.one<{ id: number }>(
      `INSERT INTO incidents (school_id, family, building_id, meter_id, space_id, rule, severity, status, opened_at,
           last_seen_at, false_positive, occurrences, message, message_key, message_params, evidence)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) RETURNING id`,
      [
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
      ],
    )
    return row!.id
  }

  async update(id: number, changes: Partial<Omit<Incident, 'id' | 'school' | 'family'>>): Promise<void> {
    const { sets, values } = incidentChanges(changes)
    if (sets.length)
      await this.sql.run(`UPDATE incidents SET ${sets.join(', ')} WHERE id = ?`, [...values, id])
  }

  async list(f: IncidentFilter = {}): Promise<Incident[]> {
    return this.select(f, f.limit ?? 500)
  }

  async page(f: IncidentFilter = {}): Promise<Page<Incident>> {
    const limit = f.limit ?? 100
    return toPage(await this.select(f, limit + 1), limit, (i): Cursor => ({ at: i.openedAt, id: i.id }))
  }

  async toEscalate(before: number, schools?: readonly string[]): Promise<Incident[]> {
    const only = schools === undefined ? '' : ' AND i.school_id = ANY(?::text[])'
    return this.all(
      `SELECT i.* FROM incidents i
         WHERE i.status = 'open' AND i.severity = 'critical' AND i.escalated_at IS NULL
           AND (SELECT min(e.recorded_at) FROM incident_events e WHERE e.incident_id = i.id) <= ?${only}
         ORDER BY i.id`,
      schools === undefined ? [before] : [before, schools],
    )
  }

  async quiet(school: string, quietBefore: number): Promise<Incident[]> {
    return this.all(
      `SELECT * FROM incidents WHERE school_id = ? AND status != 'resolved' AND quiet_since IS NOT NULL
         AND quiet_since <= ? ORDER BY id`,
      [school, quietBefore],
    )
  }

  async addEvent(e: Omit<IncidentEvent, 'id'>): Promise<number> {
    const row = await this.sql.one<{ id: number }>(
      `INSERT INTO incident_events (incident_id, transition, at, by, note, alert_id, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [e.incident, e.transition, e.at, e.by ?? null, e.note ?? null, e.alert ?? null, e.recordedAt],
    )
    return row!.id
  }

  async events(incident: number): Promise<IncidentEvent[]> {
    const rows = await this.sql.rows<
      IncidentEvent & { by: string | null; note: string | null; alert: number | null }
    >(
      `SELECT id, incident_id AS incident, transition, at, by, note, alert_id AS alert, recorded_at AS "recordedAt"
         FROM incident_events WHERE incident_id = ? ORDER BY id`,
      [incident],
    )
    return rows.map(({ by, note, alert, ...e }) => ({
      ...e,
      ...(by !== null ? { by } : {}),
      ...(note !== null ? { note } : {}),
      ...(alert !== null ? { alert } : {}),
    }))
  }

  private async select(f: IncidentFilter, limit: number): Promise<Incident[]> {
    const { where, values } = incidentFilter(f)
    return this.all(
      `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id DESC LIMIT ?`,
      [...values, limitOf(limit)],
    )
  }

  private async all(text: string, values: unknown[]): Promise<Incident[]> {
    return (await this.sql.rows<Raw>(text, values)).map(fromRaw)
  }
}
