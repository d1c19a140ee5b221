/**
 * The alert and incident lifecycle (RULES.md, "Alert lifecycle"). A rule raises at most one active
 * alert per rule and meter; repeats update lastSeenAt, the evidence and (upwards only) the severity.
 * Every alert belongs to an incident — one located fault (rules/incidents.ts) — and people are told
 * of incidents, not of alerts: a fault that trips three rules on a meter and its parent, or comes
 * back every night, is one message. People acknowledge, assign and resolve incidents (a false alarm
 * is kept for tuning); the rules resolve their own alerts, and an incident whose alerts have all
 * cleared resolves itself once its hold-off has passed in event time without the fault coming back.
 * Critical incidents nobody acknowledged are escalated after 15 minutes. Every transition is written
 * with its notifications in one transaction of the store: nothing is announced that did not happen,
 * and nothing that happened goes unannounced.
 *
 * The store answers asynchronously, so changes are taken one at a time, in the order they were
 * asked for (each reads what the one before it wrote): the rules engine hands its verdicts over
 * without waiting for them, people's actions wait for their turn, and `idle()` resolves once
 * everything asked for so far is written (a checkpoint waits for it).
 */
import type { Logger } from 'pino'
import type { Alert, AlertTransition, DeliveryPlanner, Incident, IncidentTransition } from '../core/alert.js'
import type { Bus } from '../core/bus.js'
import { SchoolmeterError } from '../core/errors.js'
import { render } from '../core/i18n/index.js'
import type { Metrics } from '../core/metrics.js'
import type { Meter, Registry } from '../core/registry.js'
import type { AppStore } from '../store/index.js'
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

/** What a person's action did to an incident: its status before (read in the action's own turn) and the incident after. */
export interface IncidentChange {
  from: Incident['status']
  incident: Incident
}

export interface AlertManagerOptions {
  registry: Registry
  store: AppStore
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
  /**
   * The schools whose incidents this manager escalates (a sharded worker's, SHARD): the store is
   * shared by every worker of the district, and each school's owner escalates its incidents.
   * Every school's when undefined.
   */
  schools?: readonly string[]
}

type Active = Extract<Verdict, { active: true }>

/** An update waiting for its turn: the newest verdict, and when the first it stands for came. */
interface WaitingUpdate {
  v: Active
  ts: number
  since: number
  done?: Promise<Alert | undefined>
}

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
  /** The change under way and those waiting behind it: settles when all are written. */
  private tail: Promise<unknown> = Promise.resolve()
  /** Called after each committed transition (the dispatcher wakes up). */
  onTransition: (() => void) | undefined

  constructor(private readonly o: AlertManagerOptions) {
    this.now = o.now ?? Date.now
  }

  /**
   * Changes asked for and not yet started that a newer one of the same kind can stand in for, since
   * any other change was asked for: updates of an active alert (by alert key) and closings of quiet
   * incidents (by school). A rule whose condition holds sends a verdict on every reading, and a
   * school's event time ticks every minute; when the store falls behind (a gateway's backlog, the
   * demo's history), the newer verdict of the same severity, or the later time, takes the place of
   * the one waiting rather than queueing one more round of reads and writes. The two kinds never
   * touch the same rows (a quiet incident has no active alert), so they may pass each other; any
   * other change empties both, so nothing moves ahead of what was asked for before it.
   */
  private readonly waitingUpdates = new Map<string, WaitingUpdate>()
  private readonly waitingCloses = new Map<string, { eventNow: number; done?: Promise<Incident[]> }>()

  /** Runs `change` once every change asked for before it is done; its result or error is the caller's. */
  private inTurn<T>(change: () => Promise<T>, mayBeOvertaken = false): Promise<T> {
    if (!mayBeOvertaken) {
      this.waitingUpdates.clear()
      this.waitingCloses.clear()
    }
    const run = this.tail.then(change)
    this.tail = run.catch(() => undefined)
    return run
  }

  /** Resolves once every change asked for so far is written. */
  async idle(): Promise<void> {
    let tail: Promise<unknown>
    do {
      tail = this.tail
      await tail
    } while (tail !== this.tail)
  }

  /** The rule found its condition: open an alert in its incident, or refresh the one already active. */
  raise(rule: string, meter: Meter, v: Active, ts: number): Promise<Alert> {
    return this.inTurn(() => this.raiseNow(rule, meter, v, ts))
  }

  private async raiseNow(rule: string, meter: Meter, v: Active, ts: number): Promise<Alert> {
    const key = `${rule}|${meter.id}`
    const store = this.o.store
    const existing = await store.alerts.active(key)
    if (existing) return this.refresh(existing, v, ts)
    // Readings replayed from the journal after a crash may find a condition that was already
    // raised and resolved later in data time: the store knows better, nothing happens.
    const last = await store.alerts.latest(key)
    if (last?.resolvedAt !== undefined && last.resolvedAt >= ts) return last
    const message = render(meter.school.locale, v.message)
    let alertId = 0
    await this.commit(async (tx) => {
      const family = familyOf(rule)
      const join = await this.incidentFor(tx, rule, meter, family, ts)
      const incidentId =
        join?.incident.id ??
        (await tx.incidents.insert({
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
        }))
      alertId = await tx.alerts.insert({
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
      await tx.incidents.update(i.id, {
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
    return (await store.alerts.get(alertId))!
  }

  /** The condition still holds: update the active alert, if a person has not resolved it. */
  update(rule: string, meter: Meter, v: Active, ts: number): Promise<Alert | undefined> {
    const key = `${rule}|${meter.id}`
    const waiting = this.waitingUpdates.get(key)
    if (waiting?.done !== undefined && waiting.v.severity === v.severity) {
      waiting.v = v
      waiting.ts = ts
      this.o.metrics?.alertUpdatesMerged.inc()
      return waiting.done
    }
    const entry: WaitingUpdate = { v, ts, since: ts }
    this.waitingUpdates.set(key, entry)
    entry.done = this.inTurn(async () => {
      if (this.waitingUpdates.get(key) === entry) this.waitingUpdates.delete(key)
      const existing = await this.o.store.alerts.active(key)
      return existing && this.refresh(existing, entry.v, entry.ts, entry.since)
    }, true)
    return entry.done
  }

  /** The rule's clearing condition held: resolve the active alert; its incident goes quiet when it was the last. */
  clear(rule: string, meter: Meter, ts: number, note?: string): Promise<Alert | undefined> {
    return this.inTurn(async () => {
      const store = this.o.store
      const a = await store.alerts.active(`${rule}|${meter.id}`)
      if (!a) return undefined
      // A verdict older than what the alert has seen comes from a replay of the journal.
      if (ts < Math.max(a.openedAt, a.lastSeenAt)) return undefined
      await this.commit(async (tx) => {
        await tx.alerts.update(a.id, {
          status: 'resolved',
          resolvedAt: ts,
          resolvedBy: 'rule',
          lastSeenAt: Math.max(a.lastSeenAt, ts),
        })
        if (a.incident !== undefined && !(await this.anyActive(tx, a.incident))) {
          await tx.incidents.update(a.incident, { quietSince: ts })
        }
        return {
          alert: [{ id: a.id, transition: 'resolved', at: ts, by: 'rule', ...(note ? { note } : {}) }],
        }
      })
      return store.alerts.get(a.id)
    })
  }

  /**
   * Resolves the incidents of a school that have been quiet for their hold-off by `eventNow` (the
   * newest event time seen at the school): the fault did not come back.
   */
  closeQuiet(school: string, eventNow: number): Promise<Incident[]> {
    const waiting = this.waitingCloses.get(school)
    if (waiting?.done !== undefined) {
      waiting.eventNow = Math.max(waiting.eventNow, eventNow)
      this.o.metrics?.alertUpdatesMerged.inc()
      return waiting.done
    }
    const entry: { eventNow: number; done?: Promise<Incident[]> } = { eventNow }
    this.waitingCloses.set(school, entry)
    entry.done = this.inTurn(async () => {
      if (this.waitingCloses.get(school) === entry) this.waitingCloses.delete(school)
      const eventNow = entry.eventNow
      const store = this.o.store
      const minHoldOff = Math.min(...Object.values(HOLD_OFF_MS))
      const closed: Incident[] = []
      for (const i of await store.incidents.quiet(school, eventNow - minHoldOff)) {
        if (eventNow - i.quietSince! < HOLD_OFF_MS[i.family]) continue
        await this.commit(async (tx) => {
          await tx.incidents.update(i.id, {
            status: 'resolved',
            resolvedAt: i.quietSince!,
            resolvedBy: 'rule',
          })
          return { incident: [{ id: i.id, transition: 'resolved', at: i.quietSince!, by: 'rule' }] }
        })
        closed.push((await store.incidents.get(i.id))!)
      }
      return closed
    }, true)
    return entry.done
  }

  /** Someone is on it: the incident and its active alerts are acknowledged. */
  acknowledgeIncident(id: number, by?: string, note?: string): Promise<IncidentChange> {
    return this.inTurn(() => this.acknowledgeIncidentNow(id, by, note))
  }

  private async acknowledgeIncidentNow(id: number, by?: string, note?: string): Promise<IncidentChange> {
    const now = this.now()
    const who = by ?? 'anonymous'
    let from: Incident['status'] = 'open'
    await this.commit(async (tx) => {
      // Read in the transaction: another worker of a sharded district may change it meanwhile.
      from = (await this.incidentIn(tx, id)).status
      if (from === 'resolved') throw new AlertError('INCIDENT_RESOLVED', id, 409)
      if (from === 'acknowledged') return {}
      await tx.incidents.update(id, {
        status: 'acknowledged',
        acknowledgedAt: now,
        acknowledgedBy: who,
        ...(note ? { note } : {}),
      })
      const alerts = (await tx.alerts.ofIncident(id)).filter((a) => a.status === 'open')
      for (const a of alerts)
        await tx.alerts.update(a.id, {
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
    return { from, incident: await this.getIncident(id) }
  }

  /** Gives the incident to someone to repair. */
  assignIncident(id: number, to: string, by?: string): Promise<IncidentChange> {
    return this.inTurn(async () => {
      const now = this.now()
      let from: Incident['status'] = 'open'
      await this.commit(async (tx) => {
        from = (await this.incidentIn(tx, id)).status
        if (from === 'resolved') throw new AlertError('INCIDENT_RESOLVED', id, 409)
        await tx.incidents.update(id, { assignedTo: to })
        return { incident: [{ id, transition: 'assigned', at: now, by: by ?? 'anonymous', note: to }] }
      })
      return { from, incident: await this.getIncident(id) }
    })
  }

  /** A person closes the incident (repaired, or a false alarm kept for tuning), and its active alerts with it. */
  resolveIncident(id: number, by?: string, note?: string, falsePositive = false): Promise<IncidentChange> {
    return this.inTurn(() => this.resolveIncidentNow(id, by, note, falsePositive))
  }

  private async resolveIncidentNow(
    id: number,
    by?: string,
    note?: string,
    falsePositive = false,
  ): Promise<IncidentChange> {
    const now = this.now()
    const who = by ?? 'anonymous'
    let from: Incident['status'] = 'open'
    await this.commit(async (tx) => {
      from = (await this.incidentIn(tx, id)).status
      if (from === 'resolved') throw new AlertError('INCIDENT_RESOLVED', id, 409)
      await tx.incidents.update(id, {
        status: 'resolved',
        resolvedAt: now,
        resolvedBy: who,
        falsePositive,
        ...(note ? { note } : {}),
      })
      const alerts = (await tx.alerts.ofIncident(id)).filter((a) => a.status !== 'resolved')
      for (const a of alerts)
        await tx.alerts.update(a.id, {
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
    return { from, incident: await this.getIncident(id) }
  }

  /** Acknowledging an alert acknowledges its incident: the fault, not one symptom of it. */
  acknowledge(id: number, by?: string, note?: string): Promise<Alert> {
    return this.inTurn(async () => {
      const a = await this.get(id)
      if (a.status === 'resolved') throw new AlertError('ALERT_RESOLVED', id, 409)
      if (a.status === 'acknowledged') return a
      if (a.incident !== undefined) {
        const i = await this.getIncident(a.incident)
        if (i.status === 'open') await this.acknowledgeIncidentNow(i.id, by, note)
      }
      return this.get(id)
    })
  }

  /** Resolving an alert resolves its incident and every alert in it. */
  resolve(id: number, by?: string, note?: string, falsePositive = false): Promise<Alert> {
    return this.inTurn(async () => {
      const a = await this.get(id)
      if (a.status === 'resolved') throw new AlertError('ALERT_RESOLVED', id, 409)
      if (a.incident !== undefined) await this.resolveIncidentNow(a.incident, by, note, falsePositive)
      return this.get(id)
    })
  }

  /** Critical incidents still open (not acknowledged) `escalateAfterMs` after they opened: tell more people. */
  escalateDue(): Promise<Incident[]> {
    return this.inTurn(async () => {
      const now = this.now()
      const store = this.o.store
      const escalated: Incident[] = []
      const before = now - (this.o.escalateAfterMs ?? 15 * 60_000)
      for (const i of await store.incidents.toEscalate(before, this.o.schools)) {
        await this.commit(async (tx) => {
          await tx.incidents.update(i.id, { escalatedAt: now })
          return {
            incident: [
              { id: i.id, transition: 'escalated', at: now, by: 'escalation', note: 'unacknowledged' },
            ],
          }
        })
        escalated.push((await store.incidents.get(i.id))!)
      }
      return escalated
    })
  }

  async get(id: number): Promise<Alert> {
    const a = await this.o.store.alerts.get(id)
    if (!a) throw new AlertError('ALERT_NOT_FOUND', id, 404)
    return a
  }

  async getIncident(id: number): Promise<Incident> {
    return this.incidentIn(this.o.store, id)
  }

  private async incidentIn(store: AppStore, id: number): Promise<Incident> {
    const i = await store.incidents.get(id)
    if (!i) throw new AlertError('INCIDENT_NOT_FOUND', id, 404)
    return i
  }

  /** The open incident this alert's fault belongs to, if any, and where the alert sits relative to it. */
  private async incidentFor(
    tx: AppStore,
    rule: string,
    meter: Meter,
    family: Incident['family'],
    ts: number,
  ) {
    let best: { incident: Incident; relation: 'same' | 'above' | 'below'; score: number } | undefined
    for (const incident of await tx.incidents.active(meter.school.id, family, nearMeters(meter, family))) {
      if (incident.quietSince !== undefined && ts - incident.quietSince > HOLD_OFF_MS[family]) continue
      const rel = relation(this.o.registry, incident, meter, family)
      if (!rel) continue
      const members = await tx.alerts.membersOf(incident.id)
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

  private async anyActive(tx: AppStore, incident: number): Promise<boolean> {
    return (await tx.alerts.membersOf(incident)).some((a) => a.status !== 'resolved')
  }

  /** Refreshes an active alert with the verdict `v` of `ts`; one that worsens it does so as of `since`, the first verdict of its severity. */
  private async refresh(a: Alert, v: Active, ts: number, since = ts): Promise<Alert> {
    const store = this.o.store
    const upgrade = SEVERITY_RANK[v.severity] > SEVERITY_RANK[a.severity]
    const evidence = { ...a.evidence, ...v.evidence }
    const meter = this.o.registry.meters.get(a.meter)
    const message = meter ? render(meter.school.locale, v.message) : a.message
    const lastSeenAt = Math.max(a.lastSeenAt, ts)
    if (upgrade) {
      await this.commit(async (tx) => {
        await tx.alerts.update(a.id, { severity: v.severity, message, text: v.message, evidence, lastSeenAt })
        const change: Change = {
          alert: [
            {
              id: a.id,
              transition: 'escalated',
              at: since,
              by: 'rule',
              note: `${a.severity} → ${v.severity}`,
            },
          ],
        }
        const i = a.incident !== undefined ? await tx.incidents.get(a.incident) : undefined
        if (i) {
          const severity = maxSeverity(i.severity, v.severity)
          await tx.incidents.update(i.id, {
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
                at: since,
                by: 'rule',
                note: `${i.severity} → ${severity}`,
                alert: a.id,
              },
            ]
        }
        return change
      })
      return (await store.alerts.get(a.id))!
    }
    // Unchanged alerts are touched at most once a minute: a dorm heater reports every 10 s.
    const last = this.touched.get(a.id) ?? 0
    if (ts - last < (this.o.touchEveryMs ?? 60_000)) return a
    this.touched.set(a.id, ts)
    if (this.touched.size > 10_000) this.touched.clear()
    await store.alerts.update(a.id, { message, text: v.message, evidence, lastSeenAt })
    if (a.incident !== undefined) {
      const i = await store.incidents.get(a.incident)
      if (i && i.status !== 'resolved')
        await store.incidents.update(i.id, {
          lastSeenAt: Math.max(i.lastSeenAt, ts),
          ...(i.meter === a.meter && i.rule === a.rule ? { message, text: v.message, evidence } : {}),
        })
    }
    return { ...a, message, text: v.message, evidence, lastSeenAt }
  }

  /** Runs a change and records its transitions with their notifications, in one transaction. */
  private async commit(change: (tx: AppStore) => Promise<Change>): Promise<void> {
    const now = this.now()
    const done: { alerts: [Alert, AlertTransition, number][]; incidents: [Incident, IncidentTransition][] } =
      {
        alerts: [],
        incidents: [],
      }
    await this.o.store.atomically(async (tx) => {
      done.alerts = []
      done.incidents = []
      const c = await change(tx)
      for (const t of c.alert ?? []) {
        const eventId = await tx.alerts.addEvent(t.id, t.transition, t.at, t.by, t.note, now)
        const a = (await tx.alerts.get(t.id))!
        for (const d of this.o.router.alertDeliveries(a, t.transition, now))
          await tx.outbox.enqueue(eventId, d, now)
        done.alerts.push([a, t.transition, t.at])
      }
      for (const t of c.incident ?? []) {
        const eventId = await tx.incidents.addEvent({
          incident: t.id,
          transition: t.transition,
          at: t.at,
          ...(t.by !== undefined ? { by: t.by } : {}),
          ...(t.note !== undefined ? { note: t.note } : {}),
          ...(t.alert !== undefined ? { alert: t.alert } : {}),
          recordedAt: now,
        })
        const i = (await tx.incidents.get(t.id))!
        const rules = (await tx.alerts.membersOf(t.id)).map((a) => a.rule)
        if (!t.quiet)
          for (const d of this.o.router.incidentDeliveries(i, t.transition, now, rules, t))
            await tx.outbox.enqueueIncident(eventId, d, now)
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
