/**
 * The heating rules the golden cases do not cover — heat.frost_risk, heat.overheating and
 * heat.no_heat — through the real decoder, registers, engine and alert manager, in event time
 * (the golden school: Asia/Shanghai, Monday 16 November 2026 is a school day in the heating season).
 */
import { describe, expect, it } from 'vitest'
import { alerting, HOUR, MIN, type Point, series } from '../helpers/alerting.js'
import { interleave, MON, SAT } from '../helpers/golden.js'

type Feeds = [meter: string, points: Point[]][]

async function run(feeds: Feeds) {
  const h = await alerting()
  for (const { meter, point } of interleave(feeds)) h.feed(meter, [point])
  return h
}

/** Room temperature every 5 min from `from` for `hours`, as `f` says. */
const room = (from: number, hours: number, f: (t: number) => number): Feeds => [
  ['T-ROOM', series(from, 5 * MIN, hours * 12, (t) => ({ temp_c: f(t) }))],
]

describe('heat.frost_risk', () => {
  it('a room below 5 °C → critical at once; back above 6 °C for 30 min → resolved', async () => {
    const cold = MON + 2 * HOUR
    const warm = MON + 4 * HOUR
    const h = await run(room(MON, 6, (t) => (t >= cold && t < warm ? 4 : 12)))
    const [a] = await h.list('heat.frost_risk')
    expect(a).toMatchObject({ meter: 'T-ROOM', severity: 'critical', openedAt: cold, status: 'resolved' })
    expect(a!.evidence).toMatchObject({ roomC: 4, limitC: 5 })
    expect(a!.resolvedAt).toBe(warm + 30 * MIN)
    await h.stop()
  })

  it('hovering between 5 and 6 °C after a dip neither clears nor raises again', async () => {
    const h = await run(room(MON, 6, (t) => (t < MON + HOUR ? 4.5 : 5.5)))
    const alerts = await h.list('heat.frost_risk')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.status).toBe('open')
    await h.stop()
  })

  it('5.5 °C without a dip below 5 → nothing', async () => {
    const h = await run(room(MON, 6, () => 5.5))
    expect(await h.list('heat.frost_risk')).toEqual([])
    await h.stop()
  })
})

describe('heat.overheating', () => {
  it('an occupied classroom at 26 °C from 09:00 → warning after two hours', async () => {
    const h = await run(room(MON + 8 * HOUR, 5, (t) => (t >= MON + 9 * HOUR ? 26 : 21)))
    const [a] = await h.list('heat.overheating')
    expect(a).toMatchObject({ meter: 'T-ROOM', openedAt: MON + 11 * HOUR })
    await h.stop()
  })

  it('26 °C for an hour and a half → nothing', async () => {
    const h = await run(
      room(MON + 8 * HOUR, 5, (t) => (t >= MON + 9 * HOUR && t < MON + 10.5 * HOUR ? 26 : 21)),
    )
    expect(await h.list('heat.overheating')).toEqual([])
    await h.stop()
  })

  it('26 °C all Saturday, nobody in → nothing', async () => {
    const h = await run(room(SAT + 8 * HOUR, 8, () => 26))
    expect(await h.list('heat.overheating')).toEqual([])
    await h.stop()
  })
})

describe('heat.no_heat', () => {
  /** Outdoor and circuit readings every 5 min on Monday from 07:00, supply at `supplyC`. */
  const circuit = (outdoorC: number, supplyC: number): Feeds => {
    let kwh = 500
    return [
      ['T-OUT', series(MON + 7 * HOUR, 5 * MIN, 4 * 12, () => ({ temp_c: outdoorC }))],
      [
        'H1',
        series(MON + 7 * HOUR, 5 * MIN, 4 * 12, () => {
          kwh += 1
          return {
            energy_kwh: kwh,
            power_kw: 12,
            supply_c: supplyC,
            return_c: supplyC - 3,
            flow_m3h: 3.4,
          }
        }),
      ],
    ]
  }

  it('a school morning at 0 °C outdoors with the supply at 25 °C → critical after an hour', async () => {
    const h = await run(circuit(0, 25))
    const [a] = await h.list('heat.no_heat')
    expect(a).toMatchObject({ meter: 'H1', severity: 'critical' })
    expect(a!.evidence).toMatchObject({ supplyC: 25, limitC: 30, outdoorC: 0 })
    // Readings from 07:00, the school day under way: held an hour, then kept up to date.
    expect(a!.openedAt).toBe(MON + 8 * HOUR)
    expect(a!.evidence.hours).toBeCloseTo(3.9, 1)
    await h.stop()
  })

  it('the same supply on a mild morning (18 °C outdoors) → nothing: no heat is needed', async () => {
    const h = await run(circuit(18, 25))
    expect(await h.list('heat.no_heat')).toEqual([])
    await h.stop()
  })

  it('a supply at 60 °C → nothing', async () => {
    const h = await run(circuit(0, 60))
    expect(await h.list('heat.no_heat')).toEqual([])
    await h.stop()
  })

  it('a classroom at 14 °C through a school morning → warning', async () => {
    const h = await run(room(MON + 7 * HOUR, 4, () => 14))
    const [a] = await h.list('heat.no_heat')
    expect(a).toMatchObject({ meter: 'T-ROOM', severity: 'warning' })
    expect(a!.evidence.roomC).toBe(14)
    await h.stop()
  })
})
