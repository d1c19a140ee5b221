/**
 * Start-of-term readiness (RULES.md): seven days before each term, per school, a checklist the
 * logistics office can tick before pupils arrive — every meter reporting in the last day, no open
 * critical alert, and (in the heating season) every heating circuit reaching its supply setpoint.
 */
import { Calendars } from '../core/calendar.js'
import {
  formatDate,
  formatDateTime,
  formatDaysFromNow,
  formatQuantity,
  type Locale,
  type Message,
  msg,
  render,
  t,
} from '../core/i18n/index.js'
import type { Registry, School } from '../core/registry.js'
import { formatInstant } from '../core/time.js'
import type { Store } from '../store/index.js'

export interface ReadinessCheck {
  check: 'meters_reporting' | 'no_open_critical_alerts' | 'heating_reaches_setpoint'
  ok: boolean
  /** The line of the checklist, in the language the report was made for. */
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

  /** The checklist of the school's next term, written in `locale` (the school's by default). */
  async check(
    school: School,
    now = (this.ctx.now ?? Date.now)(),
    locale: Locale = school.locale,
  ): Promise<ReadinessReport | undefined> {
    const say = (m: Message) => render(locale, m)
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
    const critical = await this.ctx.store.alerts.list({
      school: school.id,
      status: 'active',
      severity: 'critical',
    })
    const checks: ReadinessCheck[] = [
      {
        check: 'meters_reporting',
        ok: silent.length === 0,
        detail: say(
          silent.length === 0
            ? msg('readiness.metersReporting.ok', { count: meters.length })
            : msg('readiness.metersReporting.silent', { silent: silent.length, total: meters.length }),
        ),
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
        detail: say(
          critical.length === 0
            ? msg('readiness.critical.none')
            : msg('readiness.critical.open', { count: critical.length }),
        ),
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
      const results = []
      for (const m of circuits) {
        const max = await this.ctx.store.history.supplyMaxSince(m.id, since)
        results.push({
          meter: m.id,
          building: m.building.id,
          setpointC: m.config.supplySetpointC!,
          highestSupplyC: max ?? null,
          ok: max !== undefined && max >= m.config.supplySetpointC! - tol,
        })
      }
      const failing = results.filter((x) => !x.ok)
      checks.push(
        termInSeason
          ? {
              check: 'heating_reaches_setpoint',
              ok: failing.length === 0,
              detail: say(
                failing.length === 0
                  ? msg('readiness.heating.ok', { count: circuits.length })
                  : msg('readiness.heating.failing', {
                      failing: failing.length,
                      total: circuits.length,
                      tolerance: tol,
                    }),
              ),
              items: results,
            }
          : {
              check: 'heating_reaches_setpoint',
              ok: true,
              detail: say(msg('readiness.heating.offSeason')),
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

/** The term as a reader names it: its own name, or "the term". */
function termName(locale: Locale, r: ReadinessReport): string {
  return r.term.name ?? t(locale, 'readiness.term')
}

/** A checklist item that failed, as a line: which meter, alert or circuit, and what is wrong with it. */
export function itemLine(
  locale: Locale,
  check: ReadinessCheck['check'],
  item: Record<string, unknown>,
  zone: string,
) {
  const s = (v: unknown) => String(v ?? '')
  switch (check) {
    case 'meters_reporting': {
      const heard = Date.parse(s(item.lastHeard))
      return t(locale, 'readiness.item.silent', {
        meter: s(item.meter),
        building: s(item.building),
        lastHeard: Number.isNaN(heard) ? t(locale, 'readiness.never') : formatDateTime(locale, heard, zone),
      })
    }
    case 'no_open_critical_alerts':
      return t(locale, 'readiness.item.alert', {
        id: s(item.alert),
        rule: s(item.rule),
        meter: s(item.meter),
        message: s(item.message),
      })
    case 'heating_reaches_setpoint':
      return t(locale, 'readiness.item.circuit', {
        meter: s(item.meter),
        building: s(item.building),
        highest:
          typeof item.highestSupplyC === 'number'
            ? formatQuantity(locale, item.highestSupplyC, 'degC')
            : t(locale, 'readiness.noSupply'),
        setpoint: formatQuantity(locale, Number(item.setpointC), 'degC'),
      })
  }
}

/** The checklist as lines: a box per check, ticked when it passed, the failing items under it. */
export function checklistLines(locale: Locale, r: ReadinessReport, zone: string): string[] {
  return r.checks.flatMap((c) => [
    `  [${c.ok ? 'x' : ' '}] ${c.detail}`,
    ...(c.items ?? [])
      .filter((i) => i.ok !== true)
      .map((i) => `      - ${itemLine(locale, c.check, i, zone)}`),
  ])
}

/** The checklist as one e-mail, in `locale` (the language the report was made in). */
export function renderReadiness(
  r: ReadinessReport,
  locale: Locale,
  zone = 'Asia/Shanghai',
): { subject: string; text: string } {
  const start = formatDate(locale, r.term.start)
  return {
    subject: t(locale, 'readiness.mail.subject', { ready: r.ready, school: r.name, start }),
    text: [
      t(locale, 'readiness.mail.intro', {
        school: r.name,
        id: r.school,
        days: r.daysToTerm,
        term: termName(locale, r),
        start,
      }),
      '',
      ...checklistLines(locale, r, zone),
      '',
      t(locale, 'readiness.mail.checked', { at: formatDateTime(locale, Date.parse(r.checkedAt), zone) }),
      '',
    ].join('\n'),
  }
}

/** One line saying whether a school is ready for its next term, and when that term starts. */
export function readinessHeadline(locale: Locale, r: ReadinessReport): string {
  return t(locale, 'readiness.headline', {
    school: r.name,
    ready: r.ready,
    term: termName(locale, r),
    start: formatDate(locale, r.term.start),
    when: formatDaysFromNow(locale, r.daysToTerm),
  })
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
): Promise<void> {
  const key = `readiness|${school.id}|${report.term.start}`
  const n = school.notifications
  return store.atomically(async (tx) => {
    if (n.mqtt !== false)
      await tx.outbox.enqueueMessage(
        key,
        'mqtt',
        `schools/${school.id}/readiness`,
        JSON.stringify(report),
        now,
        now,
        school.id,
      )
    const body = JSON.stringify({ event: 'readiness', school: school.id, report })
    for (const w of n.webhooks ?? [])
      await tx.outbox.enqueueMessage(key, 'webhook', w.url, body, now, now, school.id)
    if (email) {
      const mail = JSON.stringify(renderReadiness(report, school.locale, school.timezone))
      // A contact is an address, or a person who may have one.
      const contacts = [...(n.contacts?.facilities ?? []), ...(n.contacts?.maintenance ?? [])]
      const addresses = contacts.map((c) => (typeof c === 'string' ? c : c.email))
      for (const to of new Set(addresses.filter((a): a is string => a !== undefined))) {
        await tx.outbox.enqueueMessage(key, 'email', to, mail, now, now, school.id)
      }
    }
  })
}
