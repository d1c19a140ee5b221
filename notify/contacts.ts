/**
 * Who is told: contacts by role (maintenance, facilities, escalation), the routing of rules to
 * roles, and who is on duty now. A contact is a person — a name, a language, an e-mail address,
 * a phone number and user ids to @-mention them in group robots, a rota — or, in the older form,
 * a bare e-mail address.
 */
import type { IncidentTransition } from '../core/alert.js'
import { SchoolCalendar, withinWeeklyHours } from '../core/calendar.js'
import type { ContactConfig, ROLES, WeeklyHoursConfig } from '../core/config/schema.js'
import type { Locale } from '../core/i18n/index.js'
import type { School } from '../core/registry.js'

export type Role = (typeof ROLES)[number]

export interface Contact {
  name: string
  locale?: Locale
  email?: string
  phone?: string
  /** User id per channel (`wecom`, `dingtalk`, `feishu`). */
  ids: Record<string, string>
  onDuty?: WeeklyHoursConfig
}

/** Who hears of a rule's incidents by default: leaks and heating faults are repairs, the rest the facility manager's. */
export const DEFAULT_ROUTES: Record<string, ('maintenance' | 'facilities')[]> = {
  'water.*': ['maintenance'],
  'heat.frost_risk': ['maintenance'],
  'heat.no_heat': ['maintenance'],
  'heat.low_delta_t': ['maintenance'],
  'heat.*': ['facilities'],
  'electricity.*': ['facilities'],
  'meter.*': ['facilities'],
  'quota.*': ['facilities'],
}

/** Rules whose e-mails wait for the daily digest when it is on: waste that can wait a night. */
export const DEFAULT_DIGEST_RULES = ['electricity.after_hours', 'heat.unoccupied_heating', 'heat.overheating']

/** Exact rule ids win over prefixes (`water.*`). */
export function matchRule<T>(table: Record<string, T> | undefined, rule: string): T | undefined {
  if (!table) return undefined
  if (table[rule] !== undefined) return table[rule]
  return table[`${rule.split('.')[0]}.*`]
}

/** Whether a list of rule ids and prefixes holds a rule; no list holds every rule. */
export const ruleListed = (list: readonly string[] | undefined, rule: string): boolean =>
  !list || list.some((r) => r === rule || (r.endsWith('.*') && rule.startsWith(r.slice(0, -1))))

/** The roles an incident of `rule` concerns at a transition; an escalation adds the escalation contacts. */
export function routedRoles(school: School, rule: string, transition: IncidentTransition): Role[] {
  const roles: Role[] = [
    ...(matchRule(school.notifications.routes, rule) ?? matchRule(DEFAULT_ROUTES, rule) ?? []),
  ]
  if (transition === 'escalated' && !roles.includes('escalation')) roles.push('escalation')
  return roles
}

function contactOf(entry: string | ContactConfig): Contact {
  if (typeof entry === 'string') return { name: entry, email: entry, ids: {} }
  return {
    name: entry.name,
    ...(entry.locale ? { locale: entry.locale } : {}),
    ...(entry.email ? { email: entry.email } : {}),
    ...(entry.phone ? { phone: entry.phone } : {}),
    ids: entry.ids ?? {},
    ...(entry.onDuty ? { onDuty: entry.onDuty } : {}),
  }
}

/** The contacts of some roles at a school, each person once (by name and address). */
export function contactsOf(school: School, roles: readonly Role[]): Contact[] {
  const seen = new Set<string>()
  const out: Contact[] = []
  for (const role of roles)
    for (const entry of school.notifications.contacts?.[role] ?? []) {
      const c = contactOf(entry)
      const key = `${c.name}\u0000${c.email ?? ''}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push(c)
    }
  return out
}

/** The e-mail addresses of some roles' contacts (readiness checklists). */
export function emailsOf(school: School, roles: readonly Role[]): string[] {
  return [...new Set(contactsOf(school, roles).flatMap((c) => (c.email ? [c.email] : [])))]
}

const calendars = new WeakMap<School, SchoolCalendar>()

/** Whether a contact is on duty at `now` in the school's time zone; one without a rota always is. */
export function isOnDuty(contact: Contact, school: School, now: number): boolean {
  if (!contact.onDuty) return true
  let cal = calendars.get(school)
  if (!cal) {
    cal = new SchoolCalendar(school)
    calendars.set(school, cal)
  }
  return withinWeeklyHours(contact.onDuty, cal.local(now))
}

/** The people of some roles on duty now. */
export function onDuty(school: School, roles: readonly Role[], now: number): Contact[] {
  return contactsOf(school, roles).filter((c) => isOnDuty(c, school, now))
}
