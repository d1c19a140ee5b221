/**
 * The demo behind `npm start`: the bundled district's last 48 hours backfilled through MQTT, then
 * live at real speed, with the demo scenario's faults (a drip that began yesterday, a dorm-room
 * kettle a minute after start).
 */
import type { Logger } from 'pino'
import type { Registry } from '../core/registry.js'
import { backfill, createSimulation, Publisher, realtime, SentStats, scenarioFile } from './index.js'

export interface DemoOptions {
  registry: Registry
  /** The broker to publish to. */
  url: string
  /** The broker's login, where it asks for one. */
  username?: string
  password?: string
  log: Logger
  historyHours?: number
  seed?: string
}

export interface Demo {
  stop(): Promise<void>
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const now = Date.now()
  const hours = o.historyHours ?? 48
  const sim = createSimulation({
    registry: o.registry,
    start: now - hours * 3_600_000,
    anchor: now,
    seed: o.seed ?? 'demo',
    scenario: scenarioFile('demo'),
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
    await backfill(sim, o.registry, publisher, Date.now(), {
      gateway: true,
      batchSize: 100,
      stats,
      signal: stop.signal,
    })
    if (stop.signal.aborted) return
    o.log.info(
      `demo: published the last ${hours} h of ${sim.meterCount} simulated meters (${stats.readings} readings) in ${((performance.now() - began) / 1000).toFixed(1)} s; now live. Faults: ${sim
        .groundTruth()
        .map((f) => `${f.name ?? f.fault} on ${f.meter ?? f.school} from ${f.start}`)
        .join('; ')}`,
    )
    await realtime(sim, o.registry, publisher, { speed: 1, stats, signal: stop.signal })
  })().catch((err) => o.log.error({ err }, 'demo simulator stopped'))
  return {
    stop: async () => {
      stop.abort()
      await run
      await publisher.end().catch(() => {})
    },
  }
}
