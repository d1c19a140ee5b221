/**
 * Telling a full disk apart from other failures, for the sentence a person reads when the
 * service cannot start. SQLite reports a full disk as SQLITE_FULL, or — when it cannot even grow
 * its write-ahead log — as a plain "disk I/O error"; the free space under DATA_DIR decides then.
 */
import { existsSync, statfsSync } from 'node:fs'
import { dirname } from 'node:path'

/** Less than this free under DATA_DIR, and an I/O error there is taken for a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024

/** The free bytes under `dir` (or its nearest existing parent); Infinity when unknown. */
export function freeBytes(dir: string): number {
  let d = dir
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d)
  try {
    const s = statfsSync(d)
    return s.bavail * s.bsize
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/** Whether `err` (or an error it wraps) says that the disk holding `dir` is full; with the free bytes left. */
export function diskFull(err: unknown, dir: string): { freeBytes: number } | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    const code = typeof e.code === 'string' ? e.code : ''
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return { freeBytes: freeBytes(dir) }
    if (/^(EIO$|SQLITE_IOERR|SQLITE_CANTOPEN)/.test(code)) {
      const free = freeBytes(dir)
      if (free < NEARLY_FULL_BYTES) return { freeBytes: free }
    }
  }
  return undefined
}
