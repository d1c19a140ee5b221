/**
 * How far long work has come, for the line a person watches while it runs (the demo's history,
 * `npm run simulate -- --mode backfill`, `npm run evaluate`, `npm run bench`): the share done,
 * the time it has taken and, from the pace so far, the time left. Pure arithmetic over the clock
 * it is given; each tool words the line itself (catalogues for the CLIs, English for the log).
 */

export interface ProgressState {
  done: number
  total: number
  /** 0 … 1. */
  fraction: number
  elapsedSeconds: number
  /** From the average pace so far; undefined until some work is done. */
  secondsLeft?: number
}

export class Progress {
  private readonly began: number
  private shownAt = Number.NEGATIVE_INFINITY

  constructor(
    readonly total: number,
    private readonly o: {
      /** At most one line this often (default 5 s); `at(…, true)` shows one anyway. */
      everyMs?: number
      now?: () => number
    } = {},
  ) {
    this.began = this.now()
  }

  private now(): number {
    return this.o.now ? this.o.now() : performance.now()
  }

  /** Where the work stands after `done` of `total`; undefined when a line was shown too recently. */
  at(done: number, force = false): ProgressState | undefined {
    const now = this.now()
    if (!force && now - this.shownAt < (this.o.everyMs ?? 5000)) return undefined
    this.shownAt = now
    return this.state(done, now)
  }

  state(done: number, now = this.now()): ProgressState {
    const total = Math.max(this.total, 0)
    const clamped = Math.min(Math.max(done, 0), total)
    const fraction = total === 0 ? 1 : clamped / total
    const elapsedSeconds = (now - this.began) / 1000
    return {
      done: clamped,
      total,
      fraction,
      elapsedSeconds,
      ...(clamped > 0 ? { secondsLeft: (elapsedSeconds / clamped) * (total - clamped) } : {}),
    }
  }
}
