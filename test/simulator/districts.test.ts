/**
 * Generated districts of each kind: valid registries of 30–40 meters with the character their
 * kind promises, the same for the same seed, different for another; and fault plans with every
 * class of fault that can happen there, inside the window, on branches that do not overlap.
 */

import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { SchoolCalendar } from '../../core/calendar.js'
import { parseConfig } from '../../core/config/load.js'
import { createSimulation, DISTRICT_KINDS, generateKind, planFaults } from '../../simulator/index.js'

const DAY = 86_400_000
const registryOf = (kind: (typeof DISTRICT_KINDS)[number], seed: string) => {
  const d = generateKind(kind, seed)
  return { ...d, registry: parseConfig(stringify(d.config), kind).registry }
}

describe('generated districts', () => {
  it('each kind is a valid registry of 30–40 meters, and the seed decides it', () => {
    for (const kind of DISTRICT_KINDS) {
      const { registry, sites, start } = registryOf(kind, 'a')
      expect(registry.meters.size, kind).toBeGreaterThanOrEqual(30)
      expect(registry.meters.size, kind).toBeLessThanOrEqual(42)
      for (const school of registry.schools.values()) expect(sites[school.id], kind).toBeDefined()
      // Evaluation starts on a Monday of term time.
      const school = [...registry.schools.values()][0]!
      const cal = new SchoolCalendar(school)
      expect(cal.local(Date.parse(start)).weekday, kind).toBe(0)
      expect(cal.local(Date.parse(start)).minute, kind).toBe(0)
      expect(cal.dayType(cal.local(Date.parse(start)).date), kind).toBe('school_day')
      expect(stringify(generateKind(kind, 'a').config)).toBe(stringify(generateKind(kind, 'a').config))
      expect(stringify(generateKind(kind, 'b').config)).not.toBe(stringify(generateKind(kind, 'a').config))
    }
  })

  it('each has the character of its kind', () => {
    const rural = registryOf('rural-boarding', 'a').registry
    const water = [...rural.meters.values()].filter((m) => m.kind === 'water' || m.kind === 'electricity')
    expect(water.every((m) => m.intervalSeconds === 15)).toBe(true)
    // A dormitory meter small enough that a shower evening is above 20 % of its Q3.
    expect(rural.meters.get('LJ-W-DORM')!.config.nominalFlowM3h! * (1000 / 60) * 0.2).toBeLessThan(30)

    const urban = registryOf('urban-senior', 'a').registry
    const school = [...urban.schools.values()][0]!
    const cal = new SchoolCalendar(school)
    expect(cal.dayType('2026-11-21')).toBe('school_day') // Saturday classes
    expect(cal.dayType('2026-11-25')).toBe('holiday') // a Wednesday off
    expect(cal.occupancy('block-a', Date.parse('2026-11-17T21:00:00+08:00')).occupied).toBe(true)
    expect(school.calendar.plannedUse.map((w) => w.building)).toEqual(['hall', 'hall'])

    const vocational = registryOf('vocational', 'a').registry
    expect([...vocational.schools.values()][0]!.timezone).toBe('Asia/Urumqi')
    expect([...vocational.meters.values()].some((m) => m.building.use === 'pool')).toBe(true)

    const mild = registryOf('mild-primary', 'a').registry
    expect(mild.schools.size).toBe(2)
    expect([...mild.meters.values()].some((m) => m.kind === 'heat')).toBe(false)
  })

  it('a fault plan has every class that can happen, inside the window, one cause at a time per branch', () => {
    for (const kind of DISTRICT_KINDS) {
      const { registry, start } = registryOf(kind, 'a')
      const from = Date.parse(start)
      const scenario = planFaults(registry, { seed: 'a', start: from, days: 28 })
      const types = new Set(scenario.faults.map((f) => f.type))
      const expected = ['drip_leak', 'running_toilet', 'burst', 'after_hours_load', 'meter_offline']
      const heated = [...registry.meters.values()].some((m) => m.kind === 'heat')
      const dorms = [...registry.meters.values()].some((m) => m.space?.use === 'dorm_room')
      if (dorms) expected.push('kettle', 'hair_dryer', 'heater')
      if (heated) expected.push('weekend_heating', 'low_delta_t', 'no_heat', 'frost', 'overheating')
      for (const t of expected) expect(types.has(t as never), `${kind}: ${t}`).toBe(true)
      for (const f of scenario.faults) {
        const s = Date.parse(f.start)
        expect(s, `${kind}: ${f.name}`).toBeGreaterThan(from)
        expect(s, `${kind}: ${f.name}`).toBeLessThan(from + 27 * DAY)
      }
      // The plan goes through the simulator as any scenario does.
      const sim = createSimulation({ registry, start: from, seed: 'a', scenario })
      expect(sim.groundTruth().length).toBe(scenario.faults.length)
    }
  })

  it('dorm-room faults come when boarders are in: kettles awake, heaters in the quiet hours', () => {
    const { registry, start } = registryOf('rural-boarding', 'c')
    const scenario = planFaults(registry, { seed: 'c', start: Date.parse(start), days: 28 })
    const cal = new SchoolCalendar([...registry.schools.values()][0]!)
    for (const f of scenario.faults) {
      if (f.type !== 'kettle' && f.type !== 'hair_dryer' && f.type !== 'heater') continue
      const o = cal.occupancy('dorm', Date.parse(f.start))
      expect(o.occupied, f.name).toBe(true)
      expect(o.quiet, f.name).toBe(f.type === 'heater')
    }
  })
})
