/**
 * The service as a real child process (`node --import tsx app/main.ts`), for fault tests that
 * kill it, and a QoS 1 load of water readings whose acknowledgements are tracked one by one.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import type { MqttClient } from 'mqtt'
import { withDatabase } from './app-store.js'
import { waitFor } from './ports.js'

export interface Child {
  proc: ChildProcess
  /** stderr and stdout of the process so far (the last 20,000 characters). */
  output(): string
}

const running = new Set<ChildProcess>()

/** Kills whatever a failed test left running (call from afterEach). */
export function killChildren(): void {
  for (const p of running) if (p.exitCode === null) p.kill('SIGKILL')
  running.clear()
}

/** The service with `env`; its app store on the suite's PostgreSQL when the suite runs on it (test/helpers/app-store.ts). */
export async function startChild(given: Record<string, string>, timeoutMs = 60_000): Promise<Child> {
  const env = await withDatabase(given)
  let out = ''
  const proc = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000)
  }
  running.add(proc)
  proc.once('exit', () => running.delete(proc))
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  await waitFor(
    'the service',
    async () => {
      if (proc.exitCode !== null) throw new Error(`the service exited with ${proc.exitCode}:\n${out}`)
      return (await fetch(`http://127.0.0.1:${env.HTTP_PORT}/health`).catch(() => undefined))?.status
        ? true
        : undefined
    },
    timeoutMs,
    100,
  )
  return { proc, output: () => out }
}

export function kill9(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.proc.exitCode !== null) return resolve()
    child.proc.once('exit', () => resolve())
    child.proc.kill('SIGKILL')
  })
}

export function stopChild(child: Child): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.proc.exitCode !== null) return resolve(child.proc.exitCode)
    child.proc.once('exit', (code) => resolve(code))
    child.proc.kill('SIGTERM')
  })
}

export const T0 = Date.parse('2026-11-02T00:00:00+08:00')
const MINUTE = 60_000

/**
 * Water readings for `meters` in round robin, one per meter and minute of data time, each
 * meter's register rising by 1 L a reading; at most `window` publishes unacknowledged at once.
 * mqtt.js keeps unacknowledged QoS 1 messages and sends them again after a reconnect.
 */
export class QosLoad {
  sent = 0
  acked = 0
  failed = 0
  private stopping = false
  private readonly outstanding = new Set<Promise<void>>()

  constructor(
    private readonly client: MqttClient,
    private readonly school: string,
    private readonly meters: string[],
    readonly window = 200,
  ) {}

  /** Publishes sent and neither acknowledged nor failed yet. */
  get inFlight(): number {
    return this.outstanding.size
  }

  /** The reading number `i`: which meter, its topic and payload. */
  reading(i: number): { meter: string; topic: string; payload: string } {
    const meter = this.meters[i % this.meters.length]!
    const k = Math.floor(i / this.meters.length)
    return {
      meter,
      topic: `schools/${this.school}/meters/${meter}`,
      payload: JSON.stringify({ ts: T0 + k * MINUTE, volume_m3: (100_000 + k) / 1000 }),
    }
  }

  /** Publishes until `total` readings were sent or stop() is called; `perSecond` paces it. */
  async run(total: number, perSecond?: number): Promise<void> {
    const started = performance.now()
    while (this.sent < total && !this.stopping) {
      if (this.outstanding.size >= this.window) {
        await Promise.race(this.outstanding)
        continue
      }
      if (perSecond && this.sent > ((performance.now() - started) / 1000) * perSecond) {
        await new Promise((r) => setTimeout(r, 5))
        continue
      }
      const { topic, payload } = this.reading(this.sent++)
      const p: Promise<void> = this.client.publishAsync(topic, payload, { qos: 1 }).then(
        () => {
          this.acked++
          this.outstanding.delete(p)
        },
        () => {
          this.failed++
          this.outstanding.delete(p)
        },
      )
      this.outstanding.add(p)
    }
  }

  stop(): void {
    this.stopping = true
  }

  /** Waits for every publish to be acknowledged (or to fail). */
  async settle(): Promise<void> {
    while (this.outstanding.size > 0) await Promise.race(this.outstanding)
  }

  /** Readings per meter after `sent` readings. */
  perMeter(meter: string): number {
    const idx = this.meters.indexOf(meter)
    const m = this.meters.length
    return Math.floor(this.sent / m) + (idx < this.sent % m ? 1 : 0)
  }
}
