/**
 * Who hears of what, and how. Machines hear of every alert transition on MQTT
 * (`schools/{school}/alerts`, CONTRACT.md). People hear of incidents — one message per fault, not
 * one per rule and meter it trips: webhooks that ask for the rule, and e-mail to the people the
 * rule is routed to (leaks and heating faults to maintenance, waste and dorm appliances to the
 * facility manager) when an incident opens or escalates, at once or in the daily digest for
 * non-urgent waste. Escalations go to the same people again and to the escalation contacts.
 */
import type { Alert, AlertTransition, Incident, IncidentTransition } from '../../core/alert.js'
import { SchoolCalendar } from '../../core/calendar.js'
import { type Locale, render } from '../../core/i18n/index.js'
import type { Registry, School } from '../../core/registry.js'
import { formatInstant } from '../../core/time.js'
import { SEVERITY_RANK, type Severity } from '../types.js'

export interface Delivery {
  channel: 'mqtt' | 'webhook' | 'email' | 'digest'
  target: string
  payload: string
  dueAt: number
}

export const DEFAULT_ROUTES: Record<string, ('maintenance' | 'facilities')[]> = {
  'water.*': ['maintenance'],
  'heat.frost_risk': ['maintenance'],
  'heat.no_heat': ['maintenance'],
  'heat.low_delta_t': ['maintenance'],
  'heat.*': ['facilities'],
  'electricity.*': ['facilities'],
  'meter.*': ['facilities'],
}
export const DEFAULT_DIGEST_RULES = ['electricity.after_hours', 'heat.unoccupied_heating', 'heat.overheating']

/** Exact rule ids win over prefixes (`water.*`). */
export function matchRule<T>(table: Record<string, T> | undefined, rule: string): T | undefined {
  if (!table) return undefined
  if (table[rule] !== undefined) return table[rule]
  return table[`${rule.split('.')[0]}.*`]
}

const ruleListed = (list: string[] | undefined, rule: string) =>
  !list || list.some((r) => r === rule || (r.endsWith('.*') && rule.startsWith(r.slice(0, -1))))

/** The alert as the outside world sees it: CONTRACT.md's alert object, times in the school's offset. */
export type AlertView = ReturnType<typeof alertView>

/** The sentence of an alert or incident for a reader: rendered in their language when stored as data. */
function sentence(x: Alert | Incident, registry: Registry, locale: Locale | undefined): string {
  if (!x.text) return x.message
  return render(locale ?? registry.schools.get(x.school)?.locale ?? registry.locale, x.text)
}

export function alertView(a: Alert, registry: Registry, locale?: Locale) {
  const zone = registry.schools.get(a.school)?.timezone ?? 'UTC'
  const iso = (ms: number) => formatInstant(ms, zone)
  return {
    id: a.id,
    school: a.school,
    building: a.building,
    meter: a.meter,
    ...(a.space ? { space: a.space } : {}),
    rule: a.rule,
    severity: a.severity,
    status: a.status,
    openedAt: iso(a.openedAt),
    lastSeenAt: iso(a.lastSeenAt),
    ...(a.acknowledgedAt !== undefined ? { acknowledgedAt: iso(a.acknowledgedAt) } : {}),
    ...(a.acknowledgedBy ? { acknowledgedBy: a.acknowledgedBy } : {}),
    ...(a.resolvedAt !== undefined ? { resolvedAt: iso(a.resolvedAt) } : {}),
    ...(a.resolvedBy ? { resolvedBy: a.resolvedBy } : {}),
    ...(a.falsePositive ? { falsePositive: true } : {}),
    ...(a.note ? { note: a.note } : {}),
    ...(a.escalatedAt !== undefined ? { escalatedAt: iso(a.escalatedAt) } : {}),
    message: sentence(a, registry, locale),
    evidence: a.evidence,
    ...(a.incident !== undefined ? { incident: a.incident } : {}),
  }
}

/** An incident as the outside world sees it: times in the school's offset, its sentence in the reader's language. */
export type IncidentView = ReturnType<typeof incidentView>

export function incidentView(i: Incident, registry: Registry, locale?: Locale) {
  const zone = registry.schools.get(i.school)?.timezone ?? 'UTC'
  const iso = (ms: number) => formatInstant(ms, zone)
  return {
    id: i.id,
    school: i.school,
    family: i.family,
    building: i.building,
    meter: i.meter,
    ...(i.space ? { space: i.space } : {}),
    rule: i.rule,
    severity: i.severity,
    status: i.status,
    openedAt: iso(i.openedAt),
    lastSeenAt: iso(i.lastSeenAt),
    ...(i.quietSince !== undefined ? { quietSince: iso(i.quietSince) } : {}),
    ...(i.acknowledgedAt !== undefined ? { acknowledgedAt: iso(i.acknowledgedAt) } : {}),
    ...(i.acknowledgedBy ? { acknowledgedBy: i.acknowledgedBy } : {}),
    ...(i.assignedTo ? { assignedTo: i.assignedTo } : {}),
    ...(i.resolvedAt !== undefined ? { resolvedAt: iso(i.resolvedAt) } : {}),
    ...(i.resolvedBy ? { resolvedBy: i.resolvedBy } : {}),
    ...(i.falsePositive ? { falsePositive: true } : {}),
    ...(i.note ? { note: i.note } : {}),
    ...(i.escalatedAt !== undefined ? { escalatedAt: iso(i.escalatedAt) } : {}),
    occurrences: i.occurrences,
    message: sentence(i, registry, locale),
    evidence: i.evidence,
  }
}

export interface RouterOptions {
  registry: Registry
  /** E-mail can be sent (SMTP is configured). */
  email: boolean
}

export class Router {
  private readonly calendars = new Map<string, SchoolCalendar>()

  constructor(private readonly o: RouterOptions) {}

  /** Every alert transition, for machines: MQTT. */
  alertDeliveries(alert: Alert, transition: AlertTransition, now: number): Delivery[] {
    const school = this.o.registry.schools.get(alert.school)
    if (!school || school.notifications.mqtt === false) return []
    const view = alertView(alert, this.o.registry)
    return [
      {
        channel: 'mqtt',
        target: `schools/${school.id}/alerts`,
        payload: JSON.stringify({ ...view, transition }),
        dueAt: now,
      },
    ]
  }

  /**
   * Incident transitions, for people: webhooks, and e-mail when an incident opens, worsens or
   * escalates. `rules` are the rules of the incident's alerts, oldest first: a webhook that asks for
   * some rules hears of the incident once the first alert of one of them is in it.
   */
  incidentDeliveries(
    incident: Incident,
    transition: IncidentTransition,
    now: number,
    rules: readonly string[] = [incident.rule],
  ): Delivery[] {
    const school = this.o.registry.schools.get(incident.school)
    if (!school) return []
    const n = school.notifications
    const view = incidentView(incident, this.o.registry)
    const out: Delivery[] = []
    const newest = rules[rules.length - 1] ?? incident.rule
    const before = rules.slice(0, -1)
    for (const w of n.webhooks ?? []) {
      if (w.minSeverity && SEVERITY_RANK[incident.severity as Severity] < SEVERITY_RANK[w.minSeverity])
        continue
      const listed = (r: string) => ruleListed(w.rules, r)
      let event: string | undefined
      if (transition === 'occurred') {
        // Another occurrence of a fault the receiver knows of is not news; the first of its rules is.
        if (listed(newest) && !before.some(listed)) event = 'incident.opened'
      } else if (rules.some(listed)) event = `incident.${transition}`
      if (event)
        out.push({
          channel: 'webhook',
          target: w.url,
          payload: JSON.stringify({ event, incident: view }),
          dueAt: now,
        })
    }
    if (
      this.o.email &&
      (transition === 'opened' || transition === 'worsened' || transition === 'escalated')
    ) {
      const roles = matchRule(n.routes, incident.rule) ?? matchRule(DEFAULT_ROUTES, incident.rule) ?? []
      const to = new Set<string>()
      for (const role of roles) for (const addr of n.contacts?.[role] ?? []) to.add(addr)
      if (transition === 'escalated') for (const addr of n.contacts?.escalation ?? []) to.add(addr)
      const digest =
        n.digest &&
        transition === 'opened' &&
        ruleListed(n.digest.rules ?? DEFAULT_DIGEST_RULES, incident.rule)
      const mail = JSON.stringify(renderEmail(view, transition, school))
      for (const addr of to) {
        out.push(
          digest
            ? {
                channel: 'digest',
                target: addr,
                payload: mail,
                dueAt: this.nextDigest(school, n.digest!.at, now),
              }
            : { channel: 'email', target: addr, payload: mail, dueAt: now },
        )
      }
    }
    return out
  }

  private nextDigest(school: School, at: string, now: number): number {
    let cal = this.calendars.get(school.id)
    if (!cal) {
      cal = new SchoolCalendar(school)
      this.calendars.set(school.id, cal)
    }
    const [h, m] = at.split(':').map(Number) as [number, number]
    const today = cal.local(now).date
    let due = cal.startOfDay(today) + (h * 60 + m) * 60_000
    if (due <= now) {
      const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
      due = cal.startOfDay(tomorrow) + (h * 60 + m) * 60_000
    }
    return due
  }
}

export interface Email {
  subject: string
  text: string
}

export function renderEmail(i: IncidentView, transition: IncidentTransition, school: School): Email {
  const head = transition === 'escalated' ? '[ESCALATED] ' : transition === 'worsened' ? '[WORSE] ' : ''
  const subject = `${head}[${i.severity}] ${school.name}: ${i.message}`
  const evidence = Object.entries(i.evidence)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join('\n')
  const text = `${i.message}

School:   ${school.name} (${i.school})
Building: ${i.building}${i.space ? `\nSpace:    ${i.space}` : ''}
Meter:    ${i.meter}
Rule:     ${i.rule}
Severity: ${i.severity}
Since:    ${i.openedAt}
Incident: #${i.id} (${i.status}, seen ${i.occurrences} time${i.occurrences === 1 ? '' : 's'})

Evidence:
${evidence}

Acknowledge: POST /api/v1/incidents/${i.id}/ack   Resolve: POST /api/v1/incidents/${i.id}/resolve
`
  return { subject, text }
}
