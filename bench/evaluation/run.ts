/**
 * One evaluation run: a district simulated from a warm-up week through its scored weeks into a
 * fresh in-memory pipeline — the real decoder, registers, rules engine, alert manager and
 * notification router — in event time, gateway batches delivered every five minutes as a
 * gateway uploading on a timer would. meter.offline runs on the simulated clock.
 */
import pino from 'pino'
import type { Alert } from '../../core/alert.js'
import { Bus } from '../../core/bus.js'
import { createMetrics } from '../../core/metrics.js'
import { DEFAULT_LIMITS } from '../../ingest/decode.js'
import { Ingest } from '../../ingest/pipeline.js'
import { Router } from '../../notify/index.js'
import { AlertManager, RuleEngine } from '../../rules/index.js'
import { calendarsOf, createSimulation, encode, type GroundTruth } from '../../simulator/index.js'
import { openStore } from '../../store/index.js'
import { buildDistrict, type DistrictOptions } from './districts.js'
import { type Notice, notificationsOf } from './notifications.js'

export const DAY = 86_400_000
const DELIVERY_MS = 5 * 60_000
export const WARMUP_DAYS = 7

export interface RunOptions extends DistrictOptions {
  /** With the district's faults, or none. */
  faults: boolean
}

export interface RunResult {
  district: string
  faults: boolean
  /** Start of the scored weeks and end of the run, epoch ms. */
  scoredFrom: number
  end: number
  meters: number
  alerts: Alert[]
  notices: Notice[]
  truth: GroundTruth[]
  readings: number
  seconds: number
}

export async function run(o: RunOptions): Promise<RunResult> {
  const began = performance.now()
  const d = buildDistrict(o)
  const { registry } = d
  const log = pino({ level: 'silent' })
  const store = openStore(':memory:')
  const bus = new Bus()
  const metrics = createMetrics({ defaultMetrics: false })
  const from = d.start - WARMUP_DAYS * DAY
  const end = d.start + o.weeks * 7 * DAY
  let clock = from
  const ingest = new Ingest({
    registry,
    store,
    bus,
    metrics,
    log,
    limits: DEFAULT_LIMITS,
    watermarkMs: 600_000,
  })
  const alerts = new AlertManager({
    registry,
    store,
    router: new Router({ registry, email: true }),
    bus,
    log,
    now: () => clock,
  })
  const engine = new RuleEngine({
    registry,
    store,
    bus,
    alerts,
    log,
    lastReceivedAt: (id) => ingest.status(id)?.lastReceivedAt,
    now: () => clock,
    snapshotIntervalMs: 0,
  })
  ingest.start()
  await engine.start()
  // The physical step follows the fastest meter (10 s for dorm rooms), at most a minute.
  const fastest = Math.min(...[...registry.meters.values()].map((m) => m.intervalSeconds))
  const sim = createSimulation({
    registry,
    start: from,
    seed: o.faults ? o.seed : `${o.seed}-clean`,
    stepMs: Math.min(60, Math.max(10, fastest)) * 1000,
    anchor: d.start,
    ...(d.sites ? { sites: d.sites } : {}),
    ...(o.faults ? { scenario: d.scenario } : {}),
  })
  const cal = calendarsOf(registry)
  let readings = 0
  for (let t = from + DELIVERY_MS; t <= end; t += DELIVERY_MS) {
    clock = t
    for (const m of encode(sim.advance(t), cal, { gateway: true, batchSize: 200 })) {
      readings += m.readings
      ingest.handle(m.topic, Buffer.from(m.payload), t)
    }
    engine.checkOffline()
    // The alert manager takes the verdicts in turn: it is done with them before the clock moves on.
    await alerts.idle()
  }
  engine.stop()
  ingest.stop()
  const result: RunResult = {
    district: o.name,
    faults: o.faults,
    scoredFrom: d.start,
    end,
    meters: registry.meters.size,
    alerts: await store.alerts.list({ limit: 10_000_000 }),
    notices: await notificationsOf(store),
    truth: sim.groundTruth(),
    readings,
    seconds: (performance.now() - began) / 1000,
  }
  await store.close()
  return result
}
