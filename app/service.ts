/**
 * Wires the parts together and nothing else: config → store → InfluxDB writer → ingest →
 * broker → API. `startService` is what `npm start` runs and what integration tests start in-process.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import cron from 'node-cron'
import type { Logger } from 'pino'
import { apiSecurityFromEnv } from '../api/security.js'
import { buildApi, type PartHealth } from '../api/server.js'
import { Bus } from '../core/bus.js'
import { SchoolCalendar } from '../core/calendar.js'
import { demoEnabled, type Env } from '../core/config/env.js'
import { DEMO_CONFIG_PATH, type LoadedConfig, loadConfigFile } from '../core/config/load.js'
import { msg, render } from '../core/i18n/index.js'
import { LinkSigner, linkSecret } from '../core/links.js'
import { createMetrics, type Metrics } from '../core/metrics.js'
import type { NotCounted, Rejection } from '../core/reading.js'
import { formatInstant } from '../core/time.js'
import { clientTlsFromEnv, embeddedSecurityFromEnv } from '../ingest/broker/security.js'
import {
  alertLine,
  type Broker,
  claimShard,
  EmbeddedBroker,
  ExternalBroker,
  InfluxWriter,
  Ingest,
  influxTransportFromEnv,
  Journal,
  type MessageHandler,
  monthlyReportLine,
  RecentReadings,
  RejectionTally,
  routeClientLogs,
  Spool,
  usageHourLines,
  V1Transport,
} from '../ingest/index.js'
import { Notify } from '../notify/index.js'
import { RoomTemperatures } from '../reports/heating.js'
import {
  MonthlyReports,
  notifyReadiness,
  READINESS_DAYS_BEFORE,
  Readiness,
  Rollups,
  shiftMonth,
} from '../reports/index.js'
import { PlatformExport } from '../reports/platform/export.js'
import { QuotaWatch } from '../reports/quotaWatch.js'
import { AlertManager, RuleEngine } from '../rules/index.js'
import { startDemo } from '../simulator/demo.js'
import { openStore, type Store } from '../store/index.js'
import { webApp } from '../web/index.js'
import { webSecret } from '../web/session.js'
import {
  Admission,
  CHECKPOINT_KEY,
  Checkpoints,
  diskFailureHealth,
  logJournalDamage,
  ROLLUPS_KEY,
  replayJournal,
} from './durability.js'
import { createLogger } from './log.js'

/** The package version, from package.json beside the sources or above dist/. */
export const VERSION: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')).version
    } catch {}
  }
  return 'unknown'
})()

export interface Service {
  env: Env
  log: Logger
  config: LoadedConfig
  store: Store
  metrics: Metrics
  bus: Bus
  ingest: Ingest
  engine: RuleEngine
  alerts: AlertManager
  broker: Broker
  writer?: InfluxWriter
  /** The API's address, e.g. http://127.0.0.1:8080. */
  httpUrl: string
  /** The embedded broker's port (when embedded). */
  mqttPort?: number
  demo: boolean
  /** Computes a month's report now (as the nightly schedule does) and archives it; returns the rows written. */
  reportMonth(month: string, school?: string): number
  /** Writes the rollups still in memory; resolves once their totals are handed to InfluxDB's writer. */
  flushRollups(): Promise<void>
  stop(): Promise<void>
}

export interface StartOptions {
  log?: Logger
  /** Wall clock for the API's offline status (tests). */
  now?: () => number
  /** A sharded worker lost its shard's lease (SHARD, DATABASE_URL): by default the service stops. */
  onShardLost?: (reason: 'taken' | 'expired') => void
}

export async function startService(env: Env, options: StartOptions = {}): Promise<Service> {
  const log = options.log ?? createLogger(env)
  const config = loadConfigFile(env.CONFIG ? resolve(env.CONFIG) : DEMO_CONFIG_PATH)
  // A sharded worker (SHARD) runs on its schools alone; with DATABASE_URL, only once it holds
  // the shard's lease — and then its DATA_DIR is the shard's, shared with its standby.
  const shard = await claimShard({
    env,
    registry: config.registry,
    log,
    onLost: (reason) => (options.onShardLost ? options.onShardLost(reason) : void stopAll()),
  })
  const registry = shard?.registry ?? config.registry
  const dataDir = resolve(env.DATA_DIR)
  const store = openStore(dataDir)
  const cleanups: (() => Promise<void> | void)[] = [() => shard?.release(), () => store.close()]
  const stopAll = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c()
      } catch (err) {
        log.error({ err }, 'error while stopping')
      }
    }
  }
  try {
    store.registry.sync(registry)
    // Before anything listens: an API beyond loopback with no token to ask for refuses to start.
    const apiSecurity = apiSecurityFromEnv(env, store.apiTokens)
    if (apiSecurity.anonymous === 'always' && !apiSecurity.loopbackOnly)
      log.warn(
        `ALLOW_ANONYMOUS=1: the API on ${env.HTTP_HOST} serves anyone without a token, with every right`,
      )
    const metrics = createMetrics()
    const bus = new Bus()
    bus.onError = (err, name) => log.error({ err }, `a ${String(name)} listener failed; carrying on`)

    let writer: InfluxWriter | undefined
    const transport = influxTransportFromEnv(env)
    if (transport) {
      routeClientLogs(log)
      if (transport instanceof V1Transport) {
        await transport.ensureDatabase().catch((err: Error) => {
          log.warn({ err: err.message }, 'could not make sure the InfluxDB database exists; writes will tell')
        })
      }
      const spool = new Spool(join(dataDir, 'spool'), store, env.SPOOL_MAX_BYTES)
      const found = spool.open()
      if (found.segments > 0) log.info(found, 'the spool holds readings from an earlier run; replaying them')
      writer = new InfluxWriter(transport, spool, metrics, log, {
        batchLines: env.INFLUX_BATCH_LINES,
        flushIntervalMs: env.INFLUX_FLUSH_MS,
        maxQueuedLines: env.INFLUX_MAX_QUEUED_LINES,
        rejectedDir: join(dataDir, 'spool', 'refused'),
      })
      writer.start()
      const w = writer
      cleanups.push(() => w.close())
      log.info(`archiving readings to InfluxDB at ${transport.target}`)
    } else {
      log.warn(
        "INFLUX_URL is not set: raw readings are NOT archived (they are still checked, counted and kept as each meter's last reading); " +
          'set INFLUX_URL with INFLUX_DATABASE (1.x) or INFLUX_TOKEN/INFLUX_ORG/INFLUX_BUCKET (2.x/3.x) to archive them.',
      )
    }

    const ingest = new Ingest({
      registry,
      store,
      bus,
      metrics,
      log,
      watermarkMs: env.WATERMARK_SECONDS * 1000,
      limits: {
        maxPayloadBytes: env.MAX_PAYLOAD_BYTES,
        maxBatchReadings: env.MAX_BATCH_READINGS,
        maxFutureMs: 5 * 60_000,
      },
      ...(writer ? { writer } : {}),
      // Saved by the checkpoints below, in step with the journal.
      snapshotIntervalMs: 0,
    })
    const restoreStarted = performance.now()
    // Rows of a checkpoint a crash cut short never counted; they go before anything is restored.
    store.meterState.discardUncommitted()
    const restored = ingest.start()
    cleanups.push(() => ingest.stop())

    // The journal: what arrived since the last checkpoint, replayed after a crash. While the
    // disk refuses its writes (full), nothing is acknowledged and publishers are held back.
    const admission = new Admission(metrics, log)
    const journal = new Journal(join(dataDir, 'journal'), {
      onDamage: (d) => logJournalDamage(log, d),
      onFailure: (failure) => {
        if (failure)
          log.error(
            { path: failure.path, code: failure.code },
            `${failure.diskFull ? 'the disk is full' : 'the disk refuses writes'}: cannot write the ingest journal (${failure.message}); ` +
              'nothing is acknowledged and publishers are held back until it can; trying again every second',
          )
        else log.info('the ingest journal can write again: publishers are read again')
        admission.hold('disk', failure !== undefined)
      },
    })
    const checkpointSeq = store.meta.getNumber(CHECKPOINT_KEY)
    const rollupsThrough = store.meta.getNumber(ROLLUPS_KEY)
    const found = journal.open(checkpointSeq)
    cleanups.push(() => journal.close())
    const replaying = { seq: 0, active: false }

    // Rollups for reports, kept on the stream; reports never need InfluxDB. Increments a flush
    // cut short by a crash had staged never counted: the journal replays their readings.
    store.rollups.discardStaged()
    const rollups = new Rollups({
      registry,
      store,
      bus,
      log,
      // Rollups are flushed on their own (reports need them current); the journal position
      // they cover is recorded with them, so a replay does not count a reading twice.
      onFlush: () => {
        const through = replaying.active ? replaying.seq : journal.lastSeq
        return () => store.meta.set(ROLLUPS_KEY, through)
      },
      skip: () => replaying.active && replaying.seq <= rollupsThrough,
      ...(writer
        ? { onHour: (m, r) => writeAll(writer, usageHourLines(m, r.hour, r.used, r.usedUnoccupied)) }
        : {}),
    })
    rollups.start()
    cleanups.push(() => rollups.stop())
    const reports = new MonthlyReports({ registry, store, flush: () => rollups.flush() })
    // What the web app and the live API draw: each meter's last 48 hours, rejections by school.
    const recent = new RecentReadings({ bus })
    recent.start()
    cleanups.push(() => recent.stop())
    const rejections = new RejectionTally({ bus })
    rejections.start()
    cleanups.push(() => rejections.stop())
    const readiness = new Readiness({
      registry,
      store,
      lastReceivedAt: (id) => ingest.status(id)?.lastReceivedAt,
    })

    // Notifications: who hears of each transition (written with it), and delivery. MQTT goes
    // through the broker, started below; nothing is sent before it is.
    let broker: Broker | undefined
    // One link scheme: the signer of the links in messages is the one the web app's /i/{token} checks.
    const links = new LinkSigner(linkSecret(env, store.meta))
    const notify = new Notify({
      registry,
      store,
      env,
      log,
      metrics,
      links,
      publish: async (topic, payload) => {
        if (!broker) throw new Error('the broker is not running yet')
        return broker.publish(topic, payload)
      },
    })
    // Rules and alerts: the engine listens to ingest's readings on the bus.
    const alerts = new AlertManager({ registry, store, router: notify.router, bus, log, metrics })
    const engine = new RuleEngine({
      registry,
      store,
      bus,
      alerts,
      log,
      metrics,
      lastReceivedAt: (id) => ingest.status(id)?.lastReceivedAt,
      snapshotIntervalMs: 0,
    })
    const rulesRestored = engine.start()
    cleanups.push(() => engine.stop())
    if (writer) {
      const w = writer
      bus.on('alert', ({ alert, transition, at }) => w.write(alertLine(alert, transition, at)))
    }
    const replayed = replayJournal(journal, ingest, checkpointSeq, replaying)
    log.info(
      {
        meters: restored.restoredStatus,
        registers: restored.restoredRegisters,
        ruleStates: rulesRestored.restored,
        journal: { segments: found.segments, bytes: found.bytes, replayedMessages: replayed.messages },
        ms: Math.round(performance.now() - restoreStarted),
      },
      'state restored',
    )

    writer?.onPressure((on) => admission.hold('writer', on))
    const checkpoints = new Checkpoints({
      store,
      journal,
      ...(writer ? { writer } : {}),
      parts: [ingest, engine],
      metrics,
      log,
      intervalMs: env.CHECKPOINT_SECONDS * 1000,
      maxJournalBytes: env.JOURNAL_MAX_BYTES,
      admission,
    })
    checkpoints.start()
    // Runs after the broker has stopped (cleanups run in reverse), before the writer closes.
    cleanups.push(() => checkpoints.stop())

    const embedded = !env.MQTT_URL
    const onMessage: MessageHandler = (topic, payload, qos) => {
      // Another shard's school, from a subscription a persistent session kept: its owner has it.
      if (shard && !shard.owns(topic)) return undefined
      const receivedAt = Date.now()
      if (ingest.handle(topic, payload, receivedAt).decoded === 0) return undefined
      journal.append(topic, payload, receivedAt)
      checkpoints.checkJournal()
      if (qos === 0) return undefined
      // Embedded: the PUBACK waits for the journal's fdatasync, shared by every message that
      // arrived meanwhile. External: mqtt.js handles one message at a time, so the record is
      // written (it survives a crash of the process) before the PUBACK, and synced with the next.
      if (embedded) return journal.durable()
      journal.write()
      return undefined
    }
    broker = env.MQTT_URL
      ? new ExternalBroker({
          url: env.MQTT_URL,
          onMessage,
          admission: admission.wait,
          log,
          ...(env.MQTT_USERNAME !== undefined ? { username: env.MQTT_USERNAME } : {}),
          ...(env.MQTT_PASSWORD !== undefined ? { password: env.MQTT_PASSWORD } : {}),
          ...(env.MQTT_CLIENT_ID !== undefined ? { clientId: env.MQTT_CLIENT_ID } : {}),
          ...(shard ? { clientId: shard.clientId, filters: shard.filters } : {}),
          tls: clientTlsFromEnv(env),
        })
      : new EmbeddedBroker({
          // Logins, topic ACL, limits, TLS; refuses to start an exposed broker open to anyone.
          ...embeddedSecurityFromEnv(env, { credentials: store.gatewayCredentials, metrics, log }),
          host: env.MQTT_HOST,
          port: env.MQTT_PORT,
          onMessage,
          admission: admission.wait,
          log,
        })
    const running = broker
    ingest.onRejected((r) => {
      if (r.school) running.publish(`schools/${r.school}/rejected`, rejectionMessage(r, config))
    })
    await running.start()
    cleanups.push(() => running.stop())
    log.info(`MQTT: ${running.mode} broker, ${running.address}`)

    alerts.onTransition = () => notify.wake()
    notify.start()
    cleanups.push(() => notify.stop())
    // The wall-clock side of the rules: silent meters, and critical alerts nobody acknowledged.
    const minutely = cron.schedule('* * * * *', () => {
      try {
        engine.checkOffline()
        alerts.escalateDue()
      } catch (err) {
        log.error({ err }, 'minutely alert checks failed')
      }
    })
    cleanups.push(() => minutely.stop())
    /** Computes a month's rows and, with InfluxDB, writes them to `monthly_report`. */
    const publishMonthly = (month: string, schoolId?: string) => {
      const rows = reports.monthly(month, schoolId)
      if (writer) {
        for (const r of rows) {
          const school = registry.schools.get(r.school)!
          writer.write(monthlyReportLine(r, new SchoolCalendar(school).startOfMonth(month)))
        }
      }
      log.info({ school: schoolId ?? 'all', month, rows: rows.length }, 'monthly report computed')
      return rows.length
    }
    for (const school of registry.schools.values()) {
      // Each school's reports on its own clock: month to date every night at 02:00 (and the
      // finished month on the 1st), the start-of-term checklist at 08:00 seven days before a term.
      const nightly = cron.schedule(
        '0 2 * * *',
        () => {
          try {
            const today = formatInstant(Date.now(), school.timezone).slice(0, 10)
            const month = today.slice(0, 7)
            for (const m of today.endsWith('-01') ? [month, shiftMonth(month, -1)] : [month])
              publishMonthly(m, school.id)
          } catch (err) {
            log.error({ err, school: school.id }, 'monthly report failed')
          }
        },
        { timezone: school.timezone },
      )
      const morning = cron.schedule(
        '0 8 * * *',
        () => {
          try {
            const report = readiness.check(school)
            if (
              report?.daysToTerm === READINESS_DAYS_BEFORE &&
              store.readiness.save(school.id, report.term.start, report)
            ) {
              notifyReadiness(store, school, report, !!env.SMTP_URL)
              notify.wake()
              log.info({ school: school.id, ready: report.ready }, 'start-of-term readiness sent')
            }
          } catch (err) {
            log.error({ err, school: school.id }, 'readiness check failed')
          }
        },
        { timezone: school.timezone },
      )
      cleanups.push(() => {
        nightly.stop()
        morning.stop()
      })
    }

    // The day's package for the provincial energy platform, written every night (reports/platform).
    const platformExport = new PlatformExport({
      registry,
      store,
      dir: join(dataDir, 'platform'),
      log,
      flush: () => rollups.flush(),
    })
    platformExport.start()
    cleanups.push(() => platformExport.stop())
    // Quotas projected to the end of term every night; an incident when a school is on track to exceed.
    const quotaWatch = new QuotaWatch({ registry, store, alerts, log, flush: () => rollups.flush() })
    quotaWatch.start()
    cleanups.push(() => quotaWatch.stop())
    // Classroom temperatures per hour, for the heating compliance report.
    const roomTemperatures = new RoomTemperatures({ store, bus, log })
    roomTemperatures.start()
    cleanups.push(() => roomTemperatures.stop())

    const api = await buildApi({
      registry,
      alerts,
      store,
      reports,
      readiness,
      metrics,
      log,
      version: VERSION,
      security: apiSecurity,
      recent,
      rejections,
      flushRollups: () => rollups.flush(),
      pages: (live) => async (app) => {
        await app.register(webApp, {
          ...live,
          alerts,
          log,
          readiness,
          links,
          secret: webSecret(store.meta),
          ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
          security: apiSecurity,
        })
      },
      meterStatus: (id) => ingest.status(id),
      health: () => {
        let storeHealth: PartHealth = {
          ok: true,
          detail: msg('health.store.ok', { file: join(dataDir, 'schoolmeter.db') }),
        }
        try {
          store.check()
        } catch (err) {
          storeHealth = { ok: false, detail: msg('health.store.failed', { error: (err as Error).message }) }
        }
        let influx: PartHealth = { ok: true, detail: msg('health.influx.off') }
        if (writer) {
          const s = writer.status()
          influx =
            s.state === 'up'
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
        const failure = journal.failure
        if (failure) {
          const disk = diskFailureHealth(failure)
          return { ingest: disk.part, store: storeHealth, influx, archive: !!writer, message: disk.message }
        }
        return { ingest: broker.health(), store: storeHealth, influx, archive: !!writer }
      },
      ...(options.now ? { now: options.now } : {}),
    })
    await api.listen({ port: env.HTTP_PORT, host: env.HTTP_HOST })
    // The API goes first on the way down, so nobody reads a half-stopped service as healthy.
    cleanups.push(() => api.close())

    const demo = demoEnabled(env)
    if (demo) {
      // The simulator is a client like any gateway: it publishes through the broker.
      const host = env.MQTT_HOST === '0.0.0.0' || env.MQTT_HOST === '::' ? '127.0.0.1' : env.MQTT_HOST
      const url =
        env.MQTT_URL ?? `mqtt://${host.includes(':') ? `[${host}]` : host}:${(broker as EmbeddedBroker).port}`
      // Where logins are checked, the simulator uses the service's own (made at start, never stored).
      const login =
        broker instanceof EmbeddedBroker
          ? broker.internalLogin
          : env.MQTT_USERNAME !== undefined
            ? { username: env.MQTT_USERNAME, password: env.MQTT_PASSWORD ?? '' }
            : undefined
      // A restarted demo continues from what the service holds, rather than sending its history again.
      const held = [...registry.meters.keys()]
        .map((id) => ingest.status(id)?.lastTs)
        .filter((t) => t !== undefined)
      const sim = await startDemo({
        registry,
        url,
        log,
        ...login,
        ...(held.length > 0 ? { resumeFrom: Math.min(...held) } : {}),
      })
      // Stopped before the API and the broker, so that nothing publishes into a closing service.
      cleanups.push(() => sim.stop())
      log.info('demo: simulating the demo district (DEMO=0 or a CONFIG of your own turns this off)')
    }
    const address = api.server.address()
    const port = typeof address === 'object' && address ? address.port : env.HTTP_PORT
    const httpUrl = `http://${env.HTTP_HOST.includes(':') ? `[${env.HTTP_HOST}]` : env.HTTP_HOST}:${port}`
    log.info(
      `schoolmeter ${VERSION} ready: web app ${httpUrl}/, API ${httpUrl}/api/v1 (OpenAPI at ${httpUrl}/docs), ${registry.schools.size} school(s), ${registry.meters.size} meter(s) from ${config.source}${shard ? ` (shard ${shard.name})` : ''}`,
    )

    let stopped: Promise<void> | undefined
    return {
      env,
      log,
      config,
      store,
      metrics,
      bus,
      ingest,
      engine,
      alerts,
      broker,
      ...(writer ? { writer } : {}),
      httpUrl,
      ...(broker instanceof EmbeddedBroker ? { mqttPort: broker.port } : {}),
      demo,
      reportMonth: publishMonthly,
      flushRollups: () => {
        rollups.flush()
        return rollups.whenAnnounced()
      },
      stop: () => {
        stopped ??= stopAll().then(() => log.info('schoolmeter stopped'))
        return stopped
      },
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}

function writeAll(writer: InfluxWriter, lines: string[]): void {
  for (const line of lines) writer.write(line)
}

/** A rejection as the gateway's installer reads it: the detail in the school's language (the district's for an unknown school). */
function rejectionMessage(r: Rejection | NotCounted, config: LoadedConfig): string {
  const school = r.school ? config.registry.schools.get(r.school) : undefined
  // Every time in the school's offset; a school that is not in the registry has the district's.
  const tz = school?.timezone ?? config.registry.timezone
  return JSON.stringify({
    topic: r.topic,
    reason: r.reason,
    detail: render(school?.locale ?? config.registry.locale, r.detail),
    receivedAt: formatInstant(r.receivedAt, tz),
    ...(r.meter ? { meter: r.meter } : {}),
    ...('index' in r && r.index !== undefined ? { index: r.index } : {}),
    payload: r.payload,
    ...('watermark' in r
      ? { latest: formatInstant(r.latest, tz), watermark: formatInstant(r.watermark, tz), stored: r.stored }
      : {}),
  })
}
