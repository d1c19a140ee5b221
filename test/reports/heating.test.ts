/**
 * Heating compliance on a simulated winter week of the demo primary school: its boiler fails on
 * Wednesday morning and is repaired on Thursday evening. Readings go through the real ingest to
 * the classroom temperature store; the week's report finds the cold classrooms on those school
 * days, not on the days the heating worked, and not at night or at the weekend (nobody is there);
 * a week in the spring term after the heating season is out of season. CSV and the printable PDF
 * come from the API.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../api/server.js'
import { DEMO_CONFIG_PATH, parseConfig } from '../../core/config/load.js'
import { createMetrics } from '../../core/metrics.js'
import { type HeatingWeek, heatingWeek, mondayOf, RoomTemperatures } from '../../reports/heating.js'
import { Rollups } from '../../reports/index.js'
import { calendarsOf, createSimulation, encode, parseScenario } from '../../simulator/index.js'
import { ingesting } from '../helpers/ingesting.js'
import { testLog } from '../helpers/log.js'

const dir = mkdtempSync(join(tmpdir(), 'heating-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const { registry } = parseConfig(readFileSync(DEMO_CONFIG_PATH, 'utf8'))
const { store, bus, ingest } = await ingesting(registry)

describe('heating compliance', () => {
  const rollups = new Rollups({ registry, store, bus, log: testLog })
  const rooms = new RoomTemperatures({ store, bus, log: testLog, flushIntervalMs: 0 })
  rollups.start()
  rooms.start()
  const from = Date.parse('2026-12-05T00:00:00+08:00')
  const sim = createSimulation({
    registry,
    start: from,
    seed: 'heating',
    stepMs: 60_000,
    schools: ['sunshine-primary'],
    scenario: parseScenario(`faults:
  - { name: Boiler failure, type: no_heat, meter: SP-H-MAIN, start: "2026-12-09T05:00:00+08:00", end: "2026-12-10T18:00:00+08:00" }
`),
  })
  const cal = calendarsOf(registry)
  for (let t = from; t < Date.parse('2026-12-15T00:00:00+08:00'); t += 6 * 3_600_000)
    for (const m of encode(sim.advance(t + 6 * 3_600_000), cal, { gateway: true, batchSize: 500 }))
      ingest.handle(m.topic, Buffer.from(m.payload), t + 6 * 3_600_000)
  rollups.stop()
  rooms.stop()
  const school = registry.schools.get('sunshine-primary')!
  let week: HeatingWeek
  beforeAll(async () => {
    week = await heatingWeek({ registry, store, school, week: mondayOf('2026-12-09') })
  })

  it('finds the classrooms that were cold while occupied, on the days the boiler was down', () => {
    expect(week.week).toBe('2026-12-07')
    expect(week.outOfSeason).toBe(false)
    expect(week.rooms.map((r) => r.meter)).toEqual(['SP-T-C101', 'SP-T-C201'])
    expect(week.coldRooms).toBe(2)
    const days = new Set(week.worst.map((c) => new Date(c.at + 8 * 3_600_000).toISOString().slice(0, 10)))
    for (const d of days) expect(['2026-12-09', '2026-12-10']).toContain(d)
    expect(days.size).toBeGreaterThan(0)
    for (const r of week.rooms) {
      // Five school days of 07:00–18:00: 55 occupied hours, all measured.
      expect(r.occupiedHours + r.missingHours).toBe(55)
      expect(r.coldHours).toBeGreaterThan(3)
      // Monday and Tuesday the heating worked; on Friday morning the rooms are still warming up.
      expect(r.coldHours).toBeLessThan(22 + 6)
      expect(r.worstC).toBeLessThan(18)
      expect(r.outdoorC).toBeDefined()
    }
    for (const c of week.worst) {
      const hour = Number(new Date(c.at + 8 * 3_600_000).toISOString().slice(11, 13))
      expect(hour).toBeGreaterThanOrEqual(7)
      expect(hour).toBeLessThan(18)
    }
  })

  it('a week with working heating has no cold hours; a week out of season is said to be', async () => {
    const before = await heatingWeek({ registry, store, school, week: '2026-11-30' })
    expect(before.coldHours).toBe(0)
    const spring = await heatingWeek({ registry, store, school, week: '2026-04-06' })
    expect(spring.outOfSeason).toBe(true)
  })

  it('is served as JSON, CSV and a printable PDF with Chinese text', async () => {
    const ok = { ok: true, detail: { key: 'health.influx.off' as const } }
    const app = await buildApi({
      registry,
      store,
      metrics: createMetrics({ defaultMetrics: false }),
      log: testLog,
      version: 'test',
      meterStatus: () => undefined,
      health: () => ({ ingest: ok, store: ok, influx: ok, archive: false }),
    })
    try {
      const json = await app.inject({
        url: '/api/v1/reports/heating?week=2026-12-10&school=sunshine-primary',
      })
      expect(json.json()).toEqual(JSON.parse(JSON.stringify([week])))
      const csv = await app.inject({
        url: '/api/v1/reports/heating?week=2026-12-10&school=sunshine-primary&format=csv',
      })
      const lines = csv.body.split('\r\n')
      expect(lines[0]).toContain('低于 18 °C 的小时')
      expect(lines).toHaveLength(1 + 2 + 1)
      const pdf = await app.inject({
        url: '/api/v1/reports/heating?week=2026-12-10&school=sunshine-primary&format=pdf',
      })
      expect(pdf.headers['content-type']).toBe('application/pdf')
      writeFileSync(join(dir, 'heating.pdf'), pdf.rawPayload)
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'heating.pdf'), '-'], { encoding: 'utf8' })
      expect(text).toContain('供暖达标情况')
      expect(text).toContain('阳光小学')
      expect(text).toContain('101教室')
    } finally {
      await app.close()
    }
  })
}, 120_000)
