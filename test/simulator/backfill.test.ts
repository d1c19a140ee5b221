/**
 * A backfill of one school × 30 days, published through MQTT in gateway batches at QoS 1, reaches
 * a real InfluxDB complete: for every meter, the points stored equal the readings sent.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CONFIG_PATH } from '../../core/config/load.js'
import { backfill, createSimulation, Publisher, realtime, SentStats } from '../../simulator/index.js'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { getJson, startTestService } from '../helpers/service.js'
import { demoRegistry } from '../helpers/simulated.js'

let influx: Influxd

beforeAll(async () => {
  influx = await startInfluxd()
})
afterAll(async () => {
  await influx?.destroy()
})

const REGISTER: Record<string, string> = {
  water: 'volume_m3',
  electricity: 'energy_kwh',
  heat: 'energy_kwh',
  temperature: 'temp_c',
}

describe('simulator → MQTT → service → InfluxDB', () => {
  it('a 30-day backfill of one school arrives complete, meter by meter', async () => {
    const svc = await startTestService({
      config: readFileSync(DEMO_CONFIG_PATH, 'utf8'),
      env: { INFLUX_URL: influx.url, INFLUX_DATABASE: 'backfill' },
    })
    const publisher = new Publisher({ url: `mqtt://127.0.0.1:${svc.mqttPort}`, qos: 1 })
    try {
      await publisher.connect()
      const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000
      const sim = createSimulation({
        registry: demoRegistry,
        start: end - 30 * 86_400_000,
        seed: 'backfill',
        schools: ['sunshine-primary'],
      })
      const stats = await backfill(sim, demoRegistry, publisher, end, {
        gateway: true,
        batchSize: 100,
        chunkMs: 6 * 3_600_000,
      })
      await svc.writer!.flush()

      const school = demoRegistry.schools.get('sunshine-primary')!
      expect(stats.perMeter.size).toBe(school.meters.size)
      expect(stats.readings).toBeGreaterThan(300_000)
      for (const meter of school.meters.values()) {
        const stored = await influx.count(
          'backfill',
          meter.kind,
          REGISTER[meter.kind]!,
          `"meter" = '${meter.id}'`,
        )
        expect(stored, meter.id).toBe(stats.perMeter.get(meter.id))
      }
      const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text()
      expect(metrics).toMatch(new RegExp(`^schoolmeter_readings_accepted_total ${stats.readings}$`, 'm'))
    } finally {
      await publisher.end()
      await svc.stop()
    }
  }, 120_000)

  it('real time at a speed factor catches up with the wall clock and never runs past it', async () => {
    const svc = await startTestService({ config: readFileSync(DEMO_CONFIG_PATH, 'utf8') })
    const publisher = new Publisher({ url: `mqtt://127.0.0.1:${svc.mqttPort}`, qos: 0 })
    try {
      await publisher.connect()
      const began = Date.now()
      const sim = createSimulation({
        registry: demoRegistry,
        start: began - 30 * 60_000,
        seed: 'live',
        schools: ['sunshine-primary'],
      })
      const stop = new AbortController()
      const stats = new SentStats()
      // 30 minutes behind at ×3600: caught up within a second, then paced by the wall clock.
      const run = realtime(sim, demoRegistry, publisher, {
        speed: 3600,
        tickMs: 50,
        stats,
        signal: stop.signal,
      })
      await new Promise((r) => setTimeout(r, 2500))
      stop.abort()
      await run
      expect(sim.now).toBeLessThanOrEqual(Date.now())
      expect(sim.now).toBeGreaterThan(Date.now() - 15_000) // time advances in 10-s steps
      // Six 1-minute meters and five 5-minute ones over the half hour.
      expect(stats.readings).toBeGreaterThanOrEqual(6 * 30 + 5 * 6 - 11)
      const { body: meter } = await getJson(`${svc.httpUrl}/api/v1/meters/SP-W-MAIN`)
      expect(Date.parse(meter.lastReading.ts)).toBeLessThanOrEqual(Date.now())
      expect(meter.readings).toBeGreaterThanOrEqual(30)
    } finally {
      await publisher.end()
      await svc.stop()
    }
  })
})
