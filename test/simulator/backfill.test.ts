/**
 * A backfill of one school × 4 days (16 chunks of 6 hours, about 40,000 readings), published
 * through MQTT in gateway batches at QoS 1, reaches a real InfluxDB complete: for every meter, the
 * points stored equal the readings sent. The month-long and district-wide backfills are
 * `npm run bench`'s (figures); completeness does not depend on the length.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CONFIG_PATH } from '../../core/config/load.js'
import { backfill, createSimulation, Publisher, realtime, SentStats } from '../../simulator/index.js'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
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
  it('a 4-day backfill of one school arrives complete, meter by meter', async () => {
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
        start: end - 4 * 86_400_000,
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
      expect(stats.readings).toBeGreaterThan(40_000)
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
      // The wall clock is the test's, moved by hand; each round of the run reads it once.
      const began = Math.floor(Date.now() / 60_000) * 60_000
      let wall = began
      let rounds = 0
      const now = () => {
        rounds++
        return wall
      }
      const sim = createSimulation({
        registry: demoRegistry,
        start: began - 30 * 60_000,
        seed: 'live',
        schools: ['sunshine-primary'],
      })
      const stop = new AbortController()
      const stats = new SentStats()
      const run = realtime(sim, demoRegistry, publisher, {
        speed: 3600,
        tickMs: 5,
        stats,
        signal: stop.signal,
        now,
      })
      /** A few rounds of the run with the clock standing still: time advances in 10-s steps, never past it. */
      const caughtUp = async () => {
        await waitFor('the simulation to catch up', () => (sim.now > wall - 10_000 ? true : undefined))
        const seen = rounds
        await waitFor('more rounds', () => (rounds >= seen + 5 ? true : undefined))
        expect(sim.now).toBeGreaterThan(wall - 10_000)
        expect(sim.now).toBeLessThanOrEqual(wall)
      }
      // A second of wall time at ×3600 would be an hour: 30 minutes behind, it catches up at once.
      wall += 1000
      await caughtUp()
      // A minute later it keeps pace, still never past the wall clock.
      wall += 60_000
      await caughtUp()
      stop.abort()
      await run
      // Six 1-minute meters and five 5-minute ones over the half hour and the minute.
      expect(stats.readings).toBeGreaterThanOrEqual(6 * 31 + 5 * 6 - 11)
      const meter = await waitFor('the main water meter read', async () => {
        const { body } = await getJson(`${svc.httpUrl}/api/v1/meters/SP-W-MAIN`)
        return body.readings >= 30 ? body : undefined
      })
      expect(Date.parse(meter.lastReading.ts)).toBeLessThanOrEqual(wall)
    } finally {
      await publisher.end()
      await svc.stop()
    }
  })
})
