/** Rollups and reports reach InfluxDB: `usage_hourly` as readings arrive, `monthly_report` when a month is reported. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../core/config/load.js'
import { calendarsOf, createSimulation, encode } from '../../simulator/index.js'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { twoSchools } from '../helpers/reporting.js'
import { mqttClient, startTestService } from '../helpers/service.js'

let influx: Influxd
beforeAll(async () => {
  influx = await startInfluxd()
})
afterAll(async () => {
  await influx?.destroy()
})

describe('reports in InfluxDB', () => {
  it('writes usage_hourly split by occupancy, and monthly_report rows', async () => {
    const config = twoSchools()
    const svc = await startTestService({
      config,
      env: { INFLUX_URL: influx.url, INFLUX_DATABASE: 'reports' },
    })
    try {
      const { registry } = parseConfig(config)
      const sim = createSimulation({
        registry,
        start: Date.parse('2026-10-05T00:00:00+08:00'),
        seed: 'influx',
        stepMs: 60_000,
      })
      const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
      for (const m of encode(sim.advance(Date.parse('2026-10-12T00:00:00+08:00')), calendarsOf(registry), {
        gateway: true,
        batchSize: 500,
      })) {
        await client.publishAsync(m.topic, m.payload, { qos: 1 })
      }
      await client.endAsync()
      await svc.flushRollups()
      expect(await svc.reportMonth('2026-10')).toBe(6)
      await svc.writer!.flush()

      const [usage] = await influx.query<[number, number]>(
        'reports',
        `SELECT sum("used") FROM usage_hourly WHERE "meter" = 'north-primary-W'`,
      )
      const row = svc.store.rollups.totals(['north-primary-W'], 0, Date.parse('2027-01-01T00:00:00Z'))
      expect(usage!.values[0]![1]).toBeCloseTo(row.used, 3)
      const split = await influx.query<[number, number]>(
        'reports',
        `SELECT sum("used") FROM usage_hourly WHERE "meter" = 'north-primary-W' GROUP BY "occupied"`,
      )
      expect(split.map((s) => (s as unknown as { tags: { occupied: string } }).tags.occupied).sort()).toEqual(
        ['false', 'true'],
      )
      const unoccupied = split.find(
        (s) => (s as unknown as { tags: { occupied: string } }).tags.occupied === 'false',
      )!
      expect(unoccupied.values[0]![1]).toBeCloseTo(row.usedUnoccupied, 3)

      const monthly = await influx.query<unknown[]>(
        'reports',
        `SELECT actual, coverage, "method", indicative FROM monthly_report WHERE "school" = 'north-primary' AND "utility" = 'water'`,
      )
      expect(monthly[0]!.values).toHaveLength(1)
      const [time, actual, coverage, method, indicative] = monthly[0]!.values[0]!
      expect(time).toBe(Date.parse('2026-10-01T00:00:00+08:00'))
      expect(actual).toBeCloseTo(row.used / 1000, 3)
      expect(coverage).toBeGreaterThan(0.2)
      expect([method, indicative]).toEqual(['none', true])
    } finally {
      await svc.stop()
    }
  })
})
