/**
 * The notification outbox: what is to be sent, where, and how it went. A row is written in the
 * same transaction as the transition it announces (rules/alerts.ts) and stays until it is sent or
 * given up, so nothing is lost across restarts; notify/'s dispatcher reads it one queue — one
 * channel and target — at a time, most urgent first.
 */
import type { Statement } from 'better-sqlite3'
import type { Delivery } from '../core/alert.js'
import { type Db, statements } from './db.js'

/** How a row went out: alone, in a summary of many, or not at all because it was not news. */
export type OutboxOutcome = 'sent' | 'digest' | 'skipped'

export interface OutboxRow {
  id: number
  eventId: number | null
  incidentEventId?: number | null
  channel: string
  target: string
  payload: string
  createdAt: number
  dueAt: number
  attempts: number
  priority: number
  sentAt?: number
  failedAt?: number
  lastError?: string
  outcome?: OutboxOutcome
}

/** A row waiting in a queue, with the incident transition it announces when it announces one. */
export interface DueRow extends OutboxRow {
  incident?: number
  transition?: string
}

const COLUMNS = `o.id, o.event_id AS eventId, o.incident_event_id AS incidentEventId, o.channel, o.target, o.payload,
  o.created_at AS createdAt, o.due_at AS dueAt, o.attempts, o.priority`
// The school a row is about: the one of the alert or incident whose transition it announces.
const SCHOOL_OF_ALERT_EVENT =
  '(SELECT a.school_id FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE e.id = ?)'
const SCHOOL_OF_INCIDENT_EVENT =
  '(SELECT i.school_id FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE e.id = ?)'
const PENDING = 'sent_at IS NULL AND failed_at IS NULL'

/**
 * Rows of these schools only (a sharded worker sends its own schools' notifications), or every
 * row when `schools` is undefined: the condition on `column` and its parameters.
 */
function scope(column: string, schools: readonly string[] | undefined): [string, unknown[]] {
  return schools === undefined
    ? ['', []]
    : [` AND ${column} IN (SELECT value FROM json_each(?))`, [JSON.stringify(schools)]]
}

export class OutboxRepository {
  private readonly markSent

  private readonly sql: (sql: string) => Statement

  constructor(db: Db) {
    this.sql = statements(db)
    this.markSent = db.prepare(
      'UPDATE outbox SET sent_at = ?, attempts = attempts + ?, last_error = NULL, outcome = ? WHERE id = ?',
    )
  }

  /** A notification of an alert transition (rules/alerts.ts), for the school of the alert. */
  enqueue(eventId: number, d: Delivery, now = Date.now()): void {
    this.sql(
      `INSERT OR IGNORE INTO outbox (event_id, school_id, channel, target, payload, created_at, due_at, priority)
         VALUES (?, ${SCHOOL_OF_ALERT_EVENT}, ?, ?, ?, ?, ?, ?)`,
    ).run(eventId, eventId, d.channel, d.target, d.payload, now, d.dueAt, d.priority)
  }

  /** A notification of an incident transition (rules/alerts.ts), for the school of the incident. */
  enqueueIncident(incidentEventId: number, d: Delivery, now = Date.now()): void {
    this.sql(
      `INSERT OR IGNORE INTO outbox (incident_event_id, school_id, channel, target, payload, created_at, due_at, priority)
         VALUES (?, ${SCHOOL_OF_INCIDENT_EVENT}, ?, ?, ?, ?, ?, ?)`,
    ).run(incidentEventId, incidentEventId, d.channel, d.target, d.payload, now, d.dueAt, d.priority)
  }

  /** A message that is not an alert transition (a readiness checklist), identified by `key`, about `school`. */
  enqueueMessage(
    key: string,
    channel: string,
    target: string,
    payload: string,
    dueAt: number,
    now = Date.now(),
    school?: string,
  ): void {
    this.sql(
      'INSERT OR IGNORE INTO outbox (message_key, school_id, channel, target, payload, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(key, school ?? null, channel, target, payload, now, dueAt)
  }

  /** The queues (channel and target) with something due by `now`; with `schools`, of their rows only. */
  lanesDue(now: number, schools?: readonly string[]): { channel: string; target: string }[] {
    const [only, params] = scope('school_id', schools)
    return this.sql(
      `SELECT channel, target FROM outbox WHERE ${PENDING} AND due_at <= ?${only}
         GROUP BY channel, target ORDER BY channel, target`,
    ).all(now, ...params) as { channel: string; target: string }[]
  }

  /** What one queue has due by `now`, most urgent first, then oldest; with `schools`, of their rows only. */
  dueIn(channel: string, target: string, now: number, limit = 100, schools?: readonly string[]): DueRow[] {
    const [only, params] = scope('o.school_id', schools)
    return (
      this.sql(
        `SELECT ${COLUMNS}, e.incident_id AS incident, e.transition AS transition
           FROM outbox o LEFT JOIN incident_events e ON e.id = o.incident_event_id
           WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.channel = ? AND o.target = ? AND o.due_at <= ?${only}
           ORDER BY o.priority DESC, o.id LIMIT ?`,
      ).all(channel, target, now, ...params, limit) as (DueRow & {
        incident: number | null
        transition: string | null
      })[]
    ).map(({ incident, transition, ...r }) => ({
      ...r,
      ...(incident !== null ? { incident } : {}),
      ...(transition !== null ? { transition } : {}),
    }))
  }

  /** When the next row falls due; with `schools`, the next of theirs. */
  nextDue(schools?: readonly string[]): number | undefined {
    const [only, params] = scope('school_id', schools)
    const r = this.sql(`SELECT min(due_at) AS d FROM outbox WHERE ${PENDING}${only}`).get(...params) as {
      d: number | null
    }
    return r.d ?? undefined
  }

  /** Sent (alone or in a summary), or settled without sending; each counts as an attempt but a skip. */
  sent(id: number, now = Date.now(), outcome: OutboxOutcome = 'sent'): void {
    this.markSent.run(now, outcome === 'skipped' ? 0 : 1, outcome, id)
  }

  retry(id: number, dueAt: number, error: string): void {
    this.sql('UPDATE outbox SET due_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?').run(
      dueAt,
      error.slice(0, 500),
      id,
    )
  }

  /** Not yet: due again at `dueAt`, without counting an attempt (a notice held while history settles). */
  postpone(id: number, dueAt: number): void {
    this.sql('UPDATE outbox SET due_at = ? WHERE id = ?').run(dueAt, id)
  }

  failed(id: number, now: number, error: string): void {
    this.sql('UPDATE outbox SET failed_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?').run(
      now,
      error.slice(0, 500),
      id,
    )
  }

  /**
   * Whether a queue told of an incident at all: a row of one of `transitions` of the incident for
   * this channel and target that is waiting or went out (alone or in a summary).
   */
  announced(incident: number, channel: string, target: string, transitions: readonly string[]): boolean {
    return (
      this.sql(
        `SELECT 1 FROM outbox o JOIN incident_events e ON e.id = o.incident_event_id
           WHERE e.incident_id = ? AND o.channel = ? AND o.target = ? AND e.transition IN (${transitions.map(() => '?').join(', ')})
             AND o.failed_at IS NULL AND (o.outcome IS NULL OR o.outcome != 'skipped') LIMIT 1`,
      ).get(incident, channel, target, ...transitions) !== undefined
    )
  }

  all(): OutboxRow[] {
    return (
      this.sql(
        `SELECT ${COLUMNS}, o.sent_at AS sentAt, o.failed_at AS failedAt, o.last_error AS lastError, o.outcome
           FROM outbox o ORDER BY o.id`,
      ).all() as (OutboxRow & {
        sentAt: number | null
        failedAt: number | null
        lastError: string | null
        outcome: OutboxOutcome | null
      })[]
    ).map((r) => {
      const { sentAt, failedAt, lastError, outcome, ...rest } = r
      return {
        ...rest,
        ...(sentAt !== null ? { sentAt } : {}),
        ...(failedAt !== null ? { failedAt } : {}),
        ...(lastError !== null ? { lastError } : {}),
        ...(outcome !== null ? { outcome } : {}),
      }
    })
  }

  /**
   * Every notification of an incident's transitions, oldest first, with the transition each told of
   * (the leak dossier: who was told what, and when it went out).
   */
  ofIncident(incident: number): (OutboxRow & { transition: string; at: number })[] {
    return (
      this.sql(
        `SELECT ${COLUMNS}, o.sent_at AS sentAt, o.failed_at AS failedAt, o.outcome, e.transition, e.at
           FROM outbox o JOIN incident_events e ON e.id = o.incident_event_id
           WHERE e.incident_id = ? ORDER BY coalesce(o.sent_at, o.due_at), o.id`,
      ).all(incident) as (OutboxRow & {
        sentAt: number | null
        failedAt: number | null
        outcome: OutboxOutcome | null
        transition: string
        at: number
      })[]
    ).map(({ sentAt, failedAt, outcome, ...rest }) => ({
      ...rest,
      ...(sentAt !== null ? { sentAt } : {}),
      ...(failedAt !== null ? { failedAt } : {}),
      ...(outcome !== null ? { outcome } : {}),
    }))
  }

  /** How many rows wait; with `schools`, how many of theirs. */
  pending(schools?: readonly string[]): number {
    const [only, params] = scope('school_id', schools)
    return (
      this.sql(`SELECT count(*) AS n FROM outbox WHERE ${PENDING}${only}`).get(...params) as { n: number }
    ).n
  }
}
