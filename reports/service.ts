/**
 * The reports part: what reports keep on the stream (hourly rollups, classroom temperatures) and
 * what runs on the schools' clocks — each school's month to date every night at 02:00 (and the
 * finished month on the 1st), its start-of-term checklist at 08:00 seven days before a term, the
 * provincial platform's daily package, quotas projected to the end of term. Reports never need
 * InfluxDB; with it, hourly use and monthly rows are archived there too.
 */
import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from 'pino'
import type { Bus } from '../core/bus.js'
import { SchoolCalendar } from '../core/calendar.js'
import { Jobs } from '../core/jobs.js'
import type { Meter, Registry, School } from '../core/registry.js'
import { formatInstant } from '../core/time.js'
import type { IngestService } from '../ingest/index.js'
import type { AlertManager } from '../rules/index.js'
import type { HourRollup, Store } from '../store/index.js'
import { RoomTemperatures } from './heating.js'
import { MonthlyReports, shiftMonth } from './monthly.js'
import { PlatformExport } from './platform/export.js'
import { QuotaWatch } from './quotaWatch.js'
import { notifyReadiness, READINESS_DAYS_BEFORE, Readiness } from './readiness.js'
import { ROLLUPS_KEY, Rollups } from './rollups.js'

/** Where hourly use and monthly rows are archived (InfluxDB), when anywhere. */
export interface ReportArchive {
  readonly on: boolean
  usageHour(meter: Meter, rollup: HourRollup): void
  monthlyReport(row: { school: string; utility: string }, monthStart: number): void
}

export interface ReportsServiceOptions {
  registry: Registry
  /**
   * The whole district, when `registry` is one shard of it (SHARD): the monthly reports and the
   * ranking read every school's history, mirrored to PostgreSQL by each worker (store/mirror.ts).
   */
  district?: Registry
  /**
   * Whether this worker writes the provincial platform's daily package (of `district` when given):
   * with shards, one worker does it for the whole district. Default true.
   */
  writesPlatformPackage?: boolean
  store: Store
  bus: Bus
  log: Logger
  /** Started before this part. */
  archive: ReportArchive
  /** Quota incidents are raised and cleared through the alert lifecycle. */
  alerts: AlertManager
  /**
   * Ingest, started after this part: the journal position the rollups save with what they counted
   * (so that its replay after a crash does not count a reading twice); whether it is replaying
   * (classroom temperatures, saved on their own, skip the replay); when each meter was last heard
   * from (the start-of-term checklist).
   */
  ingest: Pick<IngestService, 'progress' | 'replaying' | 'status'>
  /** Whether readiness checklists are e-mailed (SMTP_URL is set). */
  email: boolean
  /** Called once readiness messages are in the outbox (wakes the notifier). */
  notify: () => void
  /** Where the platform's daily packages are written (DATA_DIR/platform). */
  platformDir: string
}

export class ReportsService {
  readonly rollups: Rollups
  readonly monthly: MonthlyReports
  readonly readiness: Readiness
  private readonly roomTemperatures: RoomTemperatures
  private readonly platformExport: PlatformExport
  private readonly quotaWatch: QuotaWatch
  private readonly schedules: ScheduledTask[] = []
  private readonly jobs = new Jobs()

  constructor(private readonly o: ReportsServiceOptions) {
    const { registry, store, bus, log, archive, ingest } = o
    const flush = () => this.rollups.flush()
    this.rollups = new Rollups({
      registry,
      store,
      bus,
      log,
      // Flushed on their own (reports need them current); the journal position they cover is recorded with them.
      ...ingest.progress(ROLLUPS_KEY),
      ...(archive.on ? { onHour: (m: Meter, r: HourRollup) => archive.usageHour(m, r) } : {}),
    })
    this.monthly = new MonthlyReports({ registry: o.district ?? registry, store, flush })
    const lastReceivedAt = (id: string) => ingest.status(id)?.lastReceivedAt
    this.readiness = new Readiness({ registry, store, lastReceivedAt })
    // Classroom temperatures per hour, for the heating compliance report.
    this.roomTemperatures = new RoomTemperatures({ store, bus, log, skip: () => ingest.replaying })
    // The day's package for the provincial energy platform, written every night (reports/platform).
    this.platformExport = new PlatformExport({
      registry: o.district ?? registry,
      store,
      dir: o.platformDir,
      log,
      flush,
    })
    // Quotas projected to the end of term every night; an incident when a school is on track to exceed.
    this.quotaWatch = new QuotaWatch({ registry, store, alerts: o.alerts, log, flush })
  }

  start(): void {
    // Increments a flush cut short by a crash had staged never counted: the journal replays their readings.
    this.o.store.rollups.discardStaged()
    this.rollups.start()
    this.roomTemperatures.start()
    // With the app store on PostgreSQL: the history's mirror catches up, then follows every flush.
    this.o.store.mirror?.start()
    // Each school's reports on its own clock.
    for (const school of this.o.registry.schools.values()) {
      const clock = { timezone: school.timezone }
      this.schedules.push(
        cron.schedule('0 2 * * *', () => this.jobs.run(() => this.nightly(school)), clock),
        cron.schedule('0 8 * * *', () => this.jobs.run(() => this.morning(school)), clock),
      )
    }
    if (this.o.writesPlatformPackage !== false) this.platformExport.start()
    this.quotaWatch.start()
  }

  /** Stops the schedules, then waits for a job under way (a report, a checklist, a quota check) to end. */
  async stop(): Promise<void> {
    for (const task of this.schedules.splice(0)) void task.stop()
    await Promise.all([this.platformExport.stop(), this.quotaWatch.stop(), this.jobs.settled()])
    this.roomTemperatures.stop()
    this.rollups.stop()
    // What the last flushes wrote, mirrored before the store closes (store/mirror.ts).
    await this.o.store.mirror?.stop()
  }

  /** Computes a month's rows (as the nightly schedule does) and, with InfluxDB, archives them; returns how many. */
  async publishMonthly(month: string, schoolId?: string): Promise<number> {
    const { archive, log } = this.o
    // On a shard's worker, asked for the whole district: every school's rows, as the ranking has them.
    const registry = this.o.district ?? this.o.registry
    const rows = await this.monthly.monthly(month, schoolId)
    if (archive.on) {
      for (const r of rows) {
        const school = registry.schools.get(r.school)!
        archive.monthlyReport(r, new SchoolCalendar(school).startOfMonth(month))
      }
    }
    log.info({ school: schoolId ?? 'all', month, rows: rows.length }, 'monthly report computed')
    return rows.length
  }

  /**
   * Writes the rollups still in memory; resolves once their totals are handed to the archive and,
   * with the app store on PostgreSQL, mirrored there.
   */
  async flushRollups(): Promise<void> {
    this.rollups.flush()
    this.roomTemperatures.flush()
    await Promise.all([this.rollups.whenAnnounced(), this.o.store.mirror?.synced()])
  }

  /** 02:00 at the school: its month to date, and on the 1st the month just finished. */
  private async nightly(school: School): Promise<void> {
    try {
      const today = formatInstant(Date.now(), school.timezone).slice(0, 10)
      const month = today.slice(0, 7)
      for (const m of today.endsWith('-01') ? [month, shiftMonth(month, -1)] : [month])
        await this.publishMonthly(m, school.id)
    } catch (err) {
      this.o.log.error({ err, school: school.id }, 'monthly report failed')
    }
  }

  /** 08:00 at the school: seven days before a term, its readiness checklist to the people who prepare it. */
  private async morning(school: School): Promise<void> {
    const { store, log } = this.o
    try {
      const report = await this.readiness.check(school)
      if (
        report?.daysToTerm === READINESS_DAYS_BEFORE &&
        (await store.readiness.save(school.id, report.term.start, report))
      ) {
        await notifyReadiness(store, school, report, this.o.email)
        this.o.notify()
        log.info({ school: school.id, ready: report.ready }, 'start-of-term readiness sent')
      }
    } catch (err) {
      log.error({ err, school: school.id }, 'readiness check failed')
    }
  }
}
