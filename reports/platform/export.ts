/**
 * The daily package on a schedule: every night at `district.platform.at` (default 01:30, the
 * district's time), yesterday's package is written to DATA_DIR/platform/<id><date>.zip, ready for
 * the upload the provincial platform prescribes. Written aside and renamed, so a half-written
 * file is never there to be sent.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from 'pino'
import { writeFileAtomically } from '../../core/files.js'
import { Jobs } from '../../core/jobs.js'
import type { Registry } from '../../core/registry.js'
import type { Store } from '../../store/index.js'
import { buildPackage } from './package.js'

export interface PlatformExportOptions {
  registry: Registry
  store: Store
  /** Where packages are written: DATA_DIR/platform. */
  dir: string
  log: Logger
  /** Called before a package is built, so that rollups still in memory are counted. */
  flush?: () => void
}

export const DEFAULT_EXPORT_AT = '01:30'

export class PlatformExport {
  private task: ScheduledTask | undefined
  private readonly jobs = new Jobs()

  constructor(private readonly o: PlatformExportOptions) {}

  /** The district's time zone: its first school's. */
  private get zone(): string {
    return [...this.o.registry.schools.values()][0]?.timezone ?? 'Asia/Shanghai'
  }

  start(): void {
    const platform = this.o.registry.district?.platform
    if (!platform) return
    const [hh, mm] = (platform.at ?? DEFAULT_EXPORT_AT).split(':').map(Number)
    this.task = cron.schedule(
      `${mm} ${hh} * * *`,
      () =>
        this.jobs.run(async () => {
          try {
            await this.write(DateTime.now().setZone(this.zone).minus({ days: 1 }).toISODate()!)
          } catch (err) {
            this.o.log.error({ err }, 'platform package failed')
          }
        }),
      { timezone: this.zone },
    )
  }

  /** Stops the schedule, then waits for a package being written. */
  async stop(): Promise<void> {
    void this.task?.stop()
    this.task = undefined
    await this.jobs.settled()
  }

  /** Writes one day's package; returns its file. */
  async write(date: string): Promise<string> {
    this.o.flush?.()
    const pkg = await buildPackage({ registry: this.o.registry, store: this.o.store, date })
    mkdirSync(this.o.dir, { recursive: true })
    const file = join(this.o.dir, `${pkg.name}.zip`)
    writeFileAtomically(file, pkg.zip())
    if (pkg.uncoded.length > 0)
      this.o.log.warn({ buildings: pkg.uncoded }, 'buildings without a platform code left out of the package')
    this.o.log.info({ file, date }, 'platform package written')
    return file
  }
}
