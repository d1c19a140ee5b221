import { describe, expect, it } from 'vitest'
import { spread } from '../../core/time.js'

const HOUR = 3_600_000
const collect = (from: number, to: number, amount: number, bucketMs: number, offsetMs: number) => {
  const out: [number, number, number, number][] = []
  spread(from, to, amount, bucketMs, offsetMs, (b, share, s, e) => out.push([b, share, s, e]))
  return out
}

describe('spread: the one way time is split into buckets', () => {
  it('shares an amount by time across local hours, with the part of the span in each', () => {
    // 10:30 to 12:15 UTC+8 (02:30 to 04:15 UTC): 30, 60 and 15 minutes.
    const offset = 8 * HOUR
    const from = Date.UTC(2026, 10, 16, 2, 30)
    const to = Date.UTC(2026, 10, 16, 4, 15)
    const out = collect(from, to, 7, HOUR, offset)
    expect(out.map(([b]) => new Date(b * HOUR).getUTCHours())).toEqual([10, 11, 12])
    expect(out.map(([, share]) => share)).toEqual([2, 4, 1])
    expect(out[0]!.slice(2)).toEqual([from, from + 30 * 60_000])
    expect(out[2]!.slice(2)).toEqual([to - 15 * 60_000, to])
  })

  it('an instant falls wholly in its bucket; half-hours at an offset of 5:45 split where local time does', () => {
    expect(collect(5 * HOUR, 5 * HOUR, 3, HOUR, 0)).toEqual([[5, 3, 5 * HOUR, 5 * HOUR]])
    const offset = 5.75 * HOUR
    // 00:00 to 00:45 UTC is 05:45 to 06:30 local: half-hours 05:30–06:00 and 06:00–06:30.
    const out = collect(0, 0.75 * HOUR, 3, HOUR / 2, offset)
    expect(out.map(([b, share]) => [(b * HOUR) / 2 / HOUR, share])).toEqual([
      [5.5, 1],
      [6, 2],
    ])
  })
})
