/**
 * One temporary directory per test run: the suites' data directories, databases, sockets and
 * browsers' profiles go under it (TMPDIR, which os.tmpdir() and the services we start read), and
 * it is removed when the run ends — a run leaves nothing behind in /tmp. KEEP_TEST_TMP=1 keeps it
 * (its path is printed) to look into a failure.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The run's directory, once made: a run of several projects (suite and system) shares it. */
const RUN_DIR = 'SCHOOLMETER_TEST_TMP'

export default function setup(): (() => void) | undefined {
  // Nested once per project, the paths would pass the 107 bytes a Unix socket's path may have
  // (Chromium's and PostgreSQL's sockets live under TMPDIR).
  if (process.env[RUN_DIR] !== undefined) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-test-'))
  process.env[RUN_DIR] = dir
  // Services started as another user (PostgreSQL, as `postgres` when the tests run as root) make
  // their own directories beneath it.
  chmodSync(dir, 0o755)
  const previous = process.env.TMPDIR
  process.env.TMPDIR = dir
  return () => {
    delete process.env[RUN_DIR]
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    if (process.env.KEEP_TEST_TMP === '1') console.log(`test files kept in ${dir}`)
    else rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  }
}
