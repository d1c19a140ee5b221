/** Files written so that a reader never sees half of one. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs'

/**
 * Writes `data` to `file` so that a reader (a NATS node reloading, the spool's drain, an upload of
 * the platform package) sees the old file or the new one, never part of one: it goes to
 * `<file>.tmp` beside it, is flushed to disk, then renamed over `file`. When that fails the
 * temporary file is removed and the error thrown. `mode` is the new file's (before the umask).
 */
export function writeFileAtomically(
  file: string,
  data: string | Uint8Array,
  o: { mode?: number } = {},
): void {
  const temporary = `${file}.tmp`
  try {
    // One left by a crash goes first: the new file must get this call's mode.
    rmSync(temporary, { force: true })
    const fd = openSync(temporary, 'wx', o.mode ?? 0o666)
    try {
      writeFileSync(fd, data)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, file)
  } catch (err) {
    rmSync(temporary, { force: true })
    throw err
  }
}
