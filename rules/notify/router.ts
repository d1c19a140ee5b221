/**
 * Who hears of an alert transition, and how: MQTT for every transition, webhooks that ask for the
 * rule, and e-mail to the people the rule is routed to (leaks and heating faults to maintenance,
 * waste and dorm appliances to the facility manager) — at once, or in the daily digest for
 * non-urgent waste. Escalations go to the same people again and to the escalation contacts.
 */
import type { Alert, AlertTransition } from '../../core/alert.js'
import { SchoolCalendar } from '../../core/calendar.js'
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

export function alertView(a: Alert, registry: Registry) {
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
    message: a.message,
    evidence: a.evidence,
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

  deliveries(alert: Alert, transition: AlertTransition, now: number): Delivery[] {
    const school = this.o.registry.schools.get(alert.school)
    if (!school) return []
    const n = school.notifications
    const view = alertView(alert, this.o.registry)
    const out: Delivery[] = []
    const event = JSON.stringify({ event: `alert.${transition}`, alert: view })
    if (n.mqtt !== false)
      out.push({
        channel: 'mqtt',
        target: `schools/${school.id}/alerts`,
        payload: JSON.stringify({ ...view, transition }),
        dueAt: now,
      })
    for (const w of n.webhooks ?? []) {
      if (!ruleListed(w.rules, alert.rule)) continue
      if (w.minSeverity && SEVERITY_RANK[alert.severity as Severity] < SEVERITY_RANK[w.minSeverity]) continue
      out.push({ channel: 'webhook', target: w.url, payload: event, dueAt: now })
    }
    if (this.o.email && (transition === 'opened' || transition === 'escalated')) {
      const roles = matchRule(n.routes, alert.rule) ?? matchRule(DEFAULT_ROUTES, alert.rule) ?? []
      const to = new Set<string>()
      for (const role of roles) for (const addr of n.contacts?.[role] ?? []) to.add(addr)
      if (transition === 'escalated') for (const addr of n.contacts?.escalation ?? []) to.add(addr)
      const digest =
        n.digest && transition === 'opened' && ruleListed(n.digest.rules ?? DEFAULT_DIGEST_RULES, alert.rule)
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

export function renderEmail(a: AlertView, transition: AlertTransition, school: School): Email {
  const head = transition === 'escalated' ? '[ESCALATED] ' : ''
  const subject = `${head}[${a.severity}] ${school.name}: ${a.message}`
  const evidence = Object.entries(a.evidence)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join('\n')
  const text = `${a.message}

School:   ${school.name} (${a.school})
Building: ${a.building}${a.space ? `\nSpace:    ${a.space}` : ''}
Meter:    ${a.meter}
Rule:     ${a.rule}
Severity: ${a.severity}
Since:    ${a.openedAt}
Alert:    #${a.id} (${a.status})

Evidence:
${evidence}

Acknowledge: POST /api/v1/alerts/${a.id}/ack   Resolve: POST /api/v1/alerts/${a.id}/resolve
`
  return { subject, text }
}
