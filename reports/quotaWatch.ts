/**
 * Every night, each school's quotas projected to the end of the term and the year: a school on
 * track to exceed one — even if the rest of the period comes out a little lower than projected
 * (reports/quotas.ts, REMAINDER_UNCERTAINTY) — gets an incident (rule `quota.term` or `quota.year`, family `quota`, on its
 * main meter of the utility) saying the day it will cross and by how much; it is updated each night
 * and clears once the projection falls back under 98 % of the quota (a school hovering at the line
 * is not told and untold night after night). Through the alert manager: the incident is notified,
 * acknowledged and resolved like any other.
 */
import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from 'pino'
import { Calendars } from '../core/calendar.js'
import { Jobs } from '../core/jobs.js'
import type { Meter, Registry, School } from '../core/registry.js'
import { type AlertManager, say } from '../rules/index.js'
import type { Store } from '../store/index.js'
import { addDays } from './daily.js'
import { type Projection, QuotaProjections } from './quotas.js'

/** The projection must fall under this share of the quota to clear a warning. */
export const CLEAR_BELOW = 0.98

export interface QuotaWatchOptions {
  registry: Registry
  store: Store
  alerts: AlertManager
  log: Logger
  flush?: () => void
  /** Local time of the nightly check (after the day's readings are in). */
  at?: string
}

const r = (v: number, digits = 0) => Math.round(v * 10 ** digits) / 10 ** digits

export class QuotaWatch {
  private readonly projections: QuotaProjections
  private readonly calendars = new Calendars()
  private tasks: ScheduledTask[] = []
  private readonly jobs = new Jobs()

  constructor(private readonly o: QuotaWatchOptions) {
    this.projections = new QuotaProjections({ store: o.store, ...(o.flush ? { flush: o.flush } : {}) })
  }

  start(): void {
    const [hh, mm] = (this.o.at ?? '02:30').split(':').map(Number)
    for (const school of this.o.registry.schools.values()) {
      if (Object.keys(school.quotas).length === 0) continue
      this.tasks.push(
        cron.schedule(
          `${mm} ${hh} * * *`,
          () =>
            this.jobs.run(async () => {
              try {
                const now = Date.now()
                await this.check(school, addDays(this.calendars.for(school).local(now).date, -1), now)
              } catch (err) {
                this.o.log.error({ err, school: school.id }, 'quota check failed')
              }
            }),
          { timezone: school.timezone },
        ),
      )
    }
  }

  /** Stops the schedules; resolves once a check under way has ended. */
  async stop(): Promise<void> {
    for (const t of this.tasks.splice(0)) void t.stop()
    await this.jobs.settled()
  }

  /** The school's main meter of a utility: where its quota incidents stand. */
  private meterOf(school: School, p: Projection): Meter | undefined {
    return [...school.meters.values()].find((m) => m.kind === p.utility && !m.parent)
  }

  /** Projects a school's quotas from the days up to `asOf`; raises, updates or clears at `ts`. */
  async check(school: School, asOf: string, ts: number): Promise<Projection[]> {
    const projections = await this.projections.forSchool(school, asOf)
    for (const p of projections) {
      const meter = this.meterOf(school, p)
      if (!meter) continue
      const rule = `quota.${p.period.kind}`
      if (p.exceeded || (p.likely && !p.indicative)) {
        await this.o.alerts.raise(rule, meter, verdict(school, p), ts)
      } else if (p.projected < CLEAR_BELOW * p.period.limit) {
        await this.o.alerts.clear(rule, meter, ts)
      }
    }
    return projections
  }
}

function verdict(school: School, p: Projection) {
  const severity = p.exceeded ? ('critical' as const) : ('warning' as const)
  const params = {
    school: school.name,
    utility: p.utility,
    period: p.period.kind,
    name: p.period.name,
    limit: r(p.period.limit),
    projected: r(p.projected),
    overBy: r(p.overBy),
    overPct: r(p.overPct * 100, 1),
    unit: p.unit,
    crossesOn: p.crossesOn ?? p.period.to,
    end: p.period.to,
  }
  return {
    active: true as const,
    severity,
    message: say(p.exceeded ? 'quota.exceeded' : 'quota.onTrack', params),
    evidence: {
      usedToDate: r(p.usedToDate, 1),
      projected: r(p.projected, 1),
      limit: p.period.limit,
      overBy: r(p.overBy, 1),
      overPct: r(p.overPct * 100, 1),
      crossesOn: p.crossesOn ?? '',
      periodFrom: p.period.from,
      periodTo: p.period.to,
      asOf: p.asOf,
      schoolDaysLeft: p.schoolDaysLeft,
      otherDaysLeft: p.otherDaysLeft,
      perSchoolDay: r(p.perSchoolDay, 1),
      perOtherDay: r(p.perOtherDay, 1),
      perDegreeDay: r(p.perDegreeDay, 2),
      unit: p.unit,
    },
  }
}
