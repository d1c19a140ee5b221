/**
 * One temporary directory per test run: the suites' data directories, databases, sockets and
 * browsers' profiles go under it (TMPDIR, which os.tmpdir() and the services we start read), and
 * it is removed when the run ends — a run leaves nothing behind in /tmp. KEEP_TEST_TMP=1 keeps it
 * (its path is printed) to look into a failure.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default function setup(): () => void {
  // Each vitest project runs the global setup: the first one's directory serves them all.
  if (process.env.SCHOOLMETER_TEST_TMP) return () => {}
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-test-'))
  process.env.SCHOOLMETER_TEST_TMP = dir
  // Services started as another user (PostgreSQL, as `postgres` when the tests run as root) make
  // their own directories beneath it.
  chmodSync(dir, 0o755)
  const previous = process.env.TMPDIR
  process.env.TMPDIR = dir
  return () => {
    delete process.env.SCHOOLMETER_TEST_TMP
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    if (process.env.KEEP_TEST_TMP === '1') console.log(`test files kept in ${dir}`)
    else rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  }
}
