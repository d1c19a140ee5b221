import { DateTime } from 'luxon'

/** ISO-8601 with the offset of the given zone, e.g. 2026-11-26T08:00:00.000+08:00. */
export function formatInstant(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO() ?? new Date(ms).toISOString()
}

/** Waits `ms`, or less if the signal aborts first (then resolves at once). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * Splits [from, to) at fixed local-time bucket boundaries (hours, half-hours; the local time is
 * `offsetMs` ahead of UTC), sharing `amount` by time: each bucket's index (local ms / `bucketMs`),
 * its share, and the part of [from, to) that falls in it. An instant (`to <= from`) falls wholly in
 * its bucket. The one way time is split into buckets: the rules, the hourly rollups and the reports.
 */
export function spread(
  from: number,
  to: number,
  amount: number,
  bucketMs: number,
  offsetMs: number,
  add: (bucket: number, share: number, start: number, end: number) => void,
): void {
  if (to <= from) {
    add(Math.floor((to + offsetMs) / bucketMs), amount, to, to)
    return
  }
  for (let bucket = Math.floor((from + offsetMs) / bucketMs); bucket * bucketMs - offsetMs < to; bucket++) {
    const start = Math.max(from, bucket * bucketMs - offsetMs)
    const end = Math.min(to, (bucket + 1) * bucketMs - offsetMs)
    if (end > start) add(bucket, (amount * (end - start)) / (to - from), start, end)
  }
}
