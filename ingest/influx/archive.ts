/**
 * The archive part: with INFLUX_URL set, every reading, alert transition, hour of use and monthly
 * report goes to InfluxDB (batched, retried, spooled to DATA_DIR/spool while InfluxDB is away).
 * Without it nothing is archived, the service still decides everything, and says so at start.
 */
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Bus } from '../../core/bus.js'
import type { Env } from '../../core/config/env.js'
import { type Message, msg } from '../../core/i18n/index.js'
import type { Metrics } from '../../core/metrics.js'
import type { Meter } from '../../core/registry.js'
import type { HourRollup, Store } from '../../store/index.js'
import { influxTransportFromEnv } from './config.js'
import { alertLine, monthlyReportLine, usageHourLines } from './lineProtocol.js'
import { Spool } from './spool.js'
import { routeClientLogs, V1Transport } from './transport.js'
import { InfluxWriter } from './writer.js'

export interface ArchiveOptions {
  env: Env
  dataDir: string
  store: Store
  bus: Bus
  metrics: Metrics
  log: Logger
}

export class Archive {
  /** InfluxDB's writer, once started; undefined when no InfluxDB is configured. */
  writer: InfluxWriter | undefined
  private off: (() => void) | undefined

  constructor(private readonly o: ArchiveOptions) {}

  /** Whether anything is archived (known once started). */
  get on(): boolean {
    return this.writer !== undefined
  }

  async start(): Promise<void> {
    const { env, dataDir, store, metrics, log } = this.o
    const transport = influxTransportFromEnv(env)
    if (!transport) {
      log.warn(
        "INFLUX_URL is not set: raw readings are NOT archived (they are still checked, counted and kept as each meter's last reading); " +
          'set INFLUX_URL with INFLUX_DATABASE (1.x) or INFLUX_TOKEN/INFLUX_ORG/INFLUX_BUCKET (2.x/3.x) to archive them.',
      )
      return
    }
    routeClientLogs(log)
    if (transport instanceof V1Transport) {
      await transport.ensureDatabase().catch((err: Error) => {
        log.warn({ err: err.message }, 'could not make sure the InfluxDB database exists; writes will tell')
      })
    }
    const spool = new Spool(join(dataDir, 'spool'), store, env.SPOOL_MAX_BYTES)
    const found = spool.open()
    if (found.segments > 0) log.info(found, 'the spool holds readings from an earlier run; replaying them')
    const writer = new InfluxWriter(transport, spool, metrics, log, {
      batchLines: env.INFLUX_BATCH_LINES,
      flushIntervalMs: env.INFLUX_FLUSH_MS,
      maxQueuedLines: env.INFLUX_MAX_QUEUED_LINES,
      rejectedDir: join(dataDir, 'spool', 'refused'),
    })
    writer.start()
    this.writer = writer
    log.info(`archiving readings to InfluxDB at ${transport.target}`)
    this.off = this.o.bus.on('alert', ({ alert, transition, at }) =>
      writer.write(alertLine(alert, transition, at)),
    )
  }

  /** Sends what is buffered (or leaves it in the spool for the next start). */
  async stop(): Promise<void> {
    this.off?.()
    await this.writer?.close()
  }

  /** A meter-hour's new totals (`usage_hourly`). */
  usageHour(meter: Meter, rollup: HourRollup): void {
    const writer = this.writer
    if (!writer) return
    for (const line of usageHourLines(meter, rollup.hour, rollup.used, rollup.usedUnoccupied))
      writer.write(line)
  }

  /** A row of a school's monthly report (`monthly_report`), at the start of its month. */
  monthlyReport(row: { school: string; utility: string }, monthStart: number): void {
    this.writer?.write(monthlyReportLine(row, monthStart))
  }

  /** InfluxDB's part of /health. */
  health(): { ok: boolean; detail: Message } {
    if (!this.writer) return { ok: true, detail: msg('health.influx.off') }
    const s = this.writer.status()
    return s.state === 'up'
      ? { ok: true, detail: msg('health.influx.up', { target: s.target, lines: s.spool.lines }) }
      : {
          ok: false,
          detail: msg('health.influx.down', {
            target: s.target,
            error: s.lastError ?? '—',
            lines: s.spool.lines,
          }),
        }
  }
}
