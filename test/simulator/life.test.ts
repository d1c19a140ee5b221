/**
 * Normal school life: each fixture behaves as its physical source does — lights that follow
 * dusk and dawn through the year, compressors that cycle, shower evenings, cleaners' full flushes,
 * rooms that stay warm after the heating stops — and each school draws its own.
 */
import { describe, expect, it } from 'vitest'
import { SchoolCalendar } from '../../core/calendar.js'
import { Compressor, DrinkingWaterBoiler } from '../../simulator/life/appliances.js'
import type { Fixture, LifeContext } from '../../simulator/life/fixture.js'
import { planSchoolLife } from '../../simulator/life/index.js'
import { YardLights } from '../../simulator/life/lighting.js'
import { CleaningRounds, ShowerEvenings } from '../../simulator/life/water.js'
import { Rng } from '../../simulator/random.js'
import { sunDay } from '../../simulator/sun.js'
import { Weather } from '../../simulator/weather.js'
import { DAY, demoRegistry, HOUR, mean, simulate } from '../helpers/simulated.js'

const STEP = 10_000
const riverside = demoRegistry.schools.get('riverside-middle')!
const calendar = new SchoolCalendar(riverside)

/** Runs a fixture over [from, to) in 10-s steps at a site; returns its draw per step. */
function run(fixture: Fixture, from: string, days: number, lat = 39.9, lon = 116.4) {
  const start = Date.parse(from)
  const out: { t: number; watts: number; lps: number }[] = []
  for (let t = start; t < start + days * DAY; t += STEP) {
    const local = calendar.local(t)
    const ctx: LifeContext = {
      t,
      dtMs: STEP,
      local,
      calendar,
      outdoorC: 5,
      sun: sunDay(local.day, lat, lon),
    }
    fixture.step(ctx)
    out.push({ t, watts: fixture.watts, lps: fixture.lps })
  }
  return out
}

/** Local HH:MM and date (Asia/Shanghai) of an instant. */
const hhmm = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(11, 16)
const localDate = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 10)

describe('sun', () => {
  it('rises and sets as the almanac says, by season and latitude', () => {
    const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / DAY
    // Beijing: 07:33 / 16:53 at the winter solstice, 04:46 / 19:46 at the summer one.
    const winter = sunDay(day('2026-12-21'), 39.9, 116.4)
    const summer = sunDay(day('2026-06-21'), 39.9, 116.4)
    expect([hhmm(winter.sunrise), hhmm(winter.sunset)]).toEqual(['07:32', '16:52'])
    expect([hhmm(summer.sunrise), hhmm(summer.sunset)]).toEqual(['04:45', '19:46'])
    // Kunming, far to the south-west on the same clock: sunset at 18:24 in December.
    expect(hhmm(sunDay(day('2026-12-21'), 25.04, 102.7).sunset)).toBe('18:24')
  })
})

describe('yard lighting', () => {
  const lights = (control: 'photocell' | 'astronomical') =>
    new YardLights(`test|${control}`, {
      watts: 4000,
      control,
      led: true,
      afterSunsetMin: 10,
      beforeSunriseMin: 10,
      ...(control === 'astronomical' ? { partNight: { fromMin: 0, toMin: 300, share: 0.5 } } : {}),
    })
  const switchedOn = (series: { t: number; watts: number }[]) =>
    series.filter((s, i) => i > 0 && s.watts > 0 && series[i - 1]!.watts === 0).map((s) => s.t)

  it('a photocell lights every night, weekends too, from dusk to dawn, moving with the weather', () => {
    // A Saturday and a Sunday in December, then a week in June.
    const december = run(lights('photocell'), '2026-12-19T00:00:00+08:00', 2)
    const june = run(lights('photocell'), '2026-06-15T00:00:00+08:00', 7)
    const onDec = switchedOn(december).map(hhmm)
    const onJune = switchedOn(june).map(hhmm)
    expect(onDec).toHaveLength(2)
    expect(onJune).toHaveLength(7)
    for (const t of onDec) expect(t >= '16:35' && t <= '17:25', t).toBe(true)
    for (const t of onJune) expect(t >= '19:30' && t <= '20:20', t).toBe(true)
    // The switching time moves from day to day with the light, as a photocell's does.
    expect(new Set(onJune).size).toBeGreaterThan(3)
    const at = (series: typeof june, h: number) =>
      series.find((s) => hhmm(s.t) === `${String(h).padStart(2, '0')}:00`)!
    expect(at(december, 2).watts).toBe(4000)
    expect(at(december, 12).watts).toBe(0)
  })

  it('an astronomical timer switches to the minute of the computed sunset, half the lamps off after midnight', () => {
    const week = run(lights('astronomical'), '2026-12-14T00:00:00+08:00', 7)
    const on = switchedOn(week)
    expect(on).toHaveLength(7)
    for (const t of on) {
      const s = sunDay(Math.floor((t + 8 * HOUR) / DAY), 39.9, 116.4)
      expect(Math.abs(t - (s.sunset + 10 * 60_000))).toBeLessThanOrEqual(STEP)
    }
    const atTwo = week.find((s) => hhmm(s.t) === '02:00')!
    expect(atTwo.watts).toBe(2000)
  })
})

describe('refrigeration', () => {
  it('a cold room cycles on its thermostat: its half-hours swing by more than 0.1 kW', () => {
    const cold = new Compressor(new Rng('cold'), {
      what: 'walk-in cold room',
      watts: 2000,
      pf: 0.8,
      onMin: 15,
      offMin: 12,
    })
    const day = run(cold, '2026-11-28T00:00:00+08:00', 1)
    const halfHours = Array.from({ length: 48 }, (_, i) => {
      const slice = day.slice(i * 180, (i + 1) * 180)
      return slice.reduce((a, s) => a + s.watts, 0) / slice.length / 1000
    })
    const duty = day.filter((s) => s.watts > 0).length / day.length
    expect(duty).toBeGreaterThan(0.45)
    expect(duty).toBeLessThan(0.7)
    expect(Math.max(...halfHours) - Math.min(...halfHours)).toBeGreaterThan(0.1 * 2)
    // On or off, never half-way: the power steps between 0 and the compressor's rating.
    expect(new Set(day.map((s) => Math.round(s.watts))).size).toBeGreaterThan(2)
  })

  it('a drinking-water boiler left on reheats for minutes every hour or two through the night', () => {
    const boiler = new DrinkingWaterBoiler(new Rng('boiler'), {
      heaterW: 6000,
      tankL: 80,
      lossW: 250,
      litresPerDay: 100,
      building: riverside.buildings.get('teaching')!,
    })
    // Saturday: the building is empty all day.
    const saturday = run(boiler, '2026-11-28T00:00:00+08:00', 1)
    const starts = saturday.filter((s, i) => i > 0 && s.watts > 0 && saturday[i - 1]!.watts === 0)
    expect(starts.length).toBeGreaterThanOrEqual(8)
    expect(starts.length).toBeLessThanOrEqual(24)
    const onShare = saturday.filter((s) => s.watts > 0).length / saturday.length
    // Standby losses of 250 W made good by a 6-kW element: about 4 % of the time.
    expect(onShare).toBeGreaterThan(0.02)
    expect(onShare).toBeLessThan(0.07)
  })
})

describe('water', () => {
  it('boarders shower on their evenings at 30–50 L/min for about 100 minutes, then the heat pump reheats', () => {
    const showers = new ShowerEvenings('showers', new Rng('showers'), {
      weekdays: [1, 3],
      startMin: 19 * 60 + 30,
      minutes: 100,
      heads: 6,
      lpmPerHead: 7,
      heatPumpW: 12_000,
      reheatFromMin: 23 * 60,
      dormitory: riverside.buildings.get('dorm-a')!,
    })
    const week = run(showers, '2026-11-23T00:00:00+08:00', 7)
    const minutesAbove = (d: number, lpm: number) =>
      week.filter(
        (s) =>
          s.t >= Date.parse('2026-11-23T00:00:00+08:00') + d * DAY &&
          s.t < Date.parse('2026-11-23T00:00:00+08:00') + (d + 1) * DAY &&
          s.lps * 60 >= lpm,
      ).length / 6
    // Tuesday and Thursday evenings only.
    for (const d of [1, 3]) {
      expect(minutesAbove(d, 20)).toBeGreaterThan(75)
      expect(minutesAbove(d, 20)).toBeLessThan(115)
      expect(minutesAbove(d, 30)).toBeGreaterThan(45)
    }
    for (const d of [0, 2, 4, 5, 6]) expect(minutesAbove(d, 1)).toBe(0)
    expect(Math.max(...week.map((s) => s.lps * 60))).toBeLessThanOrEqual(6 * 7 * 1.1)
    const reheat = week.filter((s) => s.watts > 0)
    expect(reheat.length).toBeGreaterThan(0)
    for (const s of reheat) expect(hhmm(s.t) >= '23:00' || hhmm(s.t) < '07:00').toBe(true)
  })

  it('cleaners flush full 6-L cisterns every 2–4 minutes in the empty building', () => {
    const cleaning = new CleaningRounds('cleaning', new Rng('cleaning'), {
      weekdays: [5],
      startMin: 8 * 60,
      dayTypes: ['weekend'],
      cisterns: 16,
      buckets: 0,
      lightsW: 1000,
      building: riverside.buildings.get('teaching')!,
    })
    // Saturdays: most weeks have a round.
    const month = run(cleaning, '2026-11-23T00:00:00+08:00', 28)
    const rounds = new Set(month.filter((s) => s.lps > 0).map((s) => localDate(s.t)))
    expect(rounds.size).toBeGreaterThanOrEqual(2)
    for (const date of rounds) expect(new Date(`${date}T12:00:00+08:00`).getUTCDay()).toBe(6)
    // One round: flushes of 5.6–6.4 L, one starting every 2–4 minutes.
    const day = [...rounds][0]!
    const steps = month.filter((s) => localDate(s.t) === day)
    const flushes: [number, number][] = []
    for (let i = 0; i < steps.length; i++) {
      if (steps[i]!.lps === 0) continue
      if (i > 0 && steps[i - 1]!.lps > 0) flushes[flushes.length - 1]![1] += steps[i]!.lps * 10
      else flushes.push([steps[i]!.t, steps[i]!.lps * 10])
    }
    expect(flushes).toHaveLength(16)
    for (const [, litres] of flushes) {
      expect(litres).toBeGreaterThan(5.5)
      expect(litres).toBeLessThan(6.5)
    }
    for (let i = 1; i < flushes.length; i++) {
      const gap = (flushes[i]![0] - flushes[i - 1]![0]) / 60_000
      expect(gap).toBeGreaterThanOrEqual(2 - 1 / 6)
      expect(gap).toBeLessThanOrEqual(4 + 1 / 6)
    }
  })
})

describe('heating', () => {
  it('a classroom stays warm for hours after the heating stops, with no heat flowing', () => {
    const week = simulate({ start: '2026-11-23T00:00:00+08:00', days: 3, schools: ['sunshine-primary'] })
    const room = week.byMeter.get('SP-T-C101')!
    const heat = week.byMeter.get('SP-H-MAIN')!
    const at = (h: number) => week.start + DAY + h * HOUR // Tuesday
    const afternoon = mean(room, 'temp_c', at(15), at(16))
    const evening = mean(room, 'temp_c', at(20), at(21))
    const small = mean(room, 'temp_c', at(26), at(27)) // 02:00 on Wednesday
    expect(afternoon).toBeGreaterThan(19.5)
    // Two hours after the building closes: a degree or three down, not at setback yet.
    expect(evening).toBeLessThan(afternoon - 1)
    expect(evening).toBeGreaterThan(afternoon - 4)
    expect(small).toBeLessThan(evening)
    expect(mean(heat, 'power_kw', at(19), at(22))).toBe(0)
  })
})

describe('each school its own', () => {
  it('the same seed makes the same school; another seed another one', () => {
    const weather = new Weather('x', calendar)
    const plan = (seed: string) =>
      planSchoolLife(riverside, { seed, calendar, weather }).placements.map(
        (p) => `${p.electricity}|${p.water}|${p.fixture.name}`,
      )
    expect(plan('a')).toEqual(plan('a'))
    expect(plan('a')).not.toEqual(plan('b'))
    expect(plan('a').some((p) => p.includes('yard lights'))).toBe(true)
  })
})
