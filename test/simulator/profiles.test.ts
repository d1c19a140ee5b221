/**
 * A simulated week of the demo district looks like a school: these assertions are on shape —
 * weekday peaks, quiet nights, weekend and holiday lows, heating that follows the weather.
 */
import { describe, expect, it } from 'vitest'
import { DAY, HOUR, mean, simulate, used } from '../helpers/simulated.js'

// Monday 23 November 2026 to Sunday 29 November: term time, heating season.
const week = simulate({
  start: '2026-11-23T00:00:00+08:00',
  days: 7,
  schools: ['sunshine-primary', 'riverside-middle'],
})
const s = (id: string) => week.byMeter.get(id)!
const day = (d: number, h = 0) => week.start + d * DAY + h * HOUR
const hourly = (id: string, field: 'volume_m3' | 'energy_kwh', d: number) =>
  Array.from({ length: 24 }, (_, h) => used(s(id), field, day(d, h), day(d, h + 1)))

describe('water', () => {
  it('a school day uses 10–20 L per pupil, with the busiest hours at arrival, breaks and lunch', () => {
    for (let d = 0; d < 5; d++) {
      const litres = used(s('SP-W-MAIN'), 'volume_m3', day(d), day(d + 1)) * 1000
      expect(litres / 640).toBeGreaterThan(10)
      expect(litres / 640).toBeLessThan(30)
      const hours = hourly('SP-W-MAIN', 'volume_m3', d)
      const busiest = hours.indexOf(Math.max(...hours))
      expect([7, 9, 11, 12]).toContain(busiest)
    }
  })

  it('nights are near zero, except the timed urinal cisterns of the toilet block', () => {
    for (let d = 0; d < 7; d++) {
      for (let h = 0; h < 5; h++) {
        // The canteen has no cisterns: nothing at night.
        expect(used(s('SP-W-CANTEEN'), 'volume_m3', day(d, h), day(d, h + 1))).toBe(0)
        // The toilet block flushes its urinals every 20 minutes: 3 × 4.5 L an hour.
        const wc = used(s('SP-W-WC1'), 'volume_m3', day(d, h), day(d, h + 1)) * 1000
        expect(wc).toBeGreaterThan(9)
        expect(wc).toBeLessThan(18)
      }
    }
  })

  it('weekends use a fraction of a school day', () => {
    const weekday = used(s('SP-W-MAIN'), 'volume_m3', day(2), day(3))
    for (const d of [5, 6])
      expect(used(s('SP-W-MAIN'), 'volume_m3', day(d), day(d + 1))).toBeLessThan(weekday * 0.1)
  })

  it('boarders shower in the morning and the evening', () => {
    const hours = hourly('RM-W-DORMA', 'volume_m3', 1)
    const morning = hours[6]!
    const evening = Math.max(hours[20]!, hours[21]!)
    const afternoon = hours[15]!
    expect(morning).toBeGreaterThan(afternoon * 3)
    expect(evening).toBeGreaterThan(afternoon * 3)
  })
})

describe('electricity', () => {
  it('peaks on school days, sits near base load at weekends, and lights the yard at night', () => {
    const noon = mean(s('SP-E-MAIN'), 'power_w', day(2, 10), day(2, 11))
    const night = mean(s('SP-E-MAIN'), 'power_w', day(2, 2), day(2, 3))
    const saturdayNoon = mean(s('SP-E-MAIN'), 'power_w', day(5, 10), day(5, 11))
    const sundayNoon = mean(s('SP-E-MAIN'), 'power_w', day(6, 10), day(6, 11))
    expect(noon).toBeGreaterThan(night * 3)
    expect(noon).toBeGreaterThan(saturdayNoon * 4)
    expect(saturdayNoon).toBeLessThan(sundayNoon * 1.15)
    expect(saturdayNoon).toBeGreaterThan(sundayNoon * 0.85)
    // Yard and street lights are on from dusk to dawn, every night including weekends.
    const saturdayNight = mean(s('SP-E-MAIN'), 'power_w', day(5, 2), day(5, 3))
    expect(night).toBeGreaterThan(saturdayNoon * 1.1)
    expect(saturdayNight).toBeGreaterThan(saturdayNoon * 1.1)
  })

  it('the canteen cooks before lunch', () => {
    const cooking = mean(s('SP-E-KITCHEN'), 'power_w', day(1, 11), day(1, 12))
    const afternoon = mean(s('SP-E-KITCHEN'), 'power_w', day(1, 15), day(1, 16))
    expect(cooking).toBeGreaterThan(afternoon * 2)
  })

  it('a dorm room is used on school evenings, quiet at night and empty by day and at weekends', () => {
    const room = s('RM-E-A101')
    const evening = mean(room, 'power_w', day(1, 19), day(1, 22))
    const quiet = mean(room, 'power_w', day(2, 1), day(2, 5))
    const daytime = mean(room, 'power_w', day(1, 10), day(1, 16))
    const saturdayEvening = mean(room, 'power_w', day(5, 19), day(5, 22))
    expect(evening).toBeGreaterThan(90)
    expect(quiet).toBeLessThan(evening / 2)
    expect(daytime).toBeLessThan(15)
    expect(saturdayEvening).toBeLessThan(15)
    // No resistive appliance in a fault-free week: nothing near 800 W.
    expect(Math.max(...room.values.map((v) => v.power_w!))).toBeLessThan(400)
  })

  it('sub-meters add up to no more than their parent', () => {
    const children = ['SP-E-KITCHEN', 'SP-E-GYM'].reduce(
      (a, id) => a + used(s(id), 'energy_kwh', day(0), day(7)),
      0,
    )
    expect(used(s('SP-E-MAIN'), 'energy_kwh', day(0), day(7))).toBeGreaterThan(children)
  })
})

describe('heating', () => {
  it('classrooms are warm in school hours, set back at night, and left cool at weekends', () => {
    const room = s('SP-T-C101')
    expect(mean(room, 'temp_c', day(1, 9), day(1, 16))).toBeGreaterThan(19.5)
    expect(mean(room, 'temp_c', day(1, 9), day(1, 16))).toBeLessThan(23)
    expect(mean(room, 'temp_c', day(2, 1), day(2, 3))).toBeLessThan(18)
    expect(mean(room, 'temp_c', day(6, 12), day(6, 14))).toBeLessThan(16)
    // Preheated before 07:00 on Monday after the cold weekend.
    expect(mean(room, 'temp_c', day(0, 7), day(0, 8))).toBeGreaterThan(18)
  })

  it('supply is hot while the school is occupied, and delta-T healthy', () => {
    const c = s('SP-H-MAIN')
    expect(mean(c, 'supply_c', day(1, 9), day(1, 16))).toBeGreaterThanOrEqual(40)
    const dt = mean(c, 'supply_c', day(1, 9), day(1, 16)) - mean(c, 'return_c', day(1, 9), day(1, 16))
    expect(dt).toBeGreaterThan(7)
  })

  it('heat use follows the outdoor temperature week by week; Mondays recharge the weekend', () => {
    // Eight weeks from 16 November; the week with the New Year holiday is left out.
    const season = simulate({ start: '2026-11-16T00:00:00+08:00', days: 56, schools: ['sunshine-primary'] })
    const heat = season.byMeter.get('SP-H-MAIN')!
    const outdoor = season.byMeter.get('SP-T-OUT')!
    const xs: number[] = []
    const ys: number[] = []
    const mondays: number[] = []
    const others: number[] = []
    for (let w = 0; w < 8; w++) {
      const from = season.start + w * 7 * DAY
      for (let d = 0; d < 5; d++) {
        const kwh = used(heat, 'energy_kwh', from + d * DAY, from + (d + 1) * DAY)
        ;(d === 0 ? mondays : others).push(kwh)
      }
      if (w === 6) continue
      // A heavy building's heat answers the week's weather more than the day's.
      xs.push(18 - mean(outdoor, 'temp_c', from, from + 7 * DAY))
      ys.push(used(heat, 'energy_kwh', from, from + 7 * DAY))
    }
    expect(correlation(xs, ys)).toBeGreaterThan(0.8)
    // Monday's heat also warms the walls back up after the weekend.
    const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length
    expect(avg(mondays)).toBeGreaterThan(avg(others) * 1.1)
  })

  it('outside the heating season the circuits stay off', () => {
    const may = simulate({ start: '2026-05-11T00:00:00+08:00', days: 3, schools: ['sunshine-primary'] })
    expect(Math.max(...may.byMeter.get('SP-H-MAIN')!.values.map((v) => v.power_kw!))).toBe(0)
    const outdoor = mean(may.byMeter.get('SP-T-OUT')!, 'temp_c', may.start, may.start + 3 * DAY)
    expect(outdoor).toBeGreaterThan(12)
  })
})

describe('the calendar', () => {
  it('a holiday is as quiet as a weekend', () => {
    // Thursday 1 October 2026 (National Day) against Thursday 15 October.
    const holiday = simulate({ start: '2026-10-01T00:00:00+08:00', days: 1, schools: ['sunshine-primary'] })
    const normal = simulate({ start: '2026-10-15T00:00:00+08:00', days: 1, schools: ['sunshine-primary'] })
    const h = used(holiday.byMeter.get('SP-W-MAIN')!, 'volume_m3', holiday.start, holiday.start + DAY)
    const n = used(normal.byMeter.get('SP-W-MAIN')!, 'volume_m3', normal.start, normal.start + DAY)
    expect(h).toBeLessThan(n * 0.1)
  })
})

function correlation(xs: number[], ys: number[]): number {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my)
    sxx += (xs[i]! - mx) ** 2
    syy += (ys[i]! - my) ** 2
  }
  return sxy / Math.sqrt(sxx * syy)
}
