/**
 * The ingest → rules → alerts path in-process (real decoder, registers, engine, alert manager and
 * SQLite outbox; no broker), for fast rule tests over days of event time.
 */
import { Bus } from '../../core/bus.js'
import { parseConfig } from '../../core/config/load.js'
import { createMetrics } from '../../core/metrics.js'
import { DEFAULT_LIMITS } from '../../ingest/decode.js'
import { Ingest } from '../../ingest/pipeline.js'
import { Router } from '../../notify/index.js'
import { AlertManager, RuleEngine } from '../../rules/index.js'
import { openPostgresAppStore, openStore, type ServedAppStore } from '../../store/index.js'
import { databaseFor } from './app-store.js'
import { testLog } from './log.js'

/** A school with a meter for every golden case. Timezone Asia/Shanghai; November is term time and heating season. */
export const GOLDEN_CONFIG = `
schools:
  - id: golden
    name: Golden School
    timezone: Asia/Shanghai
    calendar:
      terms: [{ start: "2026-09-01", end: "2027-01-22" }]
    notifications:
      contacts: { maintenance: [fix@golden.example], facilities: [fm@golden.example], escalation: [head@golden.example] }
    buildings:
      - id: main
        use: teaching
        meters:
          - { id: W1, kind: water, registerDigits: 6, nominalFlowM3h: 4 }
          - { id: W-HOURLY, kind: water, intervalSeconds: 3600 }
          - { id: E1, kind: electricity, maxPowerKw: 200, intervalSeconds: 900 }
          - { id: H1, kind: heat, maxPowerKw: 500, intervalSeconds: 300 }
          - { id: T-OUT, kind: temperature, placement: outdoor, intervalSeconds: 300 }
          - { id: T-ROOM, kind: temperature, placement: room, intervalSeconds: 300 }
      - id: dorm
        use: dormitory
        occupancy: { weeklyHours: { sun: ["17:00-07:30"], mon: ["17:00-07:30"], tue: ["17:00-07:30"], wed: ["17:00-07:30"], thu: ["17:00-07:30"] }, quietHours: "22:30-06:00" }
        spaces:
          - { id: r101, use: dorm_room, appliancePolicy: restricted, roomLimitW: 1500 }
        meters:
          - { id: E-R101, kind: electricity, space: r101, maxPowerKw: 8, intervalSeconds: 10 }
`

export type Point = { ts: number } & Record<string, number | boolean>

export async function alerting(
  config = GOLDEN_CONFIG,
  options: {
    email?: boolean
    now?: () => number
    dataDir?: string
    /**
     * The app store on a database server (PostgreSQL) instead of SQLite; closed with the store.
     * By default the suite's (test/helpers/app-store.ts).
     */
    appStore?: ServedAppStore
    /** The app store in SQLite whatever the suite's backend (a test that reads the SQLite file itself). */
    onSqlite?: boolean
    /** Where robots' `urlEnv` and `secretEnv` point. */
    env?: Record<string, string | undefined>
  } = {},
) {
  const { registry } = parseConfig(config, 'golden.yaml')
  const dataDir = options.dataDir ?? ':memory:'
  const database =
    options.appStore === undefined && !options.onSqlite ? await databaseFor(dataDir) : undefined
  const appStore =
    options.appStore ??
    (database === undefined ? undefined : await openPostgresAppStore(database, { poolSize: 4 }))
  const store = openStore(dataDir, appStore)
  const bus = new Bus()
  const metrics = createMetrics({ defaultMetrics: false })
  const ingest = new Ingest({
    registry,
    store,
    bus,
    metrics,
    log: testLog,
    limits: { ...DEFAULT_LIMITS, maxFutureMs: Number.POSITIVE_INFINITY },
    watermarkMs: 600_000,
  })
  const router = new Router({ registry, email: options.email ?? true, env: options.env ?? {} })
  const alerts = new AlertManager({
    registry,
    store,
    router,
    bus,
    log: testLog,
    metrics,
    ...(options.now ? { now: options.now } : {}),
  })
  const engine = new RuleEngine({
    registry,
    store,
    bus,
    alerts,
    log: testLog,
    metrics,
    lastReceivedAt: (id) => ingest.status(id)?.lastReceivedAt,
    ...(options.now ? { now: options.now } : {}),
  })
  ingest.start()
  await engine.start()
  const school = [...registry.schools.keys()][0]!
  return {
    registry,
    store,
    bus,
    ingest,
    engine,
    alerts,
    metrics,
    /** Feeds readings of one meter through the real decoder and registers, in order. */
    feed(meter: string, points: Point[]) {
      for (let i = 0; i < points.length; i += 500) {
        const batch = points.slice(i, i + 500).map((p) => ({ meter, ...p }))
        ingest.handle(`schools/${school}/gateways/test`, Buffer.from(JSON.stringify(batch)), points[i]!.ts)
      }
    },
    /** The alerts (of a rule), once the alert changes of what was fed are written. */
    async list(rule?: string) {
      await alerts.idle()
      return store.alerts.list(rule ? { rule } : {})
    },
    /** Resolves once the alert changes of what was fed so far are written. */
    settled: () => alerts.idle(),
    async stop() {
      engine.stop()
      ingest.stop()
      await alerts.idle()
      await store.close()
    },
  }
}

export const MIN = 60_000
export const HOUR = 3_600_000
/** Readings every `stepMs` from `from` for `count` steps. */
export function series(
  from: number,
  stepMs: number,
  count: number,
  f: (t: number, i: number) => Record<string, number | boolean>,
): Point[] {
  return Array.from({ length: count }, (_, i) => ({ ts: from + i * stepMs, ...f(from + i * stepMs, i) }))
}
