/**
 * The demo behind `npm start`: the bundled district's history backfilled through MQTT, then live
 * at real speed, with the demo scenario's faults (a drip that began yesterday, a dorm-room kettle
 * a minute after start). The history reaches back far enough for savings: the 12 complete months
 * the baseline needs (a reading every quarter of an hour is enough there), the months since, in
 * which one school runs a savings campaign (10 % less of everything), and the last 48 hours at
 * full resolution.
 */
import type { Logger } from 'pino'
import { SchoolCalendar } from '../core/calendar.js'
import { Progress } from '../core/progress.js'
import type { Registry } from '../core/registry.js'
import { backfill, createSimulation, Publisher, realtime, SentStats, scenarioFile } from './index.js'
import type { Scenario } from './scenario.js'

const HOUR = 3_600_000
/** Live readings are sent as the clock passes them; this fast only while behind it. */
const CATCH_UP_SPEED = 60
/**
 * The history before the last hours: every meter reports each quarter of an hour (or at its own
 * interval, if longer). No sparser: to the rules a longer gap is an offline episode (the shortest
 * limit of meter.offline is 15 minutes), and a backfill's gaps are recorded as such.
 */
const HISTORY_INTERVAL_MS = 15 * 60_000

export interface DemoOptions {
  registry: Registry
  /** The broker to publish to. */
  url: string
  /** The broker's login, where it asks for one. */
  username?: string
  password?: string
  log: Logger
  /** Months of history before the current one (default 14: a baseline year and the months since). */
  historyMonths?: number
  /** The last hours at full resolution (default 48). */
  detailedHours?: number
  /** What the service already holds: the history starts after it (a restarted demo). */
  resumeFrom?: number
  seed?: string
  /** Wall clock (tests). */
  now?: number
  /**
   * The history is in (every reading of it acknowledged): the service records what it made of it —
   * the alerts (with the app store on a database server, written some time after the readings were
   * taken) and what it counted for reports. "now live" waits for it, so that the history's alerts
   * and last month's savings are there to be read as soon as the log says it is in.
   */
  historyIn?: () => Promise<void>
}

export interface Demo {
  stop(): Promise<void>
}

/** The school that runs the savings campaign, and by how much it cuts. */
export const CAMPAIGN = { school: 'riverside-middle', factor: 0.9 } as const

/**
 * Where the demo's history starts: the first day of the month `months` before this one, in the
 * first school's time zone, so that the first 12 complete months of data — the default baseline —
 * are followed by complete months of savings.
 */
export function historyStart(registry: Registry, now: number, months: number): number {
  const first = [...registry.schools.values()][0]!
  const cal = new SchoolCalendar(first)
  const [y, m] = cal.local(now).date.split('-').map(Number) as [number, number]
  const month = new Date(Date.UTC(y, m - 1 - months, 1)).toISOString().slice(0, 7)
  return cal.startOfMonth(month)
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const now = o.now ?? Date.now()
  const months = o.historyMonths ?? 14
  const detailed = (o.detailedHours ?? 48) * HOUR
  const from = historyStart(o.registry, now, months)
  const start = Math.max(from, o.resumeFrom ?? from)
  // The campaign starts with the first month after the baseline year.
  const campaignStart = historyStart(o.registry, now, months - 12)
  const demo = scenarioFile('demo')
  const scenario: Scenario = {
    ...demo,
    faults: [
      ...demo.faults,
      ...(o.registry.schools.has(CAMPAIGN.school)
        ? [
            {
              name: 'Savings campaign',
              type: 'usage_change' as const,
              school: CAMPAIGN.school,
              start: new Date(campaignStart).toISOString(),
              factor: CAMPAIGN.factor,
            },
          ]
        : []),
    ],
  }
  const sim = createSimulation({
    registry: o.registry,
    start,
    anchor: now,
    seed: o.seed ?? 'demo',
    scenario,
    coarse: {
      until: Math.max(start, now - detailed),
      stepMs: HISTORY_INTERVAL_MS,
      intervalMs: HISTORY_INTERVAL_MS,
    },
  })
  const publisher = new Publisher({
    url: o.url,
    qos: 1,
    clientId: 'schoolmeter-demo-simulator',
    ...(o.username !== undefined ? { username: o.username, password: o.password ?? '' } : {}),
  })
  await publisher.connect()
  const stop = new AbortController()
  const stats = new SentStats()
  const run = (async () => {
    const began = performance.now()
    const options = { gateway: true, batchSize: 100, stats, signal: stop.signal }
    // A line in the log every 10 s while the history goes in: how far, how fast, how long still —
    // counted in readings, as the last hours at full resolution weigh more than their share of time.
    const coarseMs = Math.max(0, now - detailed - start)
    const detailedMs = now - Math.max(start, now - detailed)
    let expected = 0
    for (const m of o.registry.meters.values()) {
      const every = m.intervalSeconds * 1000
      expected += coarseMs / Math.max(HISTORY_INTERVAL_MS, every) + detailedMs / every
    }
    const progress = new Progress(expected, { everyMs: 10_000 })
    const onProgress = (simNow: number) => {
      const p = progress.at(stats.readings)
      if (!p) return
      const rate = stats.readings / Math.max(p.elapsedSeconds, 1e-3)
      o.log.info(
        {
          done: Math.round(p.fraction * 1000) / 1000,
          readings: stats.readings,
          readingsPerSecond: Math.round(rate),
        },
        `demo: history ${Math.floor(p.fraction * 100)} % in (up to ${new Date(simNow).toISOString().slice(0, 10)}), ` +
          `${stats.readings} readings, ${Math.round(rate)} readings/s` +
          (p.secondsLeft === undefined ? '' : `, about ${Math.ceil(p.secondsLeft)} s left`),
      )
    }
    // A day of quarter-hourly history per round, then an hour at a time at full resolution.
    await backfill(sim, o.registry, publisher, now - detailed, { ...options, chunkMs: 24 * HOUR, onProgress })
    await backfill(sim, o.registry, publisher, Date.now(), { ...options, chunkMs: HOUR, onProgress })
    if (stop.signal.aborted) return
    await o.historyIn?.()
    if (stop.signal.aborted) return
    o.log.info(
      `demo: published ${((now - start) / (24 * HOUR)).toFixed(0)} days of ${sim.meterCount} simulated meters (${stats.readings} readings; quarter-hourly before the last ${detailed / HOUR} h) in ${((performance.now() - began) / 1000).toFixed(1)} s; now live. Faults: ${sim
        .groundTruth()
        .map((f) => `${f.name ?? f.fault} on ${f.meter ?? f.school} from ${f.start}`)
        .join('; ')}`,
    )
    // Live from here. The history took time to send, so the simulation is behind the clock:
    // faster than real time it catches up within a tick, then keeps pace (never past the clock).
    await realtime(sim, o.registry, publisher, { speed: CATCH_UP_SPEED, stats, signal: stop.signal })
  })().catch((err) => o.log.error({ err }, 'demo simulator stopped'))
  return {
    stop: async () => {
      stop.abort()
      await run
      await publisher.end().catch(() => {})
    },
  }
}

export interface DemoServiceOptions {
  registry: Registry
  log: Logger
  /** The broker to publish to, with the service's own login where logins are checked. */
  broker: () => { url: string; username?: string; password?: string }
  /** When the service last heard of each meter (event time): a restarted demo continues from there. */
  lastReadingAt: (meterId: string) => number | undefined
  /** The history is in: the service records its alerts and what it counted (see DemoOptions.historyIn). */
  historyIn?: () => Promise<void>
}

/**
 * The demo as a part of `npm start`: a client like any gateway, publishing through the broker.
 * Started after the API and the broker, stopped before them, so that nothing publishes into a
 * closing service.
 */
export class DemoService {
  private demo: Demo | undefined

  constructor(private readonly o: DemoServiceOptions) {}

  async start(): Promise<void> {
    const { registry, log } = this.o
    // A restarted demo continues from what the service holds, rather than sending its history again.
    const held = [...registry.meters.keys()]
      .map((id) => this.o.lastReadingAt(id))
      .filter((t) => t !== undefined)
    this.demo = await startDemo({
      registry,
      log,
      ...this.o.broker(),
      ...(held.length > 0 ? { resumeFrom: Math.min(...held) } : {}),
      ...(this.o.historyIn ? { historyIn: this.o.historyIn } : {}),
    })
    log.info('demo: simulating the demo district (DEMO=0 or a CONFIG of your own turns this off)')
  }

  async stop(): Promise<void> {
    await this.demo?.stop()
  }
}
