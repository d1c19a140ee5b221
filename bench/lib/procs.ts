/**
 * Processes of a benchmark run: the service under test (from any checkout, as `npm start` runs
 * it), the load generator and the ceiling's subscriber, and CPU/RSS sampling of any of them (and
 * of influxd and mosquitto) from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../../test/helpers/ports.js'

const CLK_TCK = 100
const here = fileURLToPath(new URL('.', import.meta.url))

/** utime + stime of a process in seconds, and its RSS and peak RSS in bytes; undefined once it is gone. */
export function procStat(pid: number): { cpuS: number; rss: number; hwm: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields after the command: state(0) … utime(11) stime(12).
    const cpuS = (Number(f[11]) + Number(f[12])) / CLK_TCK
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { cpuS, rss: kb('VmRSS'), hwm: kb('VmHWM') }
  } catch {
    return undefined
  }
}

/** Samples a process every `everyMs`: CPU % over a window, RSS over time, peak RSS. */
export class Sampler {
  readonly rssSeries: { t: number; rssMiB: number }[] = []
  private timer: NodeJS.Timeout | undefined
  private first: { t: number; cpuS: number } | undefined
  private last: { t: number; cpuS: number } | undefined
  peakRss = 0

  constructor(
    readonly pid: number,
    private readonly everyMs = 1000,
  ) {}

  start(): this {
    this.mark()
    this.timer = setInterval(() => this.sample(), this.everyMs)
    return this
  }

  /** Starts the CPU window now (e.g. after warm-up). */
  mark(): void {
    const s = procStat(this.pid)
    if (s) this.first = { t: performance.now(), cpuS: s.cpuS }
  }

  sample(): void {
    const s = procStat(this.pid)
    if (!s) return
    const t = performance.now()
    this.last = { t, cpuS: s.cpuS }
    this.peakRss = Math.max(this.peakRss, s.hwm, s.rss)
    this.rssSeries.push({ t, rssMiB: Math.round(s.rss / 2 ** 20) })
  }

  /** CPU % (100 = one core) between `mark()` and the last sample. */
  cpuPercent(): number {
    if (!this.first || !this.last || this.last.t <= this.first.t) return 0
    return (
      Math.round(((this.last.cpuS - this.first.cpuS) / ((this.last.t - this.first.t) / 1000)) * 1000) / 10
    )
  }

  stop(): void {
    this.sample()
    if (this.timer) clearInterval(this.timer)
  }
}

/** A TypeScript helper of bench/lib in its own Node process, with IPC. */
export function spawnHelper(file: 'loadgen.ts' | 'sink.ts'): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, file)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    cwd: join(here, '..', '..'),
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  // IPC to a helper that has just exited fails with EPIPE: nothing to do about it.
  child.on('error', () => {})
  return child
}

/** Every helper and service still running, killed if the benchmark itself exits early. */
const children = new Set<ChildProcess>()
const others = new Set<number>()
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  for (const pid of others) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
})

/** Kills a process we started some other way (influxd, mosquitto) if the benchmark exits early. */
export function killOnExit(pid: number | undefined): void {
  if (pid) others.add(pid)
}

export interface ServiceProcess {
  proc: ChildProcess
  pid: number
  api: string
  /** JSON log lines the service printed (LOG_FORMAT=json). */
  logs: Record<string, unknown>[]
  spawnedAt: number
  healthyAt: number
  metrics(): Promise<string>
  stop(): Promise<void>
}

export interface ServiceStart {
  dir: string
  env: Record<string, string>
  /** Extra arguments for node, e.g. --cpu-prof. */
  nodeArgs?: string[]
  healthTimeoutMs?: number
}

const built = new Set<string>()

/**
 * Compiles a checkout once per run (`npm run build`), as production ships it: the figures are the
 * compiled service's (`node dist/app/main.js`), not tsx's.
 */
export function buildCheckout(dir: string): void {
  if (built.has(dir)) return
  const began = performance.now()
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
  console.error(`  built ${dir} in ${((performance.now() - began) / 1000).toFixed(1)} s`)
  built.add(dir)
}

/** Starts a checkout's compiled service as production runs it and waits for /health. */
export async function startService(o: ServiceStart): Promise<ServiceProcess> {
  buildCheckout(o.dir)
  const spawnedAt = performance.now()
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), join('dist', 'app', 'main.js')], {
    cwd: o.dir,
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(proc)
  proc.once('exit', () => children.delete(proc))
  const logs: Record<string, unknown>[] = []
  let tail = ''
  let partial = ''
  proc.stdout!.on('data', (d: Buffer) => {
    const text = partial + d.toString()
    const lines = text.split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (!line) continue
      try {
        const entry = JSON.parse(line) as Record<string, unknown>
        entry.receivedAt = performance.now()
        logs.push(entry)
        if (logs.length > 5000) logs.splice(0, 1000)
        if (typeof entry.level === 'number' && entry.level >= 50)
          console.error(`  [service] ${String(entry.msg)}`)
      } catch {
        tail = `${tail}${line}\n`.slice(-4000)
      }
    }
  })
  proc.stderr!.on('data', (d: Buffer) => {
    tail = `${tail}${d}`.slice(-4000)
  })
  const api = `http://127.0.0.1:${o.env.HTTP_PORT}`
  await waitFor(
    `the service in ${o.dir} at ${api}`,
    async () => {
      if (proc.exitCode !== null) throw new Error(`the service exited with ${proc.exitCode}: ${tail}`)
      const res = await fetch(`${api}/health`)
      await res.arrayBuffer()
      return res.status === 200 ? true : undefined
    },
    o.healthTimeoutMs ?? 120_000,
    25,
  )
  const healthyAt = performance.now()
  return {
    proc,
    pid: proc.pid!,
    api,
    logs,
    spawnedAt,
    healthyAt,
    metrics: async () => (await fetch(`${api}/metrics`)).text(),
    stop: async () => {
      // Gone already: exited, or killed by a signal (a kill -9 leaves exitCode null).
      if (proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      const t = setTimeout(() => proc.kill('SIGKILL'), 60_000)
      await exited
      clearTimeout(t)
    },
  }
}

/** The PID of a process started by a test helper that does not expose it (influxd, mosquitto), by its port. */
export function pidListening(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  let inode: string | undefined
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') inode = cols[9]
    }
  }
  if (!inode) return undefined
  for (const pid of readdirSafe('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    for (const fd of readdirSafe(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSafe(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return Number(pid)
      } catch {}
    }
  }
  return undefined
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function readlinkSafe(p: string): string {
  try {
    return readlinkSync(p)
  } catch {
    return ''
  }
}

/** The value of a Prometheus sample (0 when absent). */
export function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line ? Number(line.slice(sample.length + 1)) : 0
}
