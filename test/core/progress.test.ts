/** The progress line's arithmetic (core/progress.ts) and its sentence (core/cli.ts): share done, pace, time left. */
import { describe, expect, it } from 'vitest'
import { formatSeconds, progressLine } from '../../core/cli.js'
import { Progress } from '../../core/progress.js'

describe('progress lines', () => {
  it('the share done, the time so far and, from the pace, the time left; one line per interval', () => {
    let now = 0
    const p = new Progress(200, { everyMs: 5000, now: () => now })
    expect(p.at(0)).toMatchObject({ fraction: 0, elapsedSeconds: 0 })
    expect(p.at(0)?.secondsLeft).toBeUndefined()
    now = 3000
    expect(p.at(10)).toBeUndefined()
    now = 10_000
    expect(p.at(50)).toEqual({ done: 50, total: 200, fraction: 0.25, elapsedSeconds: 10, secondsLeft: 30 })
    now = 11_000
    expect(p.at(60, true)).toMatchObject({ done: 60, secondsLeft: (11 / 60) * 140 })
    expect(p.state(250, 20_000)).toMatchObject({ done: 200, fraction: 1, secondsLeft: 0 })
  })

  it('reads as a sentence in both languages', () => {
    const state = { done: 50, total: 200, fraction: 0.25, elapsedSeconds: 10, secondsLeft: 150 }
    const words = { what: 'backfill', done: '1,200 readings', rate: '120 readings/s' }
    expect(progressLine('en', state, words)).toBe(
      'backfill: 25% done (1,200 readings), 120 readings/s, 10 sec so far, about 2.5 min left',
    )
    expect(
      progressLine('zh-CN', state, { what: '回填', done: '1,200 条读数', rate: '每秒 120 条读数' }),
    ).toBe('回填：已完成 25%（1,200 条读数），每秒 120 条读数，已用 10秒，预计还需 2.5分钟')
    // Done: no estimate of what is left.
    expect(progressLine('en', { ...state, done: 200, fraction: 1, secondsLeft: 0 }, words)).toBe(
      'backfill: 100% done (1,200 readings), 120 readings/s, 10 sec so far',
    )
    expect(formatSeconds('en', 5400)).toBe('1.5 hr')
  })
})
