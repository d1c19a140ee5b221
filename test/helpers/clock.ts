/**
 * A clock tests move by hand (notify/clock.ts): timers fire in order as time is advanced, and
 * between two timers the test may wait for the I/O they started (a send to a local server) — an
 * event, never a sleep.
 */
import type { Clock } from '../../notify/index.js'

interface Timer {
  id: number
  at: number
  fn: () => void
}

export class ManualClock implements Clock {
  private timers: Timer[] = []
  private nextId = 1

  constructor(private t: number) {}

  now(): number {
    return this.t
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn }
    this.timers.push(timer)
    return timer.id
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle)
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way at its own time, in
   * order; after each, `settle` (e.g. the dispatcher's idle()) lets the work it started finish.
   */
  async advance(ms: number, settle: () => Promise<void> = async () => {}): Promise<void> {
    const end = this.t + ms
    await settle()
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.t = Math.max(this.t, due.at)
      due.fn()
      await settle()
    }
    this.t = end
  }

  /** Moves time straight to `now + ms` (a night), then fires what fell due meanwhile, once each. */
  async jump(ms: number, settle: () => Promise<void> = async () => {}): Promise<void> {
    this.t += ms
    await this.advance(0, settle)
  }
}
