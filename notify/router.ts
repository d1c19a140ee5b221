/**
 * Who hears of what, and how. Machines hear of every alert transition on MQTT
 * (`schools/{school}/alerts`, CONTRACT.md). People hear of incidents — one message per fault, not
 * one per rule and meter it trips — on every channel that reaches them: the webhooks and group
 * robots that ask for the incident's rules, and e-mail to the people the rule is routed to (leaks
 * and heating faults to maintenance, waste and dorm appliances to the facility manager) when an
 * incident opens, worsens or escalates, at once or in the daily digest for waste that can wait.
 * Escalations go to the same people again and to the escalation contacts.
 *
 * What people are sent is a notice (channel.ts), rendered by each channel when it sends, in its
 * reader's language; what machines are sent is written here, once, as the contract says.
 */
import type {
  Alert,
  AlertTransition,
  Delivery,
  DeliveryPlanner,
  Incident,
  IncidentTransition,
  TransitionEvent,
} from '../core/alert.js'
import { SchoolCalendar } from '../core/calendar.js'
import type { Registry, School } from '../core/registry.js'
import { alertView } from '../core/views.js'
import { type Channel, type Notice, SEVERITY_PRIORITY } from './channel.js'
import { defaultChannels } from './channels/index.js'
import { contactsOf, DEFAULT_DIGEST_RULES, routedRoles, ruleListed } from './contacts.js'
import { ChannelTargets } from './targets.js'

/** Settings every target that asks for some incidents shares (webhooks, group robots). */
interface Filter {
  rules?: string[]
  minSeverity?: 'info' | 'warning' | 'critical'
}

export interface RouterOptions {
  registry: Registry
  /** E-mail can be sent (SMTP is configured). */
  email?: boolean
  /** The channels (default: every built-in one, without a way to send). */
  channels?: readonly Channel[]
  targets?: ChannelTargets
  /** Where `urlEnv` and `secretEnv` point. */
  env?: Record<string, string | undefined>
}

export class Router implements DeliveryPlanner {
  private readonly calendars = new Map<string, SchoolCalendar>()
  readonly channels: readonly Channel[]
  readonly targets: ChannelTargets

  constructor(private readonly o: RouterOptions) {
    this.channels = o.channels ?? defaultChannels({ env: o.env ?? process.env })
    this.targets = o.targets ?? new ChannelTargets(o.registry, this.channels)
  }

  /** Every alert transition, for machines. */
  alertDeliveries(alert: Alert, transition: AlertTransition, now: number): Delivery[] {
    const school = this.o.registry.schools.get(alert.school)
    if (!school || school.notifications.mqtt === false) return []
    if (!this.channels.some((c) => c.name === 'mqtt')) return []
    const view = alertView(alert, this.o.registry)
    return [
      {
        channel: 'mqtt',
        target: `schools/${school.id}/alerts`,
        payload: JSON.stringify({ ...view, transition }),
        dueAt: now,
        priority: SEVERITY_PRIORITY[alert.severity],
      },
    ]
  }

  /**
   * Incident transitions, for people. `rules` are the rules of the incident's alerts, oldest
   * first: a target that asks for some rules hears of the incident once the first alert of one of
   * them is in it — as its opening.
   */
  incidentDeliveries(
    incident: Incident,
    transition: IncidentTransition,
    now: number,
    rules: readonly string[] = [incident.rule],
    event: TransitionEvent = { at: now },
  ): Delivery[] {
    const school = this.o.registry.schools.get(incident.school)
    if (!school) return []
    const notice: Notice = {
      kind: 'incident',
      transition,
      incident,
      at: event.at,
      ...(event.by !== undefined ? { by: event.by } : {}),
      ...(event.note !== undefined ? { note: event.note } : {}),
      roles: routedRoles(school, incident.rule, transition),
    }
    const priority = SEVERITY_PRIORITY[incident.severity]
    const out: Delivery[] = []
    for (const channel of this.channels) {
      if (channel.audience !== 'people') continue
      if (channel.reach === 'targets') {
        for (const target of this.targets.of(school, channel.name)) {
          if (channel.ready && !channel.ready(target.config)) continue
          const told = this.toldAs(target.config as Filter, incident, transition, rules)
          if (!told || !channel.transitions.includes(told)) continue
          out.push({
            channel: channel.name,
            target: target.id,
            payload: JSON.stringify({ ...notice, transition: told }),
            dueAt: now,
            priority,
          })
        }
      } else if (channel.reach === 'contacts' && this.o.email && channel.transitions.includes(transition)) {
        out.push(...this.mail(school, notice, now, priority))
      }
    }
    return out
  }

  /** E-mail to the routed contacts, at once or in the daily digest. */
  private mail(school: School, notice: Notice, now: number, priority: number): Delivery[] {
    const n = school.notifications
    const digest =
      n.digest &&
      notice.transition === 'opened' &&
      ruleListed(n.digest.rules ?? DEFAULT_DIGEST_RULES, notice.incident.rule)
    const out: Delivery[] = []
    const seen = new Set<string>()
    for (const contact of contactsOf(school, notice.roles)) {
      if (!contact.email || seen.has(contact.email)) continue
      seen.add(contact.email)
      const payload = JSON.stringify({
        ...notice,
        to: { name: contact.name, ...(contact.locale ? { locale: contact.locale } : {}) },
      })
      out.push(
        digest
          ? {
              channel: 'digest',
              target: contact.email,
              payload,
              dueAt: this.nextDigest(school, n.digest!.at, now),
              priority,
            }
          : { channel: 'email', target: contact.email, payload, dueAt: now, priority },
      )
    }
    return out
  }

  /**
   * How a target that filters by rule and severity sees a transition, or undefined when it does
   * not hear of it: another occurrence of a fault it knows of is not news; the first alert of a
   * rule it asks for is the incident's opening, for it.
   */
  private toldAs(
    filter: Filter,
    incident: Incident,
    transition: IncidentTransition,
    rules: readonly string[],
  ): IncidentTransition | undefined {
    if (filter.minSeverity && SEVERITY_PRIORITY[incident.severity] < SEVERITY_PRIORITY[filter.minSeverity])
      return undefined
    const listed = (r: string) => ruleListed(filter.rules, r)
    const newest = rules[rules.length - 1] ?? incident.rule
    if (transition === 'occurred')
      return listed(newest) && !rules.slice(0, -1).some(listed) ? 'opened' : undefined
    return rules.some(listed) ? transition : undefined
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
