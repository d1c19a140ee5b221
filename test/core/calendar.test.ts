import { describe, expect, it } from 'vitest'
import { SchoolCalendar } from '../../core/calendar.js'
import { loadConfigFile, parseConfig } from '../../core/config/load.js'

const demo = loadConfigFile().registry
const at = (iso: string) => Date.parse(iso)

describe('occupancy (Asia/Shanghai, the demo district)', () => {
  const primary = new SchoolCalendar(demo.schools.get('sunshine-primary')!)
  const boarding = new SchoolCalendar(demo.schools.get('riverside-middle')!)

  it('a school day: occupied inside school hours only', () => {
    // Thursday 26 November 2026, in the autumn term.
    expect(primary.occupancy('main', at('2026-11-26T07:30:00+08:00'))).toEqual({
      occupied: true,
      dayType: 'school_day',
      quiet: false,
    })
    expect(primary.occupancy('main', at('2026-11-26T17:59:00+08:00')).occupied).toBe(true)
    expect(primary.occupancy('main', at('2026-11-26T18:00:00+08:00')).occupied).toBe(false)
    expect(primary.occupancy('main', at('2026-11-26T06:59:00+08:00')).occupied).toBe(false)
    expect(primary.occupancy('main', at('2026-11-26T03:00:00+08:00'))).toEqual({
      occupied: false,
      dayType: 'school_day',
      quiet: false,
    })
  })

  it('weekends, holidays and vacations', () => {
    expect(primary.occupancy('main', at('2026-11-28T10:00:00+08:00'))).toMatchObject({
      occupied: false,
      dayType: 'weekend',
    })
    expect(primary.occupancy('main', at('2026-10-02T10:00:00+08:00'))).toMatchObject({
      occupied: false,
      dayType: 'holiday',
    })
    expect(primary.occupancy('main', at('2026-08-05T10:00:00+08:00'))).toMatchObject({
      occupied: false,
      dayType: 'vacation',
    })
    // Days are local: 23:30 UTC on the 27th is already Saturday in Shanghai.
    expect(primary.dayType(primary.local(at('2026-11-27T23:30:00Z')).date)).toBe('weekend')
  })

  it('a dormitory is occupied on school nights, from Sunday evening to Friday morning, with quiet hours', () => {
    expect(boarding.occupancy('dorm-a', at('2026-11-29T20:00:00+08:00'))).toEqual({
      occupied: true,
      dayType: 'weekend',
      quiet: false,
    })
    expect(boarding.occupancy('dorm-a', at('2026-11-30T03:00:00+08:00'))).toEqual({
      occupied: true,
      dayType: 'weekend',
      quiet: true,
    })
    expect(boarding.occupancy('dorm-a', at('2026-11-30T23:00:00+08:00'))).toEqual({
      occupied: true,
      dayType: 'school_day',
      quiet: true,
    })
    expect(boarding.occupancy('dorm-a', at('2026-11-30T10:00:00+08:00')).occupied).toBe(false)
    expect(boarding.occupancy('dorm-a', at('2026-11-27T03:00:00+08:00')).occupied).toBe(true) // Thursday night
    expect(boarding.occupancy('dorm-a', at('2026-11-27T21:00:00+08:00')).occupied).toBe(false) // Friday night
    expect(boarding.occupancy('dorm-a', at('2026-11-28T21:00:00+08:00')).occupied).toBe(false) // Saturday night
    expect(boarding.occupancy('dorm-a', at('2026-08-09T21:00:00+08:00')).occupied).toBe(false) // a Sunday in the vacation
    // The teaching block of the same school keeps school hours.
    expect(boarding.occupancy('teaching', at('2026-11-30T23:00:00+08:00')).occupied).toBe(false)
  })

  it('months are local: 23:30 on 31 October belongs to October, 00:10 on 1 November to November', () => {
    expect(primary.month(at('2026-10-31T23:30:00+08:00'))).toBe('2026-10')
    expect(primary.month(at('2026-11-01T00:10:00+08:00'))).toBe('2026-11')
    expect(primary.startOfMonth('2026-11')).toBe(at('2026-11-01T00:00:00+08:00'))
  })

  it('planned-use windows suppress the rules they name, for their building and the meters upstream of it', () => {
    const vocational = demo.schools.get('east-vocational')!
    const cal = new SchoolCalendar(vocational)
    const pool = vocational.meters.get('EV-W-POOL')!
    const main = vocational.meters.get('EV-W-MAIN')!
    const saturday = at('2026-11-28T08:00:00+08:00')
    expect(cal.suppressedRules(pool, saturday)).toEqual(
      new Set(['water.after_hours_flow', 'water.continuous_flow', 'water.night_flow']),
    )
    // The main meter sees the pool filling too; the workshop does not.
    expect(cal.suppressedRules(main, saturday)).toEqual(cal.suppressedRules(pool, saturday))
    expect(cal.suppressedRules(vocational.meters.get('EV-W-WORKSHOP')!, saturday)).toBeUndefined()
    expect(cal.suppressedRules(pool, at('2026-11-28T13:00:00+08:00'))).toBeUndefined()
    expect(cal.suppressedRules(pool, at('2026-11-27T08:00:00+08:00'))).toBeUndefined()
  })
})

describe('occupancy across daylight-saving changes (Europe/London)', () => {
  const { registry } = parseConfig(`
schools:
  - id: london
    name: London School
    timezone: Europe/London
    calendar:
      weeklyHours: { mon: ["08:00-16:00"], tue: ["08:00-16:00"], wed: ["08:00-16:00"], thu: ["08:00-16:00"], fri: ["08:00-16:00"] }
      plannedUse:
        - { name: Tank refill, start: "2026-03-29T00:30", end: "2026-03-29T03:00", rules: [water.night_flow] }
    buildings:
      - id: main
        use: teaching
        meters: [{ id: L-W, kind: water }]
`)
  const cal = new SchoolCalendar(registry.schools.get('london')!)

  it('school hours stay at 08:00 local on both sides of the spring and autumn changes', () => {
    // BST starts 29 March 2026, ends 25 October 2026.
    expect(cal.occupancy('main', at('2026-03-27T08:30:00Z')).occupied).toBe(true) // Fri 08:30 GMT
    expect(cal.occupancy('main', at('2026-03-30T07:30:00Z')).occupied).toBe(true) // Mon 08:30 BST
    expect(cal.occupancy('main', at('2026-03-30T06:30:00Z')).occupied).toBe(false) // Mon 07:30 BST
    expect(cal.occupancy('main', at('2026-10-26T07:59:00Z')).occupied).toBe(false) // Mon 07:59 GMT
    expect(cal.occupancy('main', at('2026-10-26T08:00:00Z')).occupied).toBe(true) // Mon 08:00 GMT
  })

  it('the skipped hour does not exist and the local clock jumps over it', () => {
    const before = cal.local(at('2026-03-29T00:59:00Z'))
    const after = cal.local(at('2026-03-29T01:00:00Z'))
    expect([before.minute, before.offsetMinutes]).toEqual([59, 0])
    expect([after.minute, after.offsetMinutes]).toEqual([120, 60])
    expect(cal.occupancy('main', at('2026-03-29T01:00:00Z'))).toEqual({
      occupied: false,
      dayType: 'weekend',
      quiet: false,
    })
  })

  it('a local day is 23 or 25 hours long across a change', () => {
    expect(cal.startOfDay('2026-03-30') - cal.startOfDay('2026-03-29')).toBe(23 * 3600_000)
    expect(cal.startOfDay('2026-10-26') - cal.startOfDay('2026-10-25')).toBe(25 * 3600_000)
    expect(cal.startOfDay('2026-10-25')).toBe(at('2026-10-24T23:00:00Z'))
  })

  it('one-off planned-use windows are in local time', () => {
    const meter = registry.meters.get('L-W')!
    expect(cal.suppressedRules(meter, at('2026-03-29T00:45:00Z'))).toEqual(new Set(['water.night_flow']))
    expect(cal.suppressedRules(meter, at('2026-03-29T02:30:00Z'))).toBeUndefined() // 03:30 BST
  })
})
