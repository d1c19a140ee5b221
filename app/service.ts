/**
 * The service: reads the configuration, then starts the parts in order and stops them in the
 * reverse order. What each part does, and on which schedule, is the part's own (see its file).
 *
 * The order follows the readings backwards: the parts that listen to ingest (rules, reports)
 * start before ingest, because ingest's start replays the journal through them; the broker starts
 * once everything it feeds is running, the API once everything it reads is, the demo last.
 * `startService` is what `npm start` runs and what integration tests start in-process.
 */
import { join, resolve } from 'node:path'
import type { Logger } from 'pino'
import { ApiService, apiSecurityFromEnv } from '../api/index.js'
import { Bus } from '../core/bus.js'
import { demoEnabled, type Env } from '../core/config/env.js'
import { DEMO_CONFIG_PATH, type LoadedConfig, loadConfigFile } from '../core/config/load.js'
import { LinkSigner, linkSecret } from '../core/links.js'
import { createMetrics, type Metrics } from '../core/metrics.js'
import {
  Archive,
  type Broker,
  BrokerService,
  claimShard,
  type InfluxWriter,
  type Ingest,
  IngestService,
  SharedLiveStatus,
} from '../ingest/index.js'
import { Notify } from '../notify/index.js'
import { ReportsService } from '../reports/index.js'
import { type AlertManager, type RuleEngine, RulesService } from '../rules/index.js'
import { DemoService } from '../simulator/index.js'
import { openConfiguredStore, type Store } from '../store/index.js'
import { webPages } from '../web/index.js'
import { createLogger } from './log.js'
import { Parts } from './parts.js'
import { VERSION } from './version.js'

export { VERSION } from './version.js'

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
  /** Notifications: the outbox's dispatcher (tests read the outbox now with `notify.dispatcher.readNow()`). */
  notify: Notify
  broker: Broker
  writer?: InfluxWriter
  /** The API's address, e.g. http://127.0.0.1:8080. */
  httpUrl: string
  /** The embedded broker's port (when embedded). */
  mqttPort?: number
  demo: boolean
  /** Computes a month's report now (as the nightly schedule does) and archives it; returns the rows written. */
  reportMonth(month: string, school?: string): Promise<number>
  /** Writes the rollups still in memory; resolves once their totals are handed to InfluxDB's writer. */
  flushRollups(): Promise<void>
  /**
   * A sharded worker with DATABASE_URL: shares its meters' live status and rates now and reads
   * the other shards' (as it does every SHARD_STATUS_SECONDS).
   */
  shareLiveStatus?: () => Promise<void>
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
  const parts = new Parts(log)
  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= parts.stop().then(() => log.info('schoolmeter stopped'))
    return stopped
  }
  // A sharded worker (SHARD) runs on its schools alone; with DATABASE_URL, only once it holds
  // the shard's lease — and then its DATA_DIR is the shard's, shared with its standby.
  const shard = await claimShard({
    env,
    registry: config.registry,
    log,
    onLost: (reason) => (options.onShardLost ? options.onShardLost(reason) : void stop()),
  })
  if (shard) parts.closing(() => shard.release())
  // The parts that judge readings and keep the stream's state run on the shard's schools; what
  // reads the shared app store on a schedule (escalations, the notification outbox) is scoped to
  // them, so that each school's work is done once, by its shard's owner.
  const registry = shard?.registry ?? config.registry
  const schools = shard ? { schools: [...shard.registry.schools.keys()] } : {}
  const dataDir = resolve(env.DATA_DIR)
  try {
    // The app store on PostgreSQL when DATABASE_URL is set (store/postgres/), else SQLite in DATA_DIR.
    const store = await openConfiguredStore(env, {
      onError: (err) =>
        log.warn({ err }, 'PostgreSQL closed an idle connection; the next call opens another'),
      mirror: {
        onError: (err, retryInMs) =>
          log.warn(
            { err, retryInMs },
            'cannot mirror report history to PostgreSQL; nothing is lost, retrying',
          ),
      },
    })
    parts.closing(() => store.close())
    // The whole district: the store is shared by every shard's worker.
    await store.registry.sync(config.registry)
    // Before anything listens: an API beyond loopback with no token to ask for refuses to start.
    const security = await apiSecurityFromEnv(env, store.apiTokens)
    const metrics = createMetrics()
    const bus = new Bus()
    bus.onError = (err, name) => log.error({ err }, `a ${String(name)} listener failed; carrying on`)
    const shared = { registry, store, bus, metrics, log }
    // One link scheme: the signer of the links in messages is the one the web app's /i/{token} checks.
    const links = new LinkSigner(linkSecret(env, store.meta))

    // InfluxDB (INFLUX_URL), when configured: readings, alert transitions, hourly use, monthly reports.
    const archive = await parts.start(new Archive({ ...shared, env, dataDir }))
    // Notifications: who hears of each transition, and delivery. Started once the broker runs
    // (MQTT is one of the channels); nothing is sent before.
    const publish = async (topic: string, payload: string): Promise<void> => broker.publish(topic, payload)
    // Any worker plans the notifications of any school's transitions (people act on incidents
    // through whichever worker serves them); each school's shard owner sends them.
    const notify = new Notify({ ...shared, registry: config.registry, ...schools, env, links, publish })
    // Rules and alerts, on ingest's readings; silent meters and escalations every minute.
    const restoreStarted = performance.now()
    const rules = await parts.start(
      new RulesService({
        ...shared,
        router: notify.router,
        ...schools,
        onTransition: () => notify.wake(),
        lastReceivedAt: (id): number | undefined => ingest.status(id)?.lastReceivedAt,
      }),
    )
    // Ingest: constructed here for what reports need of it, started below.
    const ingest = new IngestService({
      ...shared,
      env,
      dataDir,
      archive,
      checkpointed: [rules.engine],
      settled: () => rules.alerts.idle(),
    })
    // Reports: rollups and room temperatures on the stream; each school's reports on its own clock.
    const reports = await parts.start(
      new ReportsService({
        ...shared,
        // A shard's worker reports on the whole district from the history every worker mirrors to
        // PostgreSQL; the first shard's writes the platform's daily package, once for all.
        ...(shard ? { district: config.registry, writesPlatformPackage: shard.spec.index === 1 } : {}),
        archive,
        alerts: rules.alerts,
        ingest,
        email: !!env.SMTP_URL,
        notify: () => notify.wake(),
        platformDir: join(dataDir, 'platform'),
      }),
    )
    // Ingest: each meter's state restored, the journal replayed through rules and reports, checkpoints.
    await parts.start(ingest)
    logRestored(log, ingest, rules, performance.now() - restoreStarted)
    // A sharded worker on PostgreSQL shares its meters' live status and rates, and reads the
    // other shards': its API and web app answer for every meter of the district.
    const live =
      shard?.lease && env.DATABASE_URL
        ? await parts.start(
            new SharedLiveStatus({
              url: env.DATABASE_URL,
              shard,
              status: (id) => ingest.status(id),
              recent: ingest.recent,
              rejections: ingest.rejections,
              intervalMs: env.SHARD_STATUS_SECONDS * 1000,
              log,
              metrics,
            }),
          )
        : undefined
    // The broker: publishers' messages from here on.
    const broker = await parts.start(
      new BrokerService({ ...shared, env, ingest, ...(shard ? { shard } : {}) }),
    )
    await parts.start(notify)
    // The API and the web app, on one port.
    const api = await parts.start(
      new ApiService({
        // With the live status shared, any worker answers for every meter of the district.
        registry: live ? config.registry : registry,
        // Incidents and alerts are in the store every worker shares: any worker shows every school's.
        ...(shard ? { district: config.registry } : {}),
        store,
        metrics,
        log,
        host: env.HTTP_HOST,
        port: env.HTTP_PORT,
        dataDir,
        version: VERSION,
        security,
        alerts: rules.alerts,
        reports: reports.monthly,
        readiness: reports.readiness,
        recent: live ?? ingest.recent,
        rejections: live?.rejections ?? ingest.rejections,
        flushRollups: () => reports.rollups.flush(),
        meterStatus: (id) => (live ? live.get(id) : ingest.status(id)),
        parts: { ingest: () => broker.health(), influx: () => archive.health(), archive: archive.on },
        pages: webPages({
          store,
          alerts: rules.alerts,
          readiness: reports.readiness,
          log,
          links,
          ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
          ...(env.LINK_SECRET ? { linkSecret: env.LINK_SECRET } : {}),
          security,
        }),
        ...(options.now ? { now: options.now } : {}),
      }),
    )
    const demo = demoEnabled(env)
    if (demo)
      await parts.start(
        new DemoService({
          registry,
          log,
          broker: () => broker.connection(),
          lastReadingAt: (id) => ingest.status(id)?.lastTs,
          historyIn: async () => {
            await rules.alerts.idle()
            await reports.flushRollups()
          },
        }),
      )
    log.info(
      `schoolmeter ${VERSION} ready: web app ${api.url}/, API ${api.url}/api/v1 (OpenAPI at ${api.url}/docs), ${registry.schools.size} school(s), ${registry.meters.size} meter(s) from ${config.source}${shard ? ` (shard ${shard.name})` : ''}`,
    )

    return {
      env,
      log,
      config,
      store,
      metrics,
      bus,
      ingest: ingest.pipeline,
      engine: rules.engine,
      alerts: rules.alerts,
      notify,
      broker: broker.broker,
      ...(archive.writer ? { writer: archive.writer } : {}),
      httpUrl: api.url,
      ...(broker.port !== undefined ? { mqttPort: broker.port } : {}),
      demo,
      reportMonth: (month, school) => reports.publishMonthly(month, school),
      flushRollups: () => reports.flushRollups(),
      ...(live ? { shareLiveStatus: () => live.sync() } : {}),
      stop,
    }
  } catch (err) {
    await parts.stop()
    throw err
  }
}

/** One line for operators: what the start restored, and how long it took. */
function logRestored(log: Logger, ingest: IngestService, rules: RulesService, ms: number): void {
  const restored = ingest.restored!
  log.info(
    {
      meters: restored.meters,
      registers: restored.registers,
      ruleStates: rules.restored,
      journal: restored.journal,
      ms: Math.round(ms),
    },
    'state restored',
  )
}
