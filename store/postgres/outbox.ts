/** The notification outbox in PostgreSQL: the behaviour of store/outbox.ts. */
import type { Delivery } from '../../core/alert.js'
import type { DueRow, OutboxOutcome, OutboxRow } from '../outbox.js'
import type { OutboxStore } from '../types.js'
import { limitOf, type Sql } from './sql.js'

const COLUMNS = `o.id, o.event_id AS "eventId", o.incident_event_id AS "incidentEventId", o.channel, o.target,
  o.payload, o.created_at AS "createdAt", o.due_at AS "dueAt", o.attempts, o.priority`
const PENDING = 'sent_at IS NULL AND failed_at IS NULL'
// The school a row is about: the one of the alert or incident whose transition it announces.
const SCHOOL_OF_ALERT_EVENT =
  '(SELECT a.school_id FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE e.id = ?)'
const SCHOOL_OF_INCIDENT_EVENT =
  '(SELECT i.school_id FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE e.id = ?)'

/** Rows of these schools only, or every row when `schools` is undefined (as in store/outbox.ts). */
function scope(column: string, schools: readonly string[] | undefined): [string, unknown[]] {
  return schools === undefined ? ['', []] : [` AND ${column} = ANY(?::text[])`, [schools]]
}

// A notification already queued is left as it is (SQLite's INSERT OR IGNORE). The NOT EXISTS comes
// first so that it takes no id from the sequence, as SQLite takes none: ids stay alike on both;
// ON CONFLICT covers a writer that got there in between.

type Settled = { sentAt: number | null; failedAt: number | null; outcome: OutboxOutcome | null }

/**
 * An error as kept: its first 500 characters, as in SQLite; PostgreSQL's text cannot hold NUL,
 * which a misbehaving endpoint's answer may carry, so it becomes U+FFFD.
 */
function errorText(error: string): string {
  return error.slice(0, 500).replaceAll('\u0000', '\uFFFD')
}

export class PostgresOutbox implements OutboxStore {
  constructor(private readonly sql: Sql) {}

  async enqueue(eventId: number, d: Delivery, now = Date.now()): Promise<void> {
    await this.insert('event_id', SCHOOL_OF_ALERT_EVENT, eventId, d, now)
  }

  async enqueueIncident(incidentEventId: number, d: Delivery, now = Date.now()): Promise<void> {
    await this.insert('incident_event_id', SCHOOL_OF_INCIDENT_EVENT, incidentEventId, d, now)
  }

  /** One delivery of the event `id` (in `column`), unless the event already has it for that channel and target. */
  private async insert(
    column: 'event_id' | 'incident_event_id',
    schoolOfEvent: string,
    id: number,
    d: Delivery,
    now: number,
  ): Promise<void> {
    await this.sql.run(
      `INSERT INTO outbox (${column}, school_id, channel, target, payload, created_at, due_at, priority)
         SELECT ?, ${schoolOfEvent}, ?, ?, ?, ?, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE ${column} = ? AND channel = ? AND target = ?)
         ON CONFLICT DO NOTHING`,
      [id, id, d.channel, d.target, d.payload, now, d.dueAt, d.priority, id, d.channel, d.target],
    )
  }

  async enqueueMessage(
    key: string,
    channel: string,
    target: string,
    payload: string,
    dueAt: number,
    now = Date.now(),
    school?: string,
  ): Promise<void> {
    await this.sql.run(
      `INSERT INTO outbox (message_key, school_id, channel, target, payload, created_at, due_at)
         SELECT ?, ?, ?, ?, ?, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE message_key = ? AND channel = ? AND target = ?)
         ON CONFLICT DO NOTHING`,
      [key, school ?? null, channel, target, payload, now, dueAt, key, channel, target],
    )
  }

  async lanesDue(now: number, schools?: readonly string[]): Promise<{ channel: string; target: string }[]> {
    const [only, params] = scope('school_id', schools)
    // In SQLite's order: by channel, then target, bytewise.
    return this.sql.rows(
      `SELECT channel, target FROM outbox WHERE ${PENDING} AND due_at <= ?${only} GROUP BY channel, target
         ORDER BY channel COLLATE "C", target COLLATE "C"`,
      [now, ...params],
    )
  }

  async dueIn(
    channel: string,
    target: string,
    now: number,
    limit = 100,
    schools?: readonly string[],
  ): Promise<DueRow[]> {
    const [only, params] = scope('o.school_id', schools)
    const rows = await this.sql.rows<DueRow & { incident: number | null; transition: string | null }>(
      `SELECT ${COLUMNS}, e.incident_id AS incident, e.transition AS transition
         FROM outbox o LEFT JOIN incident_events e ON e.id = o.incident_event_id
         WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.channel = ? AND o.target = ? AND o.due_at <= ?${only}
         ORDER BY o.priority DESC, o.id LIMIT ?`,
      [channel, target, now, ...params, limitOf(limit)],
    )
    return rows.map(({ incident, transition, ...r }) => ({
      ...r,
      ...(incident !== null ? { incident } : {}),
      ...(transition !== null ? { transition } : {}),
    }))
  }

  async nextDue(schools?: readonly string[]): Promise<number | undefined> {
    const [only, params] = scope('school_id', schools)
    const r = await this.sql.one<{ d: number | null }>(
      `SELECT min(due_at) AS d FROM outbox WHERE ${PENDING}${only}`,
      params,
    )
    return r?.d ?? undefined
  }

  async sent(id: number, now = Date.now(), outcome: OutboxOutcome = 'sent'): Promise<void> {
    await this.sql.run(
      'UPDATE outbox SET sent_at = ?, attempts = attempts + ?, last_error = NULL, outcome = ? WHERE id = ?',
      [now, outcome === 'skipped' ? 0 : 1, outcome, id],
    )
  }

  async retry(id: number, dueAt: number, error: string): Promise<void> {
    await this.sql.run('UPDATE outbox SET due_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?', [
      dueAt,
      errorText(error),
      id,
    ])
  }

  async postpone(id: number, dueAt: number): Promise<void> {
    await this.sql.run('UPDATE outbox SET due_at = ? WHERE id = ?', [dueAt, id])
  }

  async failed(id: number, now: number, error: string): Promise<void> {
    await this.sql.run(
      'UPDATE outbox SET failed_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?',
      [now, errorText(error), id],
    )
  }

  async announced(
    incident: number,
    channel: string,
    target: string,
    transitions: readonly string[],
  ): Promise<boolean> {
    const row = await this.sql.one(
      `SELECT 1 FROM outbox o JOIN incident_events e ON e.id = o.incident_event_id
         WHERE e.incident_id = ? AND o.channel = ? AND o.target = ? AND e.transition = ANY(?::text[])
           AND o.failed_at IS NULL AND (o.outcome IS NULL OR o.outcome != 'skipped') LIMIT 1`,
      [incident, channel, target, transitions],
    )
    return row !== undefined
  }

  async all(): Promise<OutboxRow[]> {
    const rows = await this.sql.rows<OutboxRow & Settled & { lastError: string | null }>(
      `SELECT ${COLUMNS}, o.sent_at AS "sentAt", o.failed_at AS "failedAt", o.last_error AS "lastError", o.outcome
         FROM outbox o ORDER BY o.id`,
    )
    return rows.map(({ sentAt, failedAt, lastError, outcome, ...rest }) => ({
      ...rest,
      ...(sentAt !== null ? { sentAt } : {}),
      ...(failedAt !== null ? { failedAt } : {}),
      ...(lastError !== null ? { lastError } : {}),
      ...(outcome !== null ? { outcome } : {}),
    }))
  }

  async ofIncident(incident: number): Promise<(OutboxRow & { transition: string; at: number })[]> {
    const rows = await this.sql.rows<OutboxRow & Settled & { transition: string; at: number }>(
      `SELECT ${COLUMNS}, o.sent_at AS "sentAt", o.failed_at AS "failedAt", o.outcome, e.transition, e.at
         FROM outbox o JOIN incident_events e ON e.id = o.incident_event_id
         WHERE e.incident_id = ? ORDER BY coalesce(o.sent_at, o.due_at), o.id`,
      [incident],
    )
    return rows.map(({ sentAt, failedAt, outcome, ...rest }) => ({
      ...rest,
      ...(sentAt !== null ? { sentAt } : {}),
      ...(failedAt !== null ? { failedAt } : {}),
      ...(outcome !== null ? { outcome } : {}),
    }))
  }

  async pending(schools?: readonly string[]): Promise<number> {
    const [only, params] = scope('school_id', schools)
    return (await this.sql.one<{ n: number }>(
      `SELECT count(*) AS n FROM outbox WHERE ${PENDING}${only}`,
      params,
    ))!.n
  }
}
