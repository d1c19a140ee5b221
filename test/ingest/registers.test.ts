import { describe, expect, it } from 'vitest'
import { render } from '../../core/i18n/index.js'
import {
  applyReading,
  newRegisterState,
  type RegisterOutcome,
  type RegisterParams,
  type RegisterState,
} from '../../ingest/registers.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 26, 0, 0)
const params = (over: Partial<RegisterParams> = {}): RegisterParams => ({
  maxRatePerHour: 1000,
  watermarkMs: 10 * MIN,
  maxRecent: 12,
  ...over,
})

/** Feeds [minute, value] pairs; returns outcomes and the counted deltas in order of arrival. */
function feed(values: [number, number][], p = params(), s: RegisterState = newRegisterState()) {
  const outcomes: RegisterOutcome[] = values.map(([min, v]) => applyReading(s, T0 + min * MIN, v, p))
  return { s, outcomes }
}

function total(outcomes: RegisterOutcome[]): number {
  let sum = 0
  for (const o of outcomes) {
    if (o.type !== 'counted') continue
    sum += o.delta
    for (const r of o.revisions) sum += r.delta - r.previousDelta
  }
  return Math.round(sum * 1e9) / 1e9
}

const deltas = (outcomes: RegisterOutcome[]) => outcomes.map((o) => (o.type === 'counted' ? o.delta : o.type))

describe('registers (RULES.md golden cases 10–13)', () => {
  it('10: 100 → 105 → 104.8 → 106 counts 5, 0, 1 (a small dip keeps the high-water mark)', () => {
    const { outcomes } = feed([
      [0, 100],
      [1, 105],
      [2, 104.8],
      [3, 106],
    ])
    expect(deltas(outcomes)).toEqual(['first', 5, 0, 1])
    expect(outcomes.every((o) => o.type !== 'counted' || !o.anomaly)).toBe(true)
  })

  it('11: a 5-digit register 99 990 → 12 counts 22 and records a rollover', () => {
    const { outcomes } = feed(
      [
        [0, 99_990],
        [1, 12],
      ],
      params({ modulus: 1e5, maxRatePerHour: 5000 }),
    )
    expect(deltas(outcomes)).toEqual(['first', 22])
    const o = outcomes[1]!
    expect(o.type === 'counted' && o.anomaly).toMatchObject({
      type: 'rollover',
      previous: 99_990,
      current: 12,
      counted: 22,
    })
  })

  it('12: 5000 → 3 counts 3 and records a reset', () => {
    const { outcomes } = feed([
      [0, 5000],
      [1, 3],
    ])
    expect(deltas(outcomes)).toEqual(['first', 3])
    const o = outcomes[1]!
    expect(o.type === 'counted' && o.anomaly).toMatchObject({
      type: 'reset',
      previous: 5000,
      current: 3,
      counted: 3,
    })
  })

  it('13: the same reading twice is counted once', () => {
    const { outcomes } = feed([
      [0, 100],
      [1, 101],
      [1, 101],
      [2, 103],
    ])
    expect(deltas(outcomes)).toEqual(['first', 1, 'duplicate', 2])
    expect(total(outcomes)).toBe(3)
  })

  it('13: an out-of-order reading inside the watermark gives the same totals as in order', () => {
    const inOrder = feed([
      [0, 100],
      [1, 101],
      [2, 103],
      [3, 106],
      [4, 110],
    ])
    const shuffled = feed([
      [0, 100],
      [1, 101],
      [3, 106],
      [4, 110],
      [2, 103],
    ])
    expect(total(shuffled.outcomes)).toBe(total(inOrder.outcomes))
    expect(total(inOrder.outcomes)).toBe(10)
    const late = shuffled.outcomes[4]!
    expect(late.type).toBe('counted')
    if (late.type !== 'counted') return
    // The slotted-in reading counts 101 → 103; the one after it is revised from 5 to 3.
    expect(late.delta).toBe(2)
    expect(late.from).toBe(T0 + 1 * MIN)
    expect(late.revisions).toEqual([{ ts: T0 + 3 * MIN, from: T0 + 2 * MIN, delta: 3, previousDelta: 5 }])
    // The state afterwards is the in-order state.
    expect(shuffled.s.r).toEqual(inOrder.s.r)
  })
})

describe('registers: the other branches', () => {
  it('a reading behind the watermark is late: stored, not counted, state unchanged', () => {
    const { s, outcomes } = feed([
      [0, 100],
      [30, 130],
    ])
    const before = JSON.stringify(s)
    const o = applyReading(s, T0 + 15 * MIN, 115, params())
    // With the meter's newest reading and the time before which readings no longer count: here
    // the newest itself, as the one before it lies 30 minutes back, beyond the watermark.
    expect(o).toEqual({ type: 'late', latest: T0 + 30 * MIN, watermark: T0 + 30 * MIN })
    expect(JSON.stringify(s)).toBe(before)
    expect(applyReading(s, T0 + 30 * MIN, 130, params())).toEqual({
      type: 'duplicate',
      latest: T0 + 30 * MIN,
      watermark: T0 + 30 * MIN,
    })
    // Readings a minute apart: the watermark trails the newest by WATERMARK_SECONDS.
    const { s: dense } = feed(Array.from({ length: 12 }, (_, i) => [30 + i, 130 + i] as [number, number]))
    expect(applyReading(dense, T0 + 25 * MIN, 125, params())).toEqual({
      type: 'late',
      latest: T0 + 41 * MIN,
      watermark: T0 + 31 * MIN,
    })
    expect(total(outcomes)).toBe(30)
  })

  it('a reading older than everything remembered is late even inside the watermark', () => {
    const s = newRegisterState()
    applyReading(s, T0 + 5 * MIN, 100, params())
    // Nothing before the one reading remembered can be slotted in: that is its watermark.
    expect(applyReading(s, T0 + 4 * MIN, 99, params())).toEqual({
      type: 'late',
      latest: T0 + 5 * MIN,
      watermark: T0 + 5 * MIN,
    })
  })

  it('a rise faster than the meter can pass is rejected as implausible and not counted', () => {
    const { s, outcomes } = feed([
      [0, 100],
      [1, 101],
    ])
    const o = applyReading(s, T0 + 2 * MIN, 5000, params())
    expect(o.type).toBe('implausible')
    if (o.type === 'implausible') {
      expect(render('en', o.detail)).toMatch(/more than the meter can pass/)
      expect(o.anomaly).toMatchObject({ type: 'implausible_jump', previous: 101, current: 5000 })
    }
    // The next normal reading counts from the old level.
    const next = applyReading(s, T0 + 3 * MIN, 102, params())
    expect(next).toMatchObject({ type: 'counted', delta: 1, from: T0 + 1 * MIN })
    expect(total(outcomes)).toBe(1)
  })

  it('a jump confirmed by the next reading is a replacement: the new level is adopted', () => {
    const { s } = feed([
      [0, 100],
      [1, 101],
    ])
    expect(applyReading(s, T0 + 2 * MIN, 7000, params()).type).toBe('implausible')
    const o = applyReading(s, T0 + 3 * MIN, 7000.5, params())
    expect(o).toMatchObject({ type: 'counted', delta: 0.5, from: T0 + 2 * MIN })
    expect(o.type === 'counted' && o.anomaly).toMatchObject({
      type: 'replacement',
      previous: 101,
      current: 7000.5,
    })
    expect(applyReading(s, T0 + 4 * MIN, 7001, params())).toMatchObject({ type: 'counted', delta: 0.5 })
  })

  it('a drop to a replacement meter that does not start near zero counts nothing for the changeover', () => {
    const { outcomes } = feed([
      [0, 5000],
      [1, 2000],
      [2, 2001],
    ])
    expect(deltas(outcomes)).toEqual(['first', 0, 1])
    const o = outcomes[1]!
    expect(o.type === 'counted' && o.anomaly?.type).toBe('replacement')
  })

  it('a drop from near the maximum without known register digits is a reset, not a rollover', () => {
    const { outcomes } = feed([
      [0, 99_990],
      [1, 12],
    ])
    const o = outcomes[1]!
    expect(o.type === 'counted' && o.anomaly?.type).toBe('reset')
    expect(deltas(outcomes)).toEqual(['first', 12])
  })

  it('a "rollover" that would imply an impossible flow is rejected', () => {
    const s = newRegisterState()
    const p = params({ modulus: 1e5, maxRatePerHour: 1 })
    applyReading(s, T0, 95_000, p)
    const o = applyReading(s, T0 + MIN, 4000, p)
    expect(o.type).toBe('implausible')
  })

  it('slow rates are judged over at least a minute, so readings seconds apart still tick', () => {
    const s = newRegisterState()
    const p = params({ maxRatePerHour: 6 }) // 0.1 m³/min, 0.2 with slack
    applyReading(s, T0, 10, p)
    expect(applyReading(s, T0 + 1000, 10.15, p)).toMatchObject({ type: 'counted', delta: 0.15 })
  })

  it('keeps only the readings inside the watermark, and at most maxRecent of them', () => {
    const p = params({ maxRecent: 4 })
    const s = newRegisterState()
    for (let i = 0; i < 20; i++) applyReading(s, T0 + i * MIN, 100 + i, p)
    expect(s.r.length / 4).toBe(4)
    expect(s.r[0]).toBe(T0 + 16 * MIN)
    const wide = newRegisterState()
    for (let i = 0; i < 20; i++) applyReading(wide, T0 + i * 5 * MIN, 100 + i, params({ maxRecent: 100 }))
    // 10-minute watermark with readings 5 minutes apart: the newest and two before it.
    expect(wide.r.length / 4).toBe(3)
  })

  it('the state is plain JSON and resumes where it left off', () => {
    const { s } = feed([
      [0, 100],
      [1, 101],
    ])
    const restored = JSON.parse(JSON.stringify(s)) as RegisterState
    expect(applyReading(restored, T0 + 2 * MIN, 103, params())).toMatchObject({ type: 'counted', delta: 2 })
    expect(applyReading(restored, T0 + 1 * MIN, 101, params()).type).toBe('duplicate')
  })

  it('float noise does not leak into deltas', () => {
    const { outcomes } = feed([
      [0, 1234.567],
      [1, 1234.667],
    ])
    expect(deltas(outcomes)).toEqual(['first', 0.1])
  })

  it('a reading slotted in that contradicts the readings after it is rejected and changes nothing', () => {
    const { s } = feed([
      [0, 100],
      [1, 101],
      [3, 102],
    ])
    const before = JSON.stringify(s)
    const o = applyReading(s, T0 + 2 * MIN, 900, params())
    expect(o.type).toBe('implausible')
    expect(JSON.stringify(s)).toBe(before)
  })
})
