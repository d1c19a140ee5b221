/**
 * The simulator's own publish rate: the demo district backfilled into a real Mosquitto, as single
 * readings and as gateway batches, at QoS 0 and 1 — and, as a ceiling, generation alone.
 */
import { loadConfigFile } from '../core/config/load.js'
import { backfill, createSimulation, generate, Publisher, SentStats } from '../simulator/index.js'
import { startMosquitto } from '../test/helpers/mosquitto.js'

export interface SimulatorBenchRow {
  case: string
  readings: number
  messages: number
  seconds: number
  readingsPerSecond: number
}

export async function benchSimulator(o: { hours: number; runs: number }): Promise<SimulatorBenchRow[]> {
  const { registry } = loadConfigFile()
  const broker = await startMosquitto()
  const start = Date.now() - o.hours * 3_600_000 - 3_600_000
  const end = start + o.hours * 3_600_000
  const cases: { name: string; run: () => Promise<SentStats> }[] = [
    {
      name: 'generate single readings, no MQTT',
      run: async () => {
        const stats = new SentStats()
        generate(createSimulation({ registry, start, seed: 'bench' }), registry, end, {}, stats)
        return stats
      },
    },
  ]
  for (const gateway of [false, true]) {
    for (const qos of [0, 1] as const) {
      cases.push({
        name: `${gateway ? 'gateway batches of 100' : 'single readings'}, QoS ${qos}`,
        run: async () => {
          const publisher = new Publisher({ url: broker.url, qos })
          await publisher.connect()
          const stats = await backfill(
            createSimulation({ registry, start, seed: 'bench' }),
            registry,
            publisher,
            end,
            {
              gateway,
              batchSize: 100,
            },
          )
          await publisher.end()
          return stats
        },
      })
    }
  }
  const rows: SimulatorBenchRow[] = []
  // Warm up the JIT on a short run so that the first case is not charged for it.
  generate(createSimulation({ registry, start, seed: 'warm-up' }), registry, start + 6 * 3_600_000)
  try {
    for (const c of cases) {
      const samples: { stats: SentStats; seconds: number }[] = []
      for (let r = 0; r < o.runs; r++) {
        const t = performance.now()
        const stats = await c.run()
        samples.push({ stats, seconds: (performance.now() - t) / 1000 })
      }
      samples.sort((a, b) => a.seconds - b.seconds)
      const m = samples[Math.floor(samples.length / 2)]!
      rows.push({
        case: c.name,
        readings: m.stats.readings,
        messages: m.stats.messages,
        seconds: +m.seconds.toFixed(2),
        readingsPerSecond: Math.round(m.stats.readings / m.seconds),
      })
    }
  } finally {
    await broker.stop()
  }
  return rows
}
