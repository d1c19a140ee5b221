/**
 * Sub-item metering: the registry's building codes, categories and sub-items, validated; and a
 * school week of the demo district in October, simulated through the real ingest and rollups,
 * whose October report per category and sub-item adds up to the whole the monthly report counts
 * from the top-level meters, sub-meters counted once. (A week, not the whole month: every hour
 * adds up on its own, so more hours of the same meters check nothing more.)
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { DEMO_CONFIG_PATH, parseConfig } from '../../core/config/load.js'
import type { DistrictConfig } from '../../core/config/schema.js'
import { ConfigError } from '../../core/errors.js'
import { SubItemReports } from '../../reports/subitems.js'
import { openTestStore } from '../helpers/app-store.js'
import { history } from '../helpers/reporting.js'

const demoText = readFileSync(DEMO_CONFIG_PATH, 'utf8')
const demo = () => parse(demoText) as DistrictConfig

function problemsOf(config: DistrictConfig): { path: string; value?: unknown }[] {
  try {
    parseConfig(stringify(config), 'district.yaml')
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => ({ path: p.path, value: p.value }))
    throw err
  }
  return []
}

describe('classification in the registry', () => {
  it('codes every building of the demo district and classifies its meters', async () => {
    const { registry } = parseConfig(demoText)
    const buildings = [...registry.schools.values()].flatMap((s) => [...s.buildings.values()])
    expect(buildings.every((b) => /^220112D\d{3}$/.test(b.config.code ?? ''))).toBe(true)
    expect(new Set(buildings.map((b) => b.config.code)).size).toBe(buildings.length)
    expect(registry.meters.get('SP-E-KITCHEN')!.config.subItem).toBe('special.kitchen')
    expect(registry.district?.platform?.dataCenterId).toBe('220100')
  })

  it('refuses a malformed or repeated code, a made-up province, a sub-item off electricity, a wrong category', async () => {
    const malformed = demo()
    malformed.schools[0]!.buildings[0]!.code = '22011D001'
    expect(problemsOf(malformed)).toEqual([{ path: 'schools[0].buildings[0].code', value: '22011D001' }])

    const c = demo()
    const [sp, rm] = c.schools
    sp!.buildings[1]!.code = '990112D002'
    rm!.buildings[0]!.code = '220112D003'
    sp!.buildings[0]!.meters![0]!.subItem = 'special.kitchen'
    sp!.buildings[0]!.meters![2]!.category = 'water'
    sp!.buildings[0]!.meters![4]!.category = 'heat'
    const problems = problemsOf(c)
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'schools[0].buildings[1].code', value: '990112D002' }),
        expect.objectContaining({ path: 'schools[1].buildings[0].code', value: '220112D003' }),
        expect.objectContaining({ path: 'schools[0].buildings[0].meters[0].subItem' }),
        expect.objectContaining({ path: 'schools[0].buildings[0].meters[2].category', value: 'water' }),
        expect.objectContaining({ path: 'schools[0].buildings[0].meters[4].category', value: 'heat' }),
      ]),
    )
    // The incomer made a water meter keeps its electricity sub-item: that is refused too.
    expect(problems).toContainEqual({
      path: 'schools[0].buildings[0].meters[2].subItem',
      value: 'lighting_sockets.rooms',
    })
    expect(problems).toHaveLength(6)
  })
})

describe('per sub-item, counting every meter once', () => {
  it('gives each meter its own use: its consumption less its sub-meters’, under the nearest sub-item', async () => {
    const { registry } = parseConfig(demoText)
    const store = await openTestStore(':memory:')
    const hour = Date.parse('2026-10-12T10:00:00+08:00')
    // kWh: the dormitory board under the incomer, three rooms under the board (unclassified
    // themselves: they count as the board's lighting and sockets), the canteen's kitchen.
    const used: Record<string, number> = {
      'RM-E-MAIN': 1000,
      'RM-E-DORMA': 300,
      'RM-E-A101': 40,
      'RM-E-A102': 30,
      'RM-E-A103': 20,
      'RM-E-CANTEEN': 250,
      'RM-W-MAIN': 50_000,
      'RM-W-DORMA': 20_000,
    }
    store.rollups.stage(
      Object.entries(used).map(([meterId, u]) => ({
        meterId,
        hour,
        used: u,
        usedUnoccupied: 0,
        usedEstimated: 0,
        coveredMs: 3_600_000,
      })),
    )
    store.rollups.mergeStaged(store.stamps.next())
    const rows = await new SubItemReports({ registry, store }).report('2026-10-12', {
      school: 'riverside-middle',
    })
    const line = (item: string, category = 'electricity') =>
      rows.find((r) => r.item === item && r.category === category)
    expect(line('total')!.used).toBe(1000)
    expect(line('special')!.used).toBe(250)
    expect(line('special.kitchen')!.used).toBe(250)
    // The incomer's own 450 and the whole dormitory board's 300 (rooms included).
    expect(line('lighting_sockets.rooms')!.used).toBe(750)
    expect(line('unclassified')).toBeUndefined()
    expect(line('total', 'water')!.used).toBe(50)
    expect(line('total', 'water')!.unit).toBe('m3')
    expect(line('total', 'water')!.code).toBe('02000')

    const byBuilding = await new SubItemReports({ registry, store }).report('2026-10-12', {
      school: 'riverside-middle',
      byBuilding: true,
    })
    const at = (building: string, item: string) =>
      byBuilding.find((r) => r.building === building && r.item === item && r.category === 'electricity')?.used
    expect(at('teaching', 'total')).toBe(450)
    expect(at('dorm-a', 'total')).toBe(300)
    expect(at('canteen', 'total')).toBe(250)
    await store.close()
  })

  it('adds up on a week of the demo district: parts make the whole the monthly report counts', async () => {
    const h = await history({
      config: demoText,
      from: '2026-10-12T00:00:00+08:00',
      to: '2026-10-19T00:00:00+08:00',
    })
    const reports = new SubItemReports({ registry: h.registry, store: h.store })
    const rows = await reports.report('2026-10')
    const perBuilding = await reports.report('2026-10', { byBuilding: true })
    for (const school of h.registry.schools.values()) {
      const monthly = await h.reports.monthly('2026-10', school.id)
      for (const utility of ['electricity', 'water', 'heat'] as const) {
        const mine = rows.filter((r) => r.school === school.id && r.category === utility)
        const total = mine.find((r) => r.item === 'total')!
        const actual = monthly.find((r) => r.utility === utility)!.actual
        if (utility !== 'heat') expect(total.used).toBeGreaterThan(0)
        // The monthly report counts the top-level meters only; so does the sum of own uses.
        expect(total.used).toBeCloseTo(actual, 0)
        const buildings = perBuilding.filter(
          (r) => r.school === school.id && r.category === utility && r.item === 'total',
        )
        expect(buildings.reduce((a, r) => a + r.used, 0)).toBeCloseTo(total.used, 1)
        if (utility !== 'electricity') continue
        const parts = mine.filter((r) => r.level === 'subItem' || r.level === 'unclassified')
        expect(parts.reduce((a, r) => a + r.used, 0)).toBeCloseTo(total.used, 1)
        for (const top of mine.filter((r) => r.level === 'subItem')) {
          const children = mine.filter((r) => r.level === 'subItem1' && r.item.startsWith(`${top.item}.`))
          if (children.length > 0) expect(children.reduce((a, r) => a + r.used, 0)).toBeCloseTo(top.used, 1)
        }
        // Sub-meters counted once: every electricity meter's own reading adds up to more.
        const all = [...school.meters.values()].filter((m) => m.kind === 'electricity')
        const sumAll = all.reduce(
          (a, m) => a + h.store.rollups.totals([m.id], ...span(school.timezone)).used,
          0,
        )
        if (all.some((m) => m.parent)) expect(sumAll).toBeGreaterThan(total.used * 1.05)
      }
    }
    const sp = rows.filter((r) => r.school === 'sunshine-primary' && r.category === 'electricity')
    expect(sp.map((r) => r.item)).toEqual([
      'total',
      'lighting_sockets',
      'lighting_sockets.rooms',
      'special',
      'special.kitchen',
      'special.gym',
    ])
    // East vocational's incomer names no sub-item: its own use shows as not classified.
    const ev = rows.filter((r) => r.school === 'east-vocational' && r.category === 'electricity')
    expect(ev.find((r) => r.item === 'unclassified')!.used).toBeGreaterThan(0)
    expect(ev.find((r) => r.item === 'power')!.used).toBeGreaterThan(0)
  }, 300_000)
})

function span(_zone: string): [number, number] {
  return [Date.parse('2026-10-01T00:00:00+08:00'), Date.parse('2026-11-01T00:00:00+08:00')]
}
