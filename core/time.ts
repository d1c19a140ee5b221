import { DateTime } from 'luxon'

/** ISO-8601 with the offset of the given zone, e.g. 2026-11-26T08:00:00.000+08:00. */
export function formatInstant(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO() ?? new Date(ms).toISOString()
}
