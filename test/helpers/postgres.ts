/**
 * A real PostgreSQL 15 (Debian's `postgresql` package) on a free port in a temp dir, for
 * integration tests and the drill. PostgreSQL refuses to run as root, so as root (CI) the data
 * directory belongs to the `postgres` user the package creates and the server runs as that user.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort, waitFor } from './ports.js'

export interface Postgres {
  /** postgres://…/schoolmeter, a database of its own. */
  url: string
  port: number
  pid(): number | undefined
  /** One query on a fresh connection (tests read what the service wrote). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>
  stop(): Promise<void>
}

const BIN = '/usr/lib/postgresql/15/bin'

export interface PostgresOptions {
  /** fsync and full-page writes off: faster, for tests that never crash the database (default true). */
  fast?: boolean
  /** The server's max_connections (default 50). */
  maxConnections?: number
}

export async function startPostgres(o: PostgresOptions = {}): Promise<Postgres> {
  for (const tool of ['initdb', 'postgres'])
    if (!existsSync(join(BIN, tool)))
      throw new Error(
        `${join(BIN, tool)} not found: install Debian's postgresql package (apt-get install -y postgresql), as .ci/run does`,
      )
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-postgres-'))
  const data = join(dir, 'data')
  // As root: run as the package's postgres user, owner of the temp dir.
  const asUser: { uid?: number; gid?: number } = {}
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
    Object.assign(asUser, { uid, gid })
  }
  execFileSync(
    join(BIN, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
    { ...asUser, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const port = await freePort()
  const settings = [
    `listen_addresses=127.0.0.1`,
    `port=${port}`,
    // TCP only: a socket's path under a deep temporary directory can pass the 107 bytes allowed.
    'unix_socket_directories=',
    `max_connections=${o.maxConnections ?? 50}`,
    ...(o.fast === false ? [] : ['fsync=off', 'full_page_writes=off', 'synchronous_commit=off']),
  ]
  let output = ''
  const proc: ChildProcess = spawn(
    join(BIN, 'postgres'),
    ['-D', data, ...settings.flatMap((s) => ['-c', s])],
    {
      ...asUser,
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000)
  }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`
  await waitFor(
    `postgres on port ${port}`,
    async () => {
      if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}: ${output}`)
      const client = new pg.Client({ connectionString: admin })
      try {
        await client.connect()
        return true
      } catch {
        return undefined
      } finally {
        await client.end().catch(() => {})
      }
    },
    30_000,
    100,
  )
  const url = `postgres://postgres@127.0.0.1:${port}/schoolmeter`
  const query = async <T extends pg.QueryResultRow>(text: string, values?: unknown[], on = url) => {
    const client = new pg.Client({ connectionString: on })
    await client.connect()
    try {
      return (await client.query<T>(text, values)).rows
    } finally {
      await client.end()
    }
  }
  await query('CREATE DATABASE schoolmeter', [], admin)
  return {
    url,
    port,
    pid: () => (proc.exitCode === null ? proc.pid : undefined),
    query: (text, values) => query(text, values),
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r))
        // SIGINT: PostgreSQL's fast shutdown (sessions ended, no wait for clients to leave).
        proc.kill('SIGINT')
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(t)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
