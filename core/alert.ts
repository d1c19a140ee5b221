/**
 * Alerts and incidents (CONTRACT.md, "An alert object"). A rule raises alerts; an incident groups
 * the alerts of one located fault — the same rule raised again on the same meter within a hold-off,
 * the other rules that fault trips, and the meters upstream of it — and is what people are told of
 * and act on. Times are epoch ms here.
 */
import type { Message } from './i18n/index.js'

export type AlertStatus = 'open' | 'acknowledged' | 'resolved'
export type Severity = 'info' | 'warning' | 'critical'
export type AlertTransition = 'opened' | 'acknowledged' | 'resolved' | 'escalated'

export interface Alert {
  id: number
  /** rule|meter: at most one active alert per key. */
  key: string
  school: string
  building: string
  meter: string
  space?: string
  rule: string
  severity: Severity
  status: AlertStatus
  /** Event time of the reading that raised it. */
  openedAt: number
  lastSeenAt: number
  acknowledgedAt?: number
  acknowledgedBy?: string
  resolvedAt?: number
  resolvedBy?: string
  falsePositive: boolean
  note?: string
  escalatedAt?: number
  /** The sentence, rendered in the school's language when it was written (logs, InfluxDB). */
  message: string
  /** The sentence as data, rendered for each reader's language. */
  text?: Message
  evidence: Record<string, unknown>
  /** The incident the alert belongs to. */
  incident?: number
}

/**
 * What kind of fault an incident is: alerts of one family at one place are one fault. A drip trips
 * continuous flow, night flow and after-hours flow on its meter and on every meter upstream.
 */
export type IncidentFamily =
  | 'water_loss'
  | 'appliance'
  | 'electricity_waste'
  | 'heating_waste'
  | 'heating_fault'
  | 'meter_silent'
  | 'meter_register'
  /** A school on track to exceed a consumption quota (reports/quotas.ts). */
  | 'quota'

export type IncidentTransition =
  | 'opened'
  /** Another alert joined, or the same one came back within the hold-off: not told to people. */
  | 'occurred'
  /** Its severity rose while nobody had taken it on: told to the same people again. */
  | 'worsened'
  /** Critical and unacknowledged 15 minutes after it opened: told again, and to the escalation contacts. */
  | 'escalated'
  | 'acknowledged'
  | 'assigned'
  | 'resolved'

export interface Incident {
  id: number
  school: string
  family: IncidentFamily
  /** Where the fault is: the most specific meter among its alerts, and that meter's place. */
  building: string
  meter: string
  space?: string
  /** The rule of the alert that describes it best (the most specific place, then the most severe). */
  rule: string
  severity: Severity
  status: AlertStatus
  /** Event time of its first alert. */
  openedAt: number
  lastSeenAt: number
  /** Event time since which none of its alerts is active; undefined while one is. */
  quietSince?: number
  acknowledgedAt?: number
  acknowledgedBy?: string
  assignedTo?: string
  resolvedAt?: number
  resolvedBy?: string
  falsePositive: boolean
  note?: string
  escalatedAt?: number
  /** How many times an alert opened or came back in it. */
  occurrences: number
  message: string
  text?: Message
  evidence: Record<string, unknown>
}

/**
 * A notification to write to the outbox with the transition it announces, in one transaction:
 * which channel, which of its targets (a topic, an address, a configured robot), what to send
 * (a finished message, or a notice the channel renders when it sends), when, and how urgent.
 */
export interface Delivery {
  channel: string
  target: string
  payload: string
  dueAt: number
  /** Higher goes first when a channel has a queue: the severity rank (info 0, warning 1, critical 2). */
  priority: number
}

/** What an incident transition was: when (event time), by whom, and why. */
export interface TransitionEvent {
  at: number
  by?: string | undefined
  note?: string | undefined
}

/** Where the alert manager hands its transitions for delivery (notify/): the rows to write with them. */
export interface DeliveryPlanner {
  /** Every alert transition, for machines. */
  alertDeliveries(alert: Alert, transition: AlertTransition, now: number): Delivery[]
  /**
   * An incident transition, for people. `rules` are the rules of the incident's alerts, oldest
   * first; `event` is the transition's own time and author.
   */
  incidentDeliveries(
    incident: Incident,
    transition: IncidentTransition,
    now: number,
    rules?: readonly string[],
    event?: TransitionEvent,
  ): Delivery[]
}
