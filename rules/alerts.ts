/**
 * The alert and incident lifecycle (RULES.md, "Alert lifecycle"). A rule raises at most one active
 * alert per rule and meter; repeats update lastSeenAt, the evidence and (upwards only) the severity.
 * Every alert belongs to an incident — one located fault (rules/incidents.ts) — and people are told
 * of incidents, not of alerts: a fault that trips three rules on a meter and its parent, or comes
 * back every night, is one message. People acknowledge, assign and resolve incidents (a false alarm
 * is kept for tuning); the rules resolve their own alerts, and an incident whose alerts have all
 * cleared resolves itself once its hold-off has passed in event time without the fault coming back.
 * Critical incidents nobody acknowledged are escalated after 15 minutes. Every transition is written
 * with its notifications in one SQLite transaction: nothing is announced that did not happen, and
 * nothing that happened goes unannounced.
 */
import type { Logger } from 'pino'
import type { Alert, AlertTransition, DeliveryPlanner, Incident, IncidentTransition } from '../core/alert.js'
import type { Bus } from '../core/bus.js'
import { SchoolmeterError } from '../core/errors.js'
import { render } from '../core/i18n/index.js'
import type { Metrics } from '../core/metrics.js'
import type { Meter, Registry } from '../core/registry.js'
import type { Store } from '../store/index.js'
import { familyOf, HOLD_OFF_MS, maxSeverity, nearMeters, relation } from './incidents.js'
import { SEVERITY_RANK, type Verdict } from './types.js'

const ERROR_KEYS = {
  ALERT_NOT_FOUND: 'api.error.alertNotFound',
  ALERT_RESOLVED: 'api.error.alertResolved',
  INCIDENT_NOT_FOUND: 'api.error.incidentNotFound',
  INCIDENT_RESOLVED: 'api.error.incidentResolved',
} as const

export class AlertError extends SchoolmeterError {
  constructor(
    code: keyof typeof ERROR_KEYS,
    id: number,
    readonly status: number,
  ) {
    super(code, { key: ERROR_KEYS[code], params: { id } })
  }
}

export interface AlertManagerOptions {
  registry: Registry
  store: Store
  /** Who hears of each transition (notify/): its deliveries are written in the transition's transaction. */
  router: DeliveryPlanner
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

/** What one committed change did: the alert and incident transitions to record and announce. */
interface Change {
  alert?: { id: number; transition: AlertTransition; at: number; by?: string; note?: string }[]
  incident?: {
    id: number
    transition: IncidentTransition
    at: number
    by?: string
    note?: string
    alert?: number
    /** Recorded without telling people (a silence found after it was over). */
    quiet?: boolean | undefined
  }[]
}

/**
 * Whether an incident at another meter can be the fault an alert shows. A burst is an event of its
 * own: downstream of an incident that saw no burst, it is a new fault (a pipe bursting in the
 * workshop is not the drip the main meter showed at night), not the same one placed more exactly.
 */
function explains(
  rule: string,
  rel: 'same' | 'above' | 'below',
  members: readonly { rule: string }[],
): boolean {
  if (rel !== 'below' || rule !== 'water.burst') return true
  return members.some((a) => a.rule === 'water.burst')
}

export class AlertManager {
  private readonly now: () => number
  private readonly touched = new Map<number, number>()
  /** Called after each committed transition (the dispatcher wakes up). */
  onTransition: (() => void) | undefined

  constructor(private readonly o: AlertManagerOptions) {
    this.now = o.now ?? Date.now
  }

  /** The rule found its condition: open an alert in its incident, or refresh the one already active. */
  raise(rule: string, meter: Meter, v: Active, ts: number): Alert {
    const key = `${rule}|${meter.id}`
    const store = this.o.store
    const existing = store.alerts.active(key)
    if (existing) return this.refresh(existing, v, ts)
    // Readings replayed from the journal after a crash may find a condition that was already
    // raised and resolved later in data time: the store knows better, nothing happens.
    const last = store.alerts.latest(key)
    if (last?.resolvedAt !== undefined && last.resolvedAt >= ts) return last
    const message = render(meter.school.locale, v.message)
    let alertId = 0
    this.commit(() => {
      const family = familyOf(rule)
      const join = this.incidentFor(rule, meter, family, ts)
      const incidentId =
        join?.incident.id ??
        store.incidents.insert({
          school: meter.school.id,
          family,
          building: meter.building.id,
          meter: meter.id,
          ...(meter.space ? { space: meter.space.id } : {}),
          rule,
          severity: v.severity,
          status: 'open',
          openedAt: ts,
          lastSeenAt: ts,
          falsePositive: false,
          occurrences: 1,
          message,
          text: v.message,
          evidence: v.evidence,
        })
      alertId = store.alerts.insert({
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
        message,
        text: v.message,
        evidence: v.evidence,
        incident: incidentId,
      })
      const change: Change = { alert: [{ id: alertId, transition: 'opened', at: ts }] }
      if (!join) {
        change.incident = [{ id: incidentId, transition: 'opened', at: ts, alert: alertId, quiet: v.past }]
        return change
      }
      const i = join.incident
      const severity = maxSeverity(i.severity, v.severity)
      // An alert further downstream places the fault more exactly: the incident moves there.
      const moves = join.relation === 'below'
      store.incidents.update(i.id, {
        lastSeenAt: Math.max(i.lastSeenAt, ts),
        quietSince: undefined,
        occurrences: i.occurrences + 1,
        severity,
        ...(moves
          ? {
              meter: meter.id,
              building: meter.building.id,
              space: meter.space?.id,
              rule,
              message,
              text: v.message,
              evidence: v.evidence,
            }
          : {}),
      })
      change.incident = [{ id: i.id, transition: 'occurred', at: ts, alert: alertId }]
      if (SEVERITY_RANK[severity] > SEVERITY_RANK[i.severity] && i.status === 'open')
        change.incident.push({
          id: i.id,
          transition: 'worsened',
          at: ts,
          by: 'rule',
          note: `${i.severity} → ${severity}`,
          alert: alertId,
        })
      return change
    })
    return store.alerts.get(alertId)!
  }

  /** The condition still holds: update the active alert, if a person has not resolved it. */
  update(rule: string, meter: Meter, v: Active, ts: number): Alert | undefined {
    const existing = this.o.store.alerts.active(`${rule}|${meter.id}`)
    return existing && this.refresh(existing, v, ts)
  }

  /** The rule's clearing condition held: resolve the active alert; its incident goes quiet when it was the last. */
  clear(rule: string, meter: Meter, ts: number, note?: string): Alert | undefined {
    const store = this.o.store
    const a = store.alerts.active(`${rule}|${meter.id}`)
    if (!a) return undefined
    // A verdict older than what the alert has seen comes from a replay of the journal.
    if (ts < Math.max(a.openedAt, a.lastSeenAt)) return undefined
    this.commit(() => {
      store.alerts.update(a.id, {
        status: 'resolved',
        resolvedAt: ts,
        resolvedBy: 'rule',
        lastSeenAt: Math.max(a.lastSeenAt, ts),
      })
      if (a.incident !== undefined && !this.anyActive(a.incident)) {
        store.incidents.update(a.incident, { quietSince: ts })
      }
      return { alert: [{ id: a.id, transition: 'resolved', at: ts, by: 'rule', ...(note ? { note } : {}) }] }
    })
    return store.alerts.get(a.id)
  }

  /**
   * Resolves the incidents of a school that have been quiet for their hold-off by `eventNow` (the
   * newest event time seen at the school): the fault did not come back.
   */
  closeQuiet(school: string, eventNow: number): Incident[] {
    const store = this.o.store
    const minHoldOff = Math.min(...Object.values(HOLD_OFF_MS))
    return store.incidents
      .quiet(school, eventNow - minHoldOff)
      .filter((i) => eventNow - i.quietSince! >= HOLD_OFF_MS[i.family])
      .map((i) => {
        this.commit(() => {
          store.incidents.update(i.id, { status: 'resolved', resolvedAt: i.quietSince!, resolvedBy: 'rule' })
          return { incident: [{ id: i.id, transition: 'resolved', at: i.quietSince!, by: 'rule' }] }
        })
        return store.incidents.get(i.id)!
      })
  }

  /** Someone is on it: the incident and its active alerts are acknowledged. */
  acknowledgeIncident(id: number, by?: string, note?: string): Incident {
    const i = this.getIncident(id)
    if (i.status === 'resolved') throw new AlertError('INCIDENT_RESOLVED', id, 409)
    if (i.status === 'acknowledged') return i
    const now = this.now()
    const who = by ?? 'anonymous'
    this.commit(() => {
      const store = this.o.store
      store.incidents.update(id, {
        status: 'acknowledged',
        acknowledgedAt: now,
        acknowledgedBy: who,
        ...(note ? { note } : {}),
      })
      const alerts = store.alerts.ofIncident(id).filter((a) => a.status === 'open')
      for (const a of alerts)
        store.alerts.update(a.id, {
          status: 'acknowledged',
          acknowledgedAt: now,
          acknowledgedBy: who,
          ...(note ? { note } : {}),
        })
      return {
        alert: alerts.map((a) => ({ id: a.id, transition: 'acknowledged' as const, at: now, by: who, note })),
        incident: [{ id, transition: 'acknowledged', at: now, by: who, note }],
      }
    })
    return this.getIncident(id)
  }

  /** Gives the incident to someone to repair. */
  assignIncident(id: number, to: string, by?: string): Incident {
    const i = this.getIncident(id)
    if (i.status === 'resolved') throw new AlertError('INCIDENT_RESOLVED', id, 409)
    const now = this.now()
    this.commit(() => {
      this.o.store.incidents.update(id, { assignedTo: to })
      return { incident: [{ id, transition: 'assigned', at: now, by: by ?? 'anonymous', note: to }] }
    })
    return this.getIncident(id)
  }

  /** A person closes the incident (repaired, or a false alarm kept for tuning), and its active alerts with it. */
  resolveIncident(id: number, by?: string, note?: string, falsePositive = false): Incident {
    const i = this.getIncident(id)
    if (i.status === 'resolved') throw new AlertError('INCIDENT_RESOLVED', id, 409)
    const now = this.now()
    const who = by ?? 'anonymous'
    this.commit(() => {
      const store = this.o.store
      store.incidents.update(id, {
        status: 'resolved',
        resolvedAt: now,
        resolvedBy: who,
        falsePositive,
        ...(note ? { note } : {}),
      })
      const alerts = store.alerts.ofIncident(id).filter((a) => a.status !== 'resolved')
      for (const a of alerts)
        store.alerts.update(a.id, {
          status: 'resolved',
          resolvedAt: now,
          resolvedBy: who,
          falsePositive,
          ...(note ? { note } : {}),
        })
      return {
        alert: alerts.map((a) => ({ id: a.id, transition: 'resolved' as const, at: now, by: who, note })),
        incident: [{ id, transition: 'resolved', at: now, by: who, note }],
      }
    })
    return this.getIncident(id)
  }

  /** Acknowledging an alert acknowledges its incident: the fault, not one symptom of it. */
  acknowledge(id: number, by?: string, note?: string): Alert {
    const a = this.get(id)
    if (a.status === 'resolved') throw new AlertError('ALERT_RESOLVED', id, 409)
    if (a.status === 'acknowledged') return a
    if (a.incident !== undefined) {
      const i = this.getIncident(a.incident)
      if (i.status === 'open') this.acknowledgeIncident(i.id, by, note)
    }
    return this.get(id)
  }

  /** Resolving an alert resolves its incident and every alert in it. */
  resolve(id: number, by?: string, note?: string, falsePositive = false): Alert {
    const a = this.get(id)
    if (a.status === 'resolved') throw new AlertError('ALERT_RESOLVED', id, 409)
    if (a.incident !== undefined) this.resolveIncident(a.incident, by, note, falsePositive)
    return this.get(id)
  }

  /** Critical incidents still open (not acknowledged) `escalateAfterMs` after they opened: tell more people. */
  escalateDue(): Incident[] {
    const now = this.now()
    const store = this.o.store
    return store.incidents.toEscalate(now - (this.o.escalateAfterMs ?? 15 * 60_000)).map((i) => {
      this.commit(() => {
        store.incidents.update(i.id, { escalatedAt: now })
        return {
          incident: [
            { id: i.id, transition: 'escalated', at: now, by: 'escalation', note: 'unacknowledged' },
          ],
        }
      })
      return store.incidents.get(i.id)!
    })
  }

  get(id: number): Alert {
    const a = this.o.store.alerts.get(id)
    if (!a) throw new AlertError('ALERT_NOT_FOUND', id, 404)
    return a
  }

  getIncident(id: number): Incident {
    const i = this.o.store.incidents.get(id)
    if (!i) throw new AlertError('INCIDENT_NOT_FOUND', id, 404)
    return i
  }

  /** The open incident this alert's fault belongs to, if any, and where the alert sits relative to it. */
  private incidentFor(rule: string, meter: Meter, family: Incident['family'], ts: number) {
    let best: { incident: Incident; relation: 'same' | 'above' | 'below'; score: number } | undefined
    for (const incident of this.o.store.incidents.active(
      meter.school.id,
      family,
      nearMeters(meter, family),
    )) {
      if (incident.quietSince !== undefined && ts - incident.quietSince > HOLD_OFF_MS[family]) continue
      const rel = relation(this.o.registry, incident, meter, family)
      if (!rel) continue
      const members = this.o.store.alerts.membersOf(incident.id)
      if (!explains(rule, rel, members)) continue
      // The fault already seen by this rule and still under way first, then the same place, then
      // the newest.
      const score =
        (members.some((a) => a.rule === rule && a.status !== 'resolved') ? 4 : 0) + (rel === 'same' ? 2 : 0)
      if (!best || score > best.score || (score === best.score && incident.id > best.incident.id))
        best = { incident, relation: rel, score }
    }
    return best
  }

  private anyActive(incident: number): boolean {
    return this.o.store.alerts.membersOf(incident).some((a) => a.status !== 'resolved')
  }

  private refresh(a: Alert, v: Active, ts: number): Alert {
    const store = this.o.store
    const upgrade = SEVERITY_RANK[v.severity] > SEVERITY_RANK[a.severity]
    const evidence = { ...a.evidence, ...v.evidence }
    const meter = this.o.registry.meters.get(a.meter)
    const message = meter ? render(meter.school.locale, v.message) : a.message
    const lastSeenAt = Math.max(a.lastSeenAt, ts)
    if (upgrade) {
      this.commit(() => {
        store.alerts.update(a.id, { severity: v.severity, message, text: v.message, evidence, lastSeenAt })
        const change: Change = {
          alert: [
            { id: a.id, transition: 'escalated', at: ts, by: 'rule', note: `${a.severity} → ${v.severity}` },
          ],
        }
        const i = a.incident !== undefined ? store.incidents.get(a.incident) : undefined
        if (i) {
          const severity = maxSeverity(i.severity, v.severity)
          store.incidents.update(i.id, {
            severity,
            lastSeenAt: Math.max(i.lastSeenAt, ts),
            ...(i.meter === a.meter && i.rule === a.rule ? { message, text: v.message, evidence } : {}),
          })
          // Told again only if it got worse and nobody has taken it on yet.
          if (severity !== i.severity && i.status === 'open')
            change.incident = [
              {
                id: i.id,
                transition: 'worsened',
                at: ts,
                by: 'rule',
                note: `${i.severity} → ${severity}`,
                alert: a.id,
              },
            ]
        }
        return change
      })
      return store.alerts.get(a.id)!
    }
    // Unchanged alerts are touched at most once a minute: a dorm heater reports every 10 s.
    const last = this.touched.get(a.id) ?? 0
    if (ts - last < (this.o.touchEveryMs ?? 60_000)) return a
    this.touched.set(a.id, ts)
    if (this.touched.size > 10_000) this.touched.clear()
    store.alerts.update(a.id, { message, text: v.message, evidence, lastSeenAt })
    if (a.incident !== undefined) {
      const i = store.incidents.get(a.incident)
      if (i && i.status !== 'resolved')
        store.incidents.update(i.id, {
          lastSeenAt: Math.max(i.lastSeenAt, ts),
          ...(i.meter === a.meter && i.rule === a.rule ? { message, text: v.message, evidence } : {}),
        })
    }
    return { ...a, message, text: v.message, evidence, lastSeenAt }
  }

  /** Runs a change and records its transitions with their notifications, in one transaction. */
  private commit(change: () => Change): void {
    const store = this.o.store
    const now = this.now()
    const done: { alerts: [Alert, AlertTransition, number][]; incidents: [Incident, IncidentTransition][] } =
      {
        alerts: [],
        incidents: [],
      }
    store.atomically(() => {
      done.alerts = []
      done.incidents = []
      const c = change()
      for (const t of c.alert ?? []) {
        const eventId = store.alerts.addEvent(t.id, t.transition, t.at, t.by, t.note, now)
        const a = store.alerts.get(t.id)!
        for (const d of this.o.router.alertDeliveries(a, t.transition, now))
          store.outbox.enqueue(eventId, d, now)
        done.alerts.push([a, t.transition, t.at])
      }
      for (const t of c.incident ?? []) {
        const eventId = store.incidents.addEvent({
          incident: t.id,
          transition: t.transition,
          at: t.at,
          ...(t.by !== undefined ? { by: t.by } : {}),
          ...(t.note !== undefined ? { note: t.note } : {}),
          ...(t.alert !== undefined ? { alert: t.alert } : {}),
          recordedAt: now,
        })
        const i = store.incidents.get(t.id)!
        const rules = store.alerts.membersOf(t.id).map((a) => a.rule)
        if (!t.quiet)
          for (const d of this.o.router.incidentDeliveries(i, t.transition, now, rules, t))
            store.outbox.enqueueIncident(eventId, d, now)
        done.incidents.push([i, t.transition])
      }
    })
    for (const [alert, transition, at] of done.alerts) {
      this.o.metrics?.alertTransitions.inc({ rule: alert.rule, transition })
      this.o.log.info(
        {
          alert: alert.id,
          incident: alert.incident,
          rule: alert.rule,
          meter: alert.meter,
          severity: alert.severity,
        },
        `alert ${transition}: ${alert.message}`,
      )
      this.o.bus.emit('alert', { alert, transition, at })
    }
    for (const [incident, transition] of done.incidents) {
      if (transition !== 'occurred')
        this.o.log.info(
          { incident: incident.id, rule: incident.rule, meter: incident.meter, severity: incident.severity },
          `incident ${transition}: ${incident.message}`,
        )
      this.o.bus.emit('incident', { incident, transition })
    }
    this.onTransition?.()
  }
}
