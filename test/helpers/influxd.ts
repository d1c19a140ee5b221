/**
 * A real InfluxDB 1.x (Debian's influxd) on free ports in a temp dir, for integration tests and
 * benchmarks. `stop()` and `start()` again keep the data: that is how outages are simulated.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requireBinary } from './binaries.js'
import { freePort, waitFor } from './ports.js'

export interface Influxd {
  url: string
  port: number
  dir: string
  start(): Promise<void>
  stop(): Promise<void>
  /** Stops and deletes the data. */
  destroy(): Promise<void>
  query<T = unknown[]>(db: string, q: string): Promise<{ columns: string[]; values: T[] }[]>
  /** count(field) over a measurement, 0 when empty. */
  count(db: string, measurement: string, field: string, where?: string): Promise<number>
}

export async function startInfluxd(): Promise<Influxd> {
  const bin = requireBinary('influxd', 'influxdb')
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-influxd-'))
  const port = await freePort()
  const rpcPort = await freePort()
  const conf = join(dir, 'influxdb.conf')
  writeFileSync(
    conf,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
[logging]
  level = "error"
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
`,
  )
  const url = `http://127.0.0.1:${port}`
  let proc: ChildProcess | undefined
  let output = ''

  const start = async () => {
    output = ''
    proc = spawn(bin, ['-config', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
    proc.stdout?.on('data', (d) => {
      output = (output + d).slice(-4000)
    })
    proc.stderr?.on('data', (d) => {
      output = (output + d).slice(-4000)
    })
    const p = proc
    await waitFor(
      `influxd on ${url}${output ? `\n${output}` : ''}`,
      async () => {
        if (p.exitCode !== null) throw new Error(`influxd exited with ${p.exitCode}: ${output}`)
        const res = await fetch(`${url}/ping`)
        return res.status === 204 ? true : undefined
      },
      30_000,
    )
  }
  const stop = async () => {
    const p = proc
    proc = undefined
    if (!p || p.exitCode !== null) return
    const exited = new Promise((r) => p.once('exit', r))
    p.kill('SIGTERM')
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(t)
  }
  const query = async <T>(db: string, q: string) => {
    const u = new URL('/query', url)
    u.searchParams.set('db', db)
    u.searchParams.set('q', q)
    u.searchParams.set('epoch', 'ms')
    const res = await fetch(u)
    const body = (await res.json()) as {
      results: { series?: { columns: string[]; values: T[] }[]; error?: string }[]
      error?: string
    }
    if (body.error) throw new Error(body.error)
    const r = body.results[0]
    if (r?.error) throw new Error(r.error)
    return r?.series ?? []
  }
  await start()
  return {
    url,
    port,
    dir,
    start,
    stop,
    destroy: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
    query,
    count: async (db, measurement, field, where) => {
      const series = await query<[number, number]>(
        db,
        `SELECT count("${field}") FROM "${measurement}"${where ? ` WHERE ${where}` : ''}`,
      )
      return series[0]?.values[0]?.[1] ?? 0
    },
  }
}
