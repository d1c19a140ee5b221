/** Alerts and their transitions in PostgreSQL: the behaviour of store/alerts.ts. */
import { type AlertFilter, type AlertRow, alertChanges, alertFilter, fromRaw, type Raw } from '../alerts.js'
import { type Cursor, type Page, toPage } from '../paging.js'
import type { AlertStore } from '../types.js'
import { limitOf, type Sql } from './sql.js'

type Event = Awaited<ReturnType<AlertStore['events']>>[number]

export class PostgresAlerts implements AlertStore {
  constructor(private readonly sql: Sql) {}

  async active(key: string): Promise<AlertRow | undefined> {
    return this.first("SELECT * FROM alerts WHERE key = ? AND status != 'resolved'", [key])
  }

  async latest(key: string): Promise<AlertRow | undefined> {
    return this.first('SELECT * FROM alerts WHERE key = ? ORDER BY id DESC LIMIT 1', [key])
  }

  async get(id: number): Promise<AlertRow | undefined> {
    return this.first('SELECT * FROM alerts WHERE id = ?', [id])
  }

  async insert(a: Omit<AlertRow, 'id'>): Promise<number> {
    const row = await this.sql.one<{ id: number }>(
      `INSERT INTO alerts (key, school_id, building_id, meter_id, space_id, rule, severity, status, opened_at,
           last_seen_at, false_positive, message, message_key, message_params, evidence, incident_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) RETURNING id`,
      [
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
      ],
    )
    return row!.id
  }

  async update(id: number, changes: Partial<Omit<AlertRow, 'id' | 'key'>>): Promise<void> {
    const { sets, values } = alertChanges(changes)
    if (sets.length) await this.sql.run(`UPDATE alerts SET ${sets.join(', ')} WHERE id = ?`, [...values, id])
  }

  async list(f: AlertFilter = {}): Promise<AlertRow[]> {
    return this.select(f, f.limit ?? 500)
  }

  async page(f: AlertFilter = {}): Promise<Page<AlertRow>> {
    const limit = f.limit ?? 100
    return toPage(await this.select(f, limit + 1), limit, (a): Cursor => ({ at: a.openedAt, id: a.id }))
  }

  async ofIncident(incident: number): Promise<AlertRow[]> {
    return this.all('SELECT * FROM alerts WHERE incident_id = ? ORDER BY id', [incident])
  }

  async membersOf(incident: number): Promise<{ rule: string; status: AlertRow['status'] }[]> {
    return this.sql.rows('SELECT rule, status FROM alerts WHERE incident_id = ? ORDER BY id', [incident])
  }

  async toEscalate(before: number): Promise<AlertRow[]> {
    return this.all(
      `SELECT a.* FROM alerts a JOIN alert_events e ON e.alert_id = a.id AND e.transition = 'opened'
         WHERE a.status = 'open' AND a.severity = 'critical' AND a.escalated_at IS NULL AND e.recorded_at <= ?
         ORDER BY a.id`,
      [before],
    )
  }

  async addEvent(
    alertId: number,
    transition: string,
    at: number,
    by?: string,
    note?: string,
    recordedAt = Date.now(),
  ): Promise<number> {
    const row = await this.sql.one<{ id: number }>(
      'INSERT INTO alert_events (alert_id, transition, at, by, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
      [alertId, transition, at, by ?? null, note ?? null, recordedAt],
    )
    return row!.id
  }

  async events(alertId: number): Promise<Event[]> {
    const rows = await this.sql.rows<{
      id: number
      transition: string
      at: number
      by: string | null
      note: string | null
      recordedAt: number
    }>(
      `SELECT id, transition, at, by, note, recorded_at AS "recordedAt" FROM alert_events
         WHERE alert_id = ? ORDER BY id`,
      [alertId],
    )
    return rows.map((e) => ({
      id: e.id,
      transition: e.transition,
      at: e.at,
      ...(e.by !== null ? { by: e.by } : {}),
      ...(e.note !== null ? { note: e.note } : {}),
      recordedAt: e.recordedAt,
    }))
  }

  private async select(f: AlertFilter, limit: number): Promise<AlertRow[]> {
    const { where, values } = alertFilter(f)
    return this.all(
      `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id DESC LIMIT ?`,
      [...values, limitOf(limit)],
    )
  }

  private async all(text: string, values: unknown[]): Promise<AlertRow[]> {
    return (await this.sql.rows<Raw>(text, values)).map(fromRaw)
  }

  private async first(text: string, values: unknown[]): Promise<AlertRow | undefined> {
    const r = await this.sql.one<Raw>(text, values)
    return r && fromRaw(r)
  }
}
