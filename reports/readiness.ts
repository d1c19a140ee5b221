/**
 * Start-of-term readiness (RULES.md): seven days before each term, per school, a checklist the
 * logistics office can tick before pupils arrive — every meter reporting in the last day, no open
 * critical alert, and (in the heating season) every heating circuit reaching its supply setpoint.
 */
import { Calendars } from '../core/calendar.js'
import type { Registry, School } from '../core/registry.js'
import { formatInstant } from '../core/time.js'
import type { Store } from '../store/index.js'

export interface ReadinessCheck {
  check: 'meters_reporting' | 'no_open_critical_alerts' | 'heating_reaches_setpoint'
  ok: boolean
  detail: string
  items?: Record<string, unknown>[]
}

export interface ReadinessReport {
  school: string
  name: string
  term: { name?: string; start: string }
  daysToTerm: number
  checkedAt: string
  ready: boolean
  checks: ReadinessCheck[]
}

export interface ReadinessContext {
  registry: Registry
  store: Store
  /** When each meter was last heard from, wall clock. */
  lastReceivedAt: (meterId: string) => number | undefined
  now?: () => number
  /** A circuit reaches its setpoint when its highest supply of the last day is within this. */
  setpointToleranceK?: number
}

const DAY = 86_400_000
export const READINESS_DAYS_BEFORE = 7

export class Readiness {
  private readonly calendars = new Calendars()
  constructor(private readonly ctx: ReadinessContext) {}

  /** The next term that starts after today (local), or undefined. */
  nextTerm(school: School, now: number): { name?: string; start: string } | undefined {
    const today = this.calendars.for(school).local(now).date
    return [...school.calendar.terms]
      .sort((a, b) => a.start.localeCompare(b.start))
      .find((t) => t.start > today)
  }

  check(school: School, now = (this.ctx.now ?? Date.now)()): ReadinessReport | undefined {
    const term = this.nextTerm(school, now)
    if (!term) return undefined
    const cal = this.calendars.for(school)
    const today = cal.local(now).date
    const daysToTerm = Math.round(
      (Date.parse(`${term.start}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY,
    )
    const meters = [...school.meters.values()]
    const silent = meters.filter((m) => {
      const last = this.ctx.lastReceivedAt(m.id)
      return last === undefined || now - last > DAY
    })
    const critical = this.ctx.store.alerts.list({ school: school.id, status: 'active', severity: 'critical' })
    const checks: ReadinessCheck[] = [
      {
        check: 'meters_reporting',
        ok: silent.length === 0,
        detail:
          silent.length === 0
            ? `all ${meters.length} meters reported in the last day`
            : `${silent.length} of ${meters.length} meters silent for over a day`,
        ...(silent.length
          ? {
              items: silent.map((m) => ({
                meter: m.id,
                building: m.building.id,
                lastHeard: lastHeard(this.ctx.lastReceivedAt(m.id), school),
              })),
            }
          : {}),
      },
      {
        check: 'no_open_critical_alerts',
        ok: critical.length === 0,
        detail:
          critical.length === 0 ? 'no open critical alert' : `${critical.length} critical alert(s) open`,
        ...(critical.length
          ? {
              items: critical.map((a) => ({ alert: a.id, rule: a.rule, meter: a.meter, message: a.message })),
            }
          : {}),
      },
    ]
    const termInSeason = cal.heatingSeason(term.start) || cal.heatingSeason(today)
    const circuits = meters.filter((m) => m.kind === 'heat' && m.config.supplySetpointC !== undefined)
    if (circuits.length > 0) {
      const since = cal.local(now - DAY).date
      const tol = this.ctx.setpointToleranceK ?? 5
      const results = circuits.map((m) => {
        const max = this.ctx.store.supply.maxSince(m.id, since)
        return {
          meter: m.id,
          building: m.building.id,
          setpointC: m.config.supplySetpointC!,
          highestSupplyC: max ?? null,
          ok: max !== undefined && max >= m.config.supplySetpointC! - tol,
        }
      })
      const failing = results.filter((x) => !x.ok)
      checks.push(
        termInSeason
          ? {
              check: 'heating_reaches_setpoint',
              ok: failing.length === 0,
              detail:
                failing.length === 0
                  ? `all ${circuits.length} heating circuits reached their setpoint in the last day`
                  : `${failing.length} of ${circuits.length} circuits did not reach their setpoint (−${tol} K) in the last day`,
              items: results,
            }
          : {
              check: 'heating_reaches_setpoint',
              ok: true,
              detail: 'outside the heating season: not checked',
            },
      )
    }
    return {
      school: school.id,
      name: school.name,
      term,
      daysToTerm,
      checkedAt: formatInstant(now, school.timezone),
      ready: checks.every((c) => c.ok),
      checks,
    }
  }
}

function lastHeard(ms: number | undefined, school: School): string {
  return ms === undefined ? 'never' : formatInstant(ms, school.timezone)
}

/** The checklist as one e-mail. */
export function renderReadiness(r: ReadinessReport): { subject: string; text: string } {
  const lines = r.checks.map((c) => {
    const items = (c.items ?? [])
      .filter((i) => i.ok !== true)
      .map((i) => `      - ${Object.values(i).join(', ')}`)
    return [`  [${c.ok ? 'x' : ' '}] ${c.detail}`, ...items].join('\n')
  })
  return {
    subject: `${r.ready ? 'Ready' : 'NOT ready'} for the new term: ${r.name}, term starts ${r.term.start}`,
    text: `Start-of-term check for ${r.name} (${r.school}), ${r.daysToTerm} days before ${r.term.name ?? 'the term'} starts on ${r.term.start}.\n\n${lines.join('\n')}\n\nChecked ${r.checkedAt}.\n`,
  }
}

/**
 * Puts a readiness checklist in the notification outbox, once per school and term: MQTT
 * `schools/{school}/readiness`, the school's webhooks (event `readiness`), and one e-mail to the
 * facility manager and maintenance.
 */
export function notifyReadiness(
  store: Store,
  school: School,
  report: ReadinessReport,
  email: boolean,
  now = Date.now(),
): void {
  const key = `readiness|${school.id}|${report.term.start}`
  const n = school.notifications
  store.db.transaction(() => {
    if (n.mqtt !== false)
      store.outbox.enqueueMessage(
        key,
        'mqtt',
        `schools/${school.id}/readiness`,
        JSON.stringify(report),
        now,
        now,
      )
    const body = JSON.stringify({ event: 'readiness', school: school.id, report })
    for (const w of n.webhooks ?? []) store.outbox.enqueueMessage(key, 'webhook', w.url, body, now, now)
    if (email) {
      const mail = JSON.stringify(renderReadiness(report))
      for (const to of new Set([...(n.contacts?.facilities ?? []), ...(n.contacts?.maintenance ?? [])])) {
        store.outbox.enqueueMessage(key, 'email', to, mail, now, now)
      }
    }
  })()
}
