/**
 * The alert lifecycle (RULES.md, "Alert lifecycle"): at most one active alert per rule and meter;
 * repeats update lastSeenAt, the evidence and (upwards only) the severity; open → acknowledged →
 * resolved, by the rule itself or by a person (who may mark a false positive, kept for tuning);
 * critical alerts nobody acknowledged are escalated after 15 minutes. Every transition is written
 * with its notifications in one SQLite transaction: nothing is announced that did not happen, and
 * nothing that happened goes unannounced.
 */
import type { Logger } from 'pino'
import type { Alert, AlertTransition } from '../core/alert.js'
import type { Bus } from '../core/bus.js'
import { SchoolmeterError } from '../core/errors.js'
import type { Metrics } from '../core/metrics.js'
import type { Meter } from '../core/registry.js'
import type { Store } from '../store/index.js'
import type { Router } from './notify/router.js'
import { SEVERITY_RANK, type Verdict } from './types.js'

export class AlertError extends SchoolmeterError {
  constructor(
    code: 'ALERT_NOT_FOUND' | 'ALERT_RESOLVED',
    message: string,
    readonly status: number,
  ) {
    super(code, message)
  }
}

export interface AlertManagerOptions {
  store: Store
  router: Router
  bus: Bus
  log: Logger
  metrics?: Metrics
  /** Wall clock (tests). */
  now?: () => number
  escalateAfterMs?: number
  /** Persist lastSeenAt of an unchanged alert at most this often. */
  touchEveryMs?: number
}

type Active = Extract<Verdict, { active: true }>

export class AlertManager {
  private readonly now: () => number
  private readonly touched = new Map<number, number>()
  /** Called after each committed transition (the dispatcher wakes up). */
  onTransition: (() => void) | undefined

  constructor(private readonly o: AlertManagerOptions) {
    this.now = o.now ?? Date.now
  }

  /** The rule found its condition: open an alert, or refresh the one already active. */
  raise(rule: string, meter: Meter, v: Active, ts: number): Alert {
    const key = `${rule}|${meter.id}`
    const existing = this.o.store.alerts.active(key)
    if (existing) return this.refresh(existing, v, ts)
    // Readings replayed from the journal after a crash may find a condition that was already
    // raised and resolved later in data time: the store knows better, nothing happens.
    const last = this.o.store.alerts.latest(key)
    if (last?.resolvedAt !== undefined && last.resolvedAt >= ts) return last
    return this.commit(() => {
      const id = this.o.store.alerts.insert({
        key,
        school: meter.school.id,
        building: meter.building.id,
        meter: meter.id,
        ...(meter.space ? { space: meter.space.id } : {}),
        rule,
        severity: v.severity,
        status: 'open',
        openedAt: ts,
        lastSeenAt: ts,
        falsePositive: false,
        message: v.message,
        evidence: v.evidence,
      })
      return [id, 'opened', ts]
    })
  }

  /** The condition still holds: update the active alert, if a person has not resolved it. */
  update(rule: string, meter: Meter, v: Active, ts: number): Alert | undefined {
    const existing = this.o.store.alerts.active(`${rule}|${meter.id}`)
    return existing && this.refresh(existing, v, ts)
  }

  /** The rule's clearing condition held: resolve the active alert. */
  clear(rule: string, meter: Meter, ts: number, note?: string): Alert | undefined {
    const a = this.o.store.alerts.active(`${rule}|${meter.id}`)
    if (!a) return undefined
    // A verdict older than what the alert has seen comes from a replay of the journal.
    if (ts < Math.max(a.openedAt, a.lastSeenAt)) return undefined
    return this.commit(() => {
      this.o.store.alerts.update(a.id, {
        status: 'resolved',
        resolvedAt: ts,
        resolvedBy: 'rule',
        lastSeenAt: Math.max(a.lastSeenAt, ts),
      })
      return [a.id, 'resolved', ts, 'rule', note]
    })
  }

  acknowledge(id: number, by?: string, note?: string): Alert {
    const a = this.get(id)
    if (a.status === 'resolved')
      throw new AlertError('ALERT_RESOLVED', `alert ${id} is already resolved`, 409)
    if (a.status === 'acknowledged') return a
    const now = this.now()
    return this.commit(() => {
      this.o.store.alerts.update(id, {
        status: 'acknowledged',
        acknowledgedAt: now,
        acknowledgedBy: by ?? 'anonymous',
        ...(note ? { note } : {}),
      })
      return [id, 'acknowledged', now, by, note]
    })
  }

  resolve(id: number, by?: string, note?: string, falsePositive = false): Alert {
    const a = this.get(id)
    if (a.status === 'resolved')
      throw new AlertError('ALERT_RESOLVED', `alert ${id} is already resolved`, 409)
    const now = this.now()
    return this.commit(() => {
      this.o.store.alerts.update(id, {
        status: 'resolved',
        resolvedAt: now,
        resolvedBy: by ?? 'anonymous',
        falsePositive,
        ...(note ? { note } : {}),
      })
      return [id, 'resolved', now, by, note]
    })
  }

  /** Critical alerts still open (not acknowledged) `escalateAfterMs` after they opened: tell more people. */
  escalateDue(): Alert[] {
    const now = this.now()
    return this.o.store.alerts.toEscalate(now - (this.o.escalateAfterMs ?? 15 * 60_000)).map((a) =>
      this.commit(() => {
        this.o.store.alerts.update(a.id, { escalatedAt: now })
        return [a.id, 'escalated', now, 'escalation', 'not acknowledged within 15 min']
      }),
    )
  }

  get(id: number): Alert {
    const a = this.o.store.alerts.get(id)
    if (!a) throw new AlertError('ALERT_NOT_FOUND', `no alert ${id}`, 404)
    return a
  }

  private refresh(a: Alert, v: Active, ts: number): Alert {
    const upgrade = SEVERITY_RANK[v.severity] > SEVERITY_RANK[a.severity]
    const evidence = { ...a.evidence, ...v.evidence }
    if (upgrade) {
      return this.commit(() => {
        this.o.store.alerts.update(a.id, {
          severity: v.severity,
          message: v.message,
          evidence,
          lastSeenAt: Math.max(a.lastSeenAt, ts),
        })
        return [a.id, 'escalated', ts, 'rule', `severity ${a.severity} → ${v.severity}`]
      })
    }
    // Unchanged alerts are touched at most once a minute: a dorm heater reports every 10 s.
    const last = this.touched.get(a.id) ?? 0
    if (ts - last < (this.o.touchEveryMs ?? 60_000)) return a
    this.touched.set(a.id, ts)
    if (this.touched.size > 10_000) this.touched.clear()
    this.o.store.alerts.update(a.id, { message: v.message, evidence, lastSeenAt: Math.max(a.lastSeenAt, ts) })
    return { ...a, message: v.message, evidence, lastSeenAt: Math.max(a.lastSeenAt, ts) }
  }

  /** Runs a change and records its transition with the notifications, in one transaction. */
  private commit(
    change: () => [id: number, t: AlertTransition, at: number, by?: string, note?: string],
  ): Alert {
    const now = this.now()
    let transition: AlertTransition = 'opened'
    let at = 0
    const alert = this.o.store.db.transaction(() => {
      const [id, t, when, by, note] = change()
      transition = t
      at = when
      const eventId = this.o.store.alerts.addEvent(id, t, when, by, note, now)
      const a = this.o.store.alerts.get(id)!
      for (const d of this.o.router.deliveries(a, t, now))
        this.o.store.outbox.enqueue(eventId, d.channel, d.target, d.payload, d.dueAt, now)
      return a
    })()
    this.o.metrics?.alertTransitions.inc({ rule: alert.rule, transition })
    this.o.log.info(
      { alert: alert.id, rule: alert.rule, meter: alert.meter, severity: alert.severity },
      `alert ${transition}: ${alert.message}`,
    )
    this.o.bus.emit('alert', { alert, transition, at })
    this.onTransition?.()
    return alert
  }
}
