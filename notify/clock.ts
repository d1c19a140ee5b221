/**
 * The wall clock the dispatcher waits on: rate limits, gathering a storm into one summary, retries,
 * send timeouts. Passed in, so that tests drive it by hand instead of sleeping.
 */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms)
    // Pending notifications are in the outbox: a timer never keeps the process alive.
    timer.unref()
    return timer
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}
