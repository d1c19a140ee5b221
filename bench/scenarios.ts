/**
 * The scenarios of the performance issue, each against a checkout of the service run as its own
 * process (`--service-dir`), with one real influxd for the whole run and a fresh Mosquitto where
 * a scenario needs one:
 *
 * - ceiling: the same load generator → Mosquitto → one mqtt.js subscriber that only JSON-parses;
 * - throughput: single readings or gateway batches of 100, QoS 0 or 1, embedded or external
 *   broker, rules on, publishers at full speed for `seconds`; readings/s in the steady window
 *   (from the service's accepted counter), loss by count() in InfluxDB, CPU and peak RSS;
 * - latency: a paced 10,000 readings/s with register resets injected on meters of their own;
 *   publish → alert on `schools/{school}/alerts`, p50/p99;
 * - overload: QoS 1 offered at twice the sustainable rate; nothing lost, RSS over time;
 * - memory: 100,000 meters registered and reporting; RSS, state bytes per meter, restart time.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import type { Influxd } from '../test/helpers/influxd.js'
import { type Mosquitto, startMosquitto } from '../test/helpers/mosquitto.js'
import { freePort } from '../test/helpers/ports.js'
import type { LoadProgress, LoadResult, LoadSpec } from './lib/loadgen.js'
import {
  killOnExit,
  metricValue,
  pidListening,
  Sampler,
  type ServiceProcess,
  spawnHelper,
  startService,
} from './lib/procs.js'
import type { SinkCounts } from './lib/sink.js'
import { firstTs, registryJson, STEP_MS, type Workload } from './lib/workload.js'

const here = fileURLToPath(new URL('.', import.meta.url))

export interface Tree {
  name: string
  dir: string
}

export interface RunOptions {
  seconds: number
  ceilingSeconds: number
  meters: number
  connections: number
  window: number
  latencyRate: number
  faultsPerSecond: number
  overloadRate?: number
  overloadFactor: number
  memoryMeters: number
  memoryReadings: number
  /** Extra environment for every service (KEY=VALUE). */
  serviceEnv: Record<string, string>
  /** Readings the load generator may run ahead of the service's accepted count (0: no limit). */
  maxLead: number
  rateLimitValue?: string
}

export type Shape = 'single' | 'batch100'
export type BrokerMode = 'embedded' | 'external'

export interface CeilingRow {
  scenario: string
  shape: Shape
  qos: 0 | 1
  readingsPerSecond: number
  messagesPerSecond: number
  sent: number
  received: number
  sinkCpuPercent: number
  loadgenCpuPercent: number
  mosquittoCpuPercent: number
}

export interface ThroughputRow {
  tree: string
  scenario: string
  shape: Shape
  qos: 0 | 1
  broker: BrokerMode
  seconds: number
  /** Accepted by the service per second in the steady window (after warm-up, until publishing ends). */
  readingsPerSecond: number
  /** All readings found in InfluxDB over the time from the first publish until they were all there. */
  storedPerSecond: number
  ratioToCeiling?: number
  sent: number
  stored: number
  loss: number
  serviceCpuPercent: number
  serviceRssPeakMiB: number
  influxdCpuPercent: number
  loadgenCpuPercent: number
  mosquittoCpuPercent?: number
  drainSeconds: number
  errors: string[]
}

export interface LatencyRow {
  tree: string
  scenario: string
  rate: number
  achievedPerSecond: number
  faults: number
  alerts: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  sent: number
  stored: number
  loss: number
  serviceCpuPercent: number
  serviceRssPeakMiB: number
}

export interface OverloadRow {
  tree: string
  scenario: string
  offeredPerSecond: number
  achievedPerSecond: number
  sent: number
  stored: number
  loss: number
  unacked: number
  serviceRssPeakMiB: number
  rssMiBEvery5s: number[]
  writerQueuedLinesMax: number
  droppedLines: number
  serviceCpuPercent: number
}

export interface MemoryRow {
  tree: string
  meters: number
  readingsPerMeter: number
  readings: number
  stored: number
  loadSeconds: number
  rssIdleMiB: number
  rssLoadedMiB: number
  rssPeakMiB: number
  heapIdleMiB: number
  heapLoadedMiB: number
  rssPerMeterBytes: number
  heapPerMeterBytes: number
  registerStateBytesPerMeter: number
  ruleStateBytesPerMeter: number
  ruleStateMaxBytesPerMeter: number
  statusBytesPerMeter: number
  ruleAndRegisterBytesPerMeter: number
  databaseMiB: number
  /** Alerts the load raised (the workload is meant to raise none). */
  alertsInStore: number
  firstStartSeconds: number
  restartSeconds: number
  /** Restart minus first start: what restoring the state cost. */
  restoreSeconds: number
  /** From the service's own log, when it reports it. */
  restoreFromLog?: Record<string, unknown>
}

const round1 = (x: number) => Math.round(x * 10) / 10

export const THROUGHPUT_SCENARIOS: { name: string; shape: Shape; qos: 0 | 1; broker: BrokerMode }[] = []
for (const shape of ['single', 'batch100'] as const)
  for (const qos of [0, 1] as const)
    for (const broker of ['embedded', 'external'] as const)
      THROUGHPUT_SCENARIOS.push({ name: `${shape}-qos${qos}-${broker}`, shape, qos, broker })

/** Environment variables a checkout knows that need a generous value for a benchmark (rate limits). */
export function extraEnvFor(tree: Tree, o: RunOptions): Record<string, string> {
  const env: Record<string, string> = {}
  const file = join(tree.dir, 'core', 'config', 'env.ts')
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8')
    const lines = text.split('\n')
    lines.forEach((line, i) => {
      const name = /^\s*([A-Z][A-Z0-9_]*)\s*:/.exec(line)?.[1]
      if (!name) return
      // Anonymous load generators on loopback, and /metrics readable without a token.
      if (name === 'ALLOW_ANONYMOUS' || name === 'METRICS_PUBLIC') env[name] = '1'
      // Rate limits (per client, per minute, per token): a benchmark must not meet them.
      if (!/RATE|PER_SECOND|PER_MINUTE/.test(name)) return
      const near = lines.slice(i, i + 6).join(' ')
      env[name] = o.rateLimitValue ?? (/unlimited|0\s*=\s*no|0 = /i.test(near) ? '0' : '1000000000')
    })
  }
  return { ...env, ...o.serviceEnv }
}

function workloadFor(meters: number, extra: Partial<Workload> = {}): Workload {
  const schools = Math.max(1, Math.round(meters / 1000))
  const perSchool = Math.max(100, Math.round(meters / schools / 100) * 100)
  return { schools, metersPerSchool: perSchool, ...extra }
}

interface LoadRun {
  proc: ChildProcess
  sampler: Sampler
  progress: LoadProgress[]
  result: Promise<LoadResult>
}

function startLoad(spec: LoadSpec): LoadRun {
  const proc = spawnHelper('loadgen.ts')
  // A progress message sent just as it exits is of no consequence.
  proc.on('error', () => {})
  const sampler = new Sampler(proc.pid!).start()
  const progress: LoadProgress[] = []
  const result = new Promise<LoadResult>((resolve, reject) => {
    proc.on('message', (m: LoadProgress | LoadResult) => {
      if (m.type === 'progress') progress.push(m)
      else resolve(m)
    })
    proc.once('exit', (code) => reject(new Error(`the load generator exited with ${code} before reporting`)))
  })
  proc.send(spec)
  return { proc, sampler, progress, result }
}

async function serviceEnv(
  tree: Tree,
  o: RunOptions,
  dataDir: string,
  influx: Influxd | undefined,
  db: string,
  mqttUrl?: string,
): Promise<Record<string, string>> {
  return {
    CONFIG: join(dataDir, 'district.json'),
    DATA_DIR: dataDir,
    HTTP_PORT: String(await freePort()),
    HTTP_HOST: '127.0.0.1',
    MQTT_PORT: String(await freePort()),
    MQTT_HOST: '127.0.0.1',
    DEMO: '0',
    ...(influx ? { INFLUX_URL: influx.url, INFLUX_DATABASE: db } : {}),
    ...(mqttUrl ? { MQTT_URL: mqttUrl, MQTT_CLIENT_ID: `schoolmeter-bench-${db}` } : {}),
    ...extraEnvFor(tree, o),
  }
}

/**
 * Waits until InfluxDB holds `expected` points, or the count has stopped growing for `quietMs`
 * while the service's writer holds nothing (queue and spool empty: a write being retried with
 * backoff is not a loss yet), or `maxMs` passed.
 */
async function settleCount(
  influx: Influxd,
  db: string,
  expected: number,
  svc?: ServiceProcess,
  quietMs = 10_000,
  maxMs = 300_000,
): Promise<{ count: number; at: number }> {
  const start = performance.now()
  let last = -1
  let lastChange = performance.now()
  for (;;) {
    let n = last
    try {
      n = await influx.count(db, 'water', 'volume_m3')
    } catch {}
    const now = performance.now()
    if (n !== last) {
      last = n
      lastChange = now
    }
    if (n >= expected || now - start > maxMs) return { count: n, at: lastChange }
    if (now - lastChange > quietMs) {
      let held = 0
      try {
        const text = svc ? await svc.metrics() : ''
        held =
          metricValue(text, 'schoolmeter_writer_queued_lines') + metricValue(text, 'schoolmeter_spool_lines')
      } catch {}
      if (held === 0) return { count: n, at: lastChange }
    }
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** After the service stopped (and flushed its writer): the final count, if higher. */
async function finalCount(influx: Influxd, db: string, settled: number): Promise<number> {
  try {
    return Math.max(settled, await influx.count(db, 'water', 'volume_m3'))
  } catch {
    return settled
  }
}

/** Samples the service's accepted counter: [ms since start, accepted]. */
class AcceptedProbe {
  readonly points: [number, number][] = []
  private timer: NodeJS.Timeout | undefined
  constructor(
    private readonly svc: ServiceProcess,
    private readonly t0: number,
    private readonly onSample?: (accepted: number) => void,
  ) {}
  start(everyMs = 1000): this {
    this.timer = setInterval(() => void this.take(), everyMs)
    return this
  }
  async take(): Promise<number> {
    try {
      const text = await this.svc.metrics()
      const v = metricValue(text, 'schoolmeter_readings_accepted_total')
      this.points.push([performance.now() - this.t0, v])
      this.onSample?.(v)
      return v
    } catch {
      return this.points.at(-1)?.[1] ?? 0
    }
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }
  /** Accepted per second between two instants (ms since start), interpolating the samples. */
  rate(fromMs: number, toMs: number): number {
    const at = (t: number) => {
      const p = this.points
      if (p.length === 0) return 0
      if (t <= p[0]![0]) return p[0]![1]
      for (let i = 1; i < p.length; i++) {
        const [t1, v1] = p[i]!
        const [t0, v0] = p[i - 1]!
        if (t <= t1) return v0 + ((v1 - v0) * (t - t0)) / (t1 - t0 || 1)
      }
      return p.at(-1)![1]
    }
    return toMs > fromMs ? (at(toMs) - at(fromMs)) / ((toMs - fromMs) / 1000) : 0
  }
}

export class Bench {
  private mosquittoSampler: Sampler | undefined
  /** What a scenario started, stopped again by `cleanup()` whatever happened (idempotent). */
  private leftovers: (() => Promise<unknown> | unknown)[] = []

  /** Stops whatever the last scenario left running (after a failure). */
  async cleanup(): Promise<void> {
    for (const f of this.leftovers.splice(0).reverse()) {
      try {
        await f()
      } catch {}
    }
  }

  private track<T extends { stop(): unknown } | ChildProcess | Sampler | Mosquitto | ServiceProcess>(
    x: T,
  ): T {
    if ('kill' in x && 'exitCode' in x) {
      const p = x as ChildProcess
      this.leftovers.push(() => {
        if (p.exitCode === null && p.signalCode === null) p.kill()
      })
    } else this.leftovers.push(() => (x as { stop(): unknown }).stop())
    return x
  }

  constructor(
    readonly influx: Influxd,
    readonly o: RunOptions,
    readonly say: (line: string) => void,
  ) {}

  /** Mosquitto → one mqtt.js subscriber that only parses JSON, with the same load generator. */
  async ceiling(shape: Shape, qos: 0 | 1): Promise<CeilingRow> {
    const broker = this.track(await startMosquitto())
    const mosq = this.sampleMosquitto(broker)
    const sink = this.track(spawnHelper('sink.ts'))
    const counts: SinkCounts[] = []
    let finalCounts: SinkCounts | undefined
    const ready = new Promise<void>((resolve) => {
      sink.on('message', (m: SinkCounts | { type: 'ready' }) => {
        if (m.type === 'ready') resolve()
        else if (m.final) finalCounts = m
        else counts.push({ ...m, final: false, messages: m.messages, readings: m.readings })
      })
    })
    sink.send({ url: broker.url, qos })
    await ready
    const sinkSampler = new Sampler(sink.pid!).start()
    const w = workloadFor(this.o.meters)
    const seconds = this.o.ceilingSeconds
    const steps = this.maxSteps(w, seconds)
    const t0 = performance.now()
    const stamps: [number, number, number][] = []
    sink.on('message', (m: SinkCounts) => {
      if (m.type === 'counts' && !m.final) stamps.push([performance.now() - t0, m.readings, m.messages])
    })
    const load = this.trackLoad(
      startLoad({
        host: '127.0.0.1',
        port: broker.port,
        shape,
        qos,
        connections: this.o.connections,
        window: this.o.window,
        workload: w,
        t0: firstTs(steps),
        maxSteps: steps,
        seconds,
      }),
    )
    const warm = Math.min(5, seconds / 6) * 1000
    setTimeout(() => {
      sinkSampler.mark()
      load.sampler.mark()
      mosq?.mark()
    }, warm)
    const result = await load.result
    const end = performance.now() - t0
    sinkSampler.sample()
    load.sampler.sample()
    mosq?.sample()
    // Let the subscriber take what Mosquitto still holds, then stop it.
    await new Promise((r) => setTimeout(r, 2000))
    const finalWait = new Promise<void>((resolve) => sink.once('exit', () => resolve()))
    sink.send({ type: 'stop' })
    await finalWait
    const rateBetween = (idx: 1 | 2) => {
      const inWindow = stamps.filter(([t]) => t >= warm && t <= end)
      if (inWindow.length < 2) return 0
      const a = inWindow[0]!
      const b = inWindow.at(-1)!
      return (b[idx] - a[idx]) / ((b[0] - a[0]) / 1000)
    }
    sinkSampler.stop()
    load.sampler.stop()
    mosq?.stop()
    await broker.stop()
    return {
      scenario: `ceiling-${shape}-qos${qos}`,
      shape,
      qos,
      readingsPerSecond: Math.round(rateBetween(1)),
      messagesPerSecond: Math.round(rateBetween(2)),
      sent: result.readings,
      received: finalCounts?.readings ?? stamps.at(-1)?.[1] ?? 0,
      sinkCpuPercent: sinkSampler.cpuPercent(),
      loadgenCpuPercent: load.sampler.cpuPercent(),
      mosquittoCpuPercent: mosq?.cpuPercent() ?? 0,
    }
  }

  async throughput(tree: Tree, shape: Shape, qos: 0 | 1, broker: BrokerMode): Promise<ThroughputRow> {
    const scenario = `${shape}-qos${qos}-${broker}`
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-bench-'))
    const w = workloadFor(this.o.meters)
    writeFileSync(join(dataDir, 'district.json'), registryJson(w))
    const db = `b${Date.now().toString(36)}`
    const mosquitto = broker === 'external' ? this.track(await startMosquitto()) : undefined
    const mosq = mosquitto ? this.sampleMosquitto(mosquitto) : undefined
    const env = await serviceEnv(tree, this.o, dataDir, this.influx, db, mosquitto?.url)
    const svc = this.track(await startService({ dir: tree.dir, env }))
    const influxSampler = this.influxSampler()
    const sampler = new Sampler(svc.pid, 500).start()
    const seconds = this.o.seconds
    const steps = this.maxSteps(w, seconds)
    const t0 = performance.now()
    let send: ((n: number) => void) | undefined
    const probe = new AcceptedProbe(svc, t0, (n) => send?.(n)).start()
    const load = this.trackLoad(
      startLoad({
        host: '127.0.0.1',
        port: mosquitto ? mosquitto.port : Number(env.MQTT_PORT),
        shape,
        qos,
        connections: this.o.connections,
        window: this.o.window,
        workload: w,
        t0: firstTs(steps),
        maxSteps: steps,
        seconds,
        ...(this.o.maxLead ? { maxLead: this.o.maxLead } : {}),
      }),
    )
    send = (n) => {
      if (load.proc.connected) load.proc.send({ type: 'accepted', readings: n }, () => {})
    }
    const warm = Math.min(5, seconds / 6) * 1000
    const marks = setTimeout(() => {
      for (const s of [sampler, influxSampler, load.sampler, mosq]) s?.mark()
    }, warm)
    let result: LoadResult
    try {
      result = await load.result
    } finally {
      clearTimeout(marks)
    }
    const end = performance.now() - t0
    await probe.take()
    for (const s of [sampler, influxSampler, load.sampler, mosq]) s?.sample()
    const cpu = sampler.cpuPercent()
    const influxCpu = influxSampler?.cpuPercent() ?? 0
    const mosqCpu = mosq?.cpuPercent()
    const settled = await settleCount(this.influx, db, result.readings, svc)
    const storedAt = settled.at - t0
    probe.stop()
    if (process.env.BENCH_DEBUG) console.log(JSON.stringify(probe.points.map(([t, v]) => [Math.round(t), v])))
    const row: ThroughputRow = {
      tree: tree.name,
      scenario,
      shape,
      qos,
      broker,
      seconds: round1(result.seconds),
      readingsPerSecond: Math.round(probe.rate(warm, end)),
      storedPerSecond: Math.round(settled.count / (storedAt / 1000)),
      sent: result.readings,
      stored: settled.count,
      loss: result.readings - settled.count,
      serviceCpuPercent: cpu,
      serviceRssPeakMiB: Math.round(sampler.peakRss / 2 ** 20),
      influxdCpuPercent: influxCpu,
      loadgenCpuPercent: load.sampler.cpuPercent(),
      ...(mosqCpu !== undefined ? { mosquittoCpuPercent: mosqCpu } : {}),
      drainSeconds: round1((storedAt - end) / 1000),
      errors: result.errors,
    }
    sampler.stop()
    influxSampler?.stop()
    load.sampler.stop()
    mosq?.stop()
    await svc.stop()
    // Whatever the writer still held went out (or to its spool) on the way down.
    row.stored = await finalCount(this.influx, db, row.stored)
    row.loss = row.sent - row.stored
    await mosquitto?.stop()
    await this.dropDatabase(db)
    rmSync(dataDir, { recursive: true, force: true })
    return row
  }

  async latency(tree: Tree): Promise<LatencyRow> {
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-bench-'))
    const seconds = this.o.seconds
    const faults = Math.ceil(this.o.faultsPerSecond * seconds) + 2
    const w = workloadFor(this.o.meters, { faultMeters: faults })
    writeFileSync(join(dataDir, 'district.json'), registryJson(w))
    const db = `l${Date.now().toString(36)}`
    const env = await serviceEnv(tree, this.o, dataDir, this.influx, db)
    const svc = this.track(await startService({ dir: tree.dir, env }))
    const sampler = new Sampler(svc.pid, 500).start()
    const steps = this.maxSteps(w, seconds)
    const load = this.trackLoad(
      startLoad({
        host: '127.0.0.1',
        port: Number(env.MQTT_PORT),
        shape: 'single',
        qos: 0,
        connections: 2,
        window: this.o.window,
        workload: w,
        t0: firstTs(steps),
        maxSteps: steps,
        seconds,
        rate: this.o.latencyRate,
        faults: { perSecond: this.o.faultsPerSecond },
      }),
    )
    const result = await load.result
    sampler.sample()
    const settled = await settleCount(this.influx, db, result.readings, svc)
    const lat = [...(result.faults?.latenciesMs ?? [])].sort((a, b) => a - b)
    const pct = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! : NaN)
    const row: LatencyRow = {
      tree: tree.name,
      scenario: 'latency-single-qos0-embedded',
      rate: this.o.latencyRate,
      achievedPerSecond: Math.round(result.readings / result.seconds),
      faults: result.faults?.sent ?? 0,
      alerts: result.faults?.alerts ?? 0,
      p50Ms: round1(pct(0.5)),
      p99Ms: round1(pct(0.99)),
      maxMs: round1(lat.at(-1) ?? NaN),
      sent: result.readings,
      stored: settled.count,
      loss: result.readings - settled.count,
      serviceCpuPercent: sampler.cpuPercent(),
      serviceRssPeakMiB: Math.round(sampler.peakRss / 2 ** 20),
    }
    sampler.stop()
    load.sampler.stop()
    await svc.stop()
    row.stored = await finalCount(this.influx, db, row.stored)
    row.loss = row.sent - row.stored
    await this.dropDatabase(db)
    rmSync(dataDir, { recursive: true, force: true })
    return row
  }

  async overload(tree: Tree, sustainable: number): Promise<OverloadRow> {
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-bench-'))
    const w = workloadFor(this.o.meters)
    writeFileSync(join(dataDir, 'district.json'), registryJson(w))
    const db = `o${Date.now().toString(36)}`
    const env = await serviceEnv(tree, this.o, dataDir, this.influx, db)
    const svc = this.track(await startService({ dir: tree.dir, env }))
    const sampler = new Sampler(svc.pid, 1000).start()
    const seconds = this.o.seconds
    const offered = Math.round(this.o.overloadRate ?? sustainable * this.o.overloadFactor)
    const steps = this.maxSteps(w, seconds)
    let queuedMax = 0
    const gauges = setInterval(async () => {
      try {
        queuedMax = Math.max(queuedMax, metricValue(await svc.metrics(), 'schoolmeter_writer_queued_lines'))
      } catch {}
    }, 1000)
    const load = this.trackLoad(
      startLoad({
        host: '127.0.0.1',
        port: Number(env.MQTT_PORT),
        shape: 'single',
        qos: 1,
        // Many publishers with deep windows: enough in flight to swamp a service that acknowledges
        // before it has kept up.
        connections: Math.max(8, this.o.connections),
        window: Math.max(1000, this.o.window),
        workload: w,
        t0: firstTs(steps),
        maxSteps: steps,
        seconds,
        rate: offered,
      }),
    )
    const result = await load.result
    clearInterval(gauges)
    sampler.sample()
    const settled = await settleCount(this.influx, db, result.readings, svc)
    const metrics = await svc.metrics().catch(() => '')
    const series = sampler.rssSeries
    const start = series[0]?.t ?? 0
    const every5: number[] = []
    for (const p of series) if (Math.floor((p.t - start) / 5000) === every5.length) every5.push(p.rssMiB)
    const row: OverloadRow = {
      tree: tree.name,
      scenario: 'overload-single-qos1-embedded',
      offeredPerSecond: offered,
      achievedPerSecond: Math.round(result.readings / result.seconds),
      sent: result.readings,
      stored: settled.count,
      loss: result.readings - settled.count,
      unacked: result.unacked,
      serviceRssPeakMiB: Math.round(sampler.peakRss / 2 ** 20),
      rssMiBEvery5s: every5,
      writerQueuedLinesMax: queuedMax,
      droppedLines:
        metricValue(metrics, 'schoolmeter_influx_dropped_lines_total{reason="spool_full"}') +
        metricValue(metrics, 'schoolmeter_influx_dropped_lines_total{reason="refused"}'),
      serviceCpuPercent: sampler.cpuPercent(),
    }
    sampler.stop()
    load.sampler.stop()
    await svc.stop()
    row.stored = await finalCount(this.influx, db, row.stored)
    row.loss = row.sent - row.stored
    await this.dropDatabase(db)
    rmSync(dataDir, { recursive: true, force: true })
    return row
  }

  async memory(tree: Tree): Promise<MemoryRow> {
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-bench-'))
    const meters = this.o.memoryMeters
    const w = workloadFor(meters, { intervalSeconds: 3600 })
    const total = w.schools * w.metersPerSchool
    writeFileSync(join(dataDir, 'district.json'), registryJson(w))
    const db = `m${Date.now().toString(36)}`
    const env = await serviceEnv(tree, this.o, dataDir, this.influx, db)
    const infoEnv = { ...env, LOG_LEVEL: 'info' }
    const first = this.trackService(
      await startService({
        dir: tree.dir,
        env: infoEnv,
        healthTimeoutMs: 300_000,
        nodeArgs: ['--expose-gc', '--require', join(here, 'lib', 'gc-on-signal.cjs')],
      }),
    )
    const firstStartSeconds = (first.healthyAt - first.spawnedAt) / 1000
    const sampler = new Sampler(first.pid, 1000).start()
    /** Heap used and RSS after a full collection (SIGUSR2, see lib/gc-on-signal.cjs). */
    const settle = async (svc: ServiceProcess) => {
      svc.proc.kill('SIGUSR2')
      await new Promise((r) => setTimeout(r, 1500))
      sampler.sample()
      return {
        heap: metricValue(await svc.metrics(), 'schoolmeter_nodejs_heap_size_used_bytes'),
        rssMiB: sampler.rssSeries.at(-1)?.rssMiB ?? 0,
      }
    }
    await new Promise((r) => setTimeout(r, 1000))
    const idle = await settle(first)
    const rssIdle = idle.rssMiB
    const heapIdle = idle.heap
    const hour = 3_600_000
    const readingsPerMeter = this.o.memoryReadings
    const t0 = Math.floor(Date.now() / hour) * hour - (readingsPerMeter + 1) * hour
    const loadStart = performance.now()
    const load = this.trackLoad(
      startLoad({
        host: '127.0.0.1',
        port: Number(env.MQTT_PORT),
        shape: 'batch100',
        qos: 1,
        connections: this.o.connections,
        window: 20,
        workload: w,
        t0,
        maxSteps: readingsPerMeter,
        seconds: 3600,
        stepsPerMeter: readingsPerMeter,
        stepMs: hour,
        still: true,
      }),
    )
    const result = await load.result
    const loadSeconds = (performance.now() - loadStart) / 1000
    // Two snapshot periods, so that the state in memory is what is on disk.
    await new Promise((r) => setTimeout(r, 11_000))
    const loaded = await settle(first)
    const rssLoaded = loaded.rssMiB
    const heapLoaded = loaded.heap
    const settled = await settleCount(this.influx, db, result.readings, first, 5000)
    sampler.stop()
    load.sampler.stop()
    await first.stop()
    const sizes = stateSizes(join(dataDir, 'schoolmeter.db'), total)
    const again = this.track(await startService({ dir: tree.dir, env: infoEnv, healthTimeoutMs: 300_000 }))
    const restartSeconds = (again.healthyAt - again.spawnedAt) / 1000
    const restoreFromLog = restoreFigures(again.logs)
    await again.stop()
    await this.dropDatabase(db)
    rmSync(dataDir, { recursive: true, force: true })
    return {
      tree: tree.name,
      meters: total,
      readingsPerMeter,
      readings: result.readings,
      stored: settled.count,
      loadSeconds: round1(loadSeconds),
      rssIdleMiB: rssIdle,
      rssLoadedMiB: rssLoaded,
      rssPeakMiB: Math.round(sampler.peakRss / 2 ** 20),
      heapIdleMiB: Math.round(heapIdle / 2 ** 20),
      heapLoadedMiB: Math.round(heapLoaded / 2 ** 20),
      rssPerMeterBytes: Math.round(((rssLoaded - rssIdle) * 2 ** 20) / total),
      heapPerMeterBytes: Math.round((heapLoaded - heapIdle) / total),
      ...sizes,
      firstStartSeconds: round1(firstStartSeconds),
      restartSeconds: round1(restartSeconds),
      restoreSeconds: round1(restartSeconds - firstStartSeconds),
      ...(restoreFromLog ? { restoreFromLog } : {}),
    }
  }

  private trackLoad(load: LoadRun): LoadRun {
    this.track(load.proc)
    this.leftovers.push(() => load.sampler.stop())
    return load
  }

  private trackService(svc: ServiceProcess): ServiceProcess {
    return this.track(svc)
  }

  /** Steps per meter a run of `seconds` can use at most (at 2,000,000 readings/s: batches into Mosquitto). */
  private maxSteps(w: Workload, seconds: number): number {
    return Math.ceil((2_000_000 * seconds) / (w.schools * w.metersPerSchool)) + 10
  }

  private influxSampler(): Sampler | undefined {
    const pid = pidListening(this.influx.port)
    return pid ? new Sampler(pid, 1000).start() : undefined
  }

  private sampleMosquitto(m: Mosquitto): Sampler | undefined {
    const pid = pidListening(m.port)
    killOnExit(pid)
    this.mosquittoSampler = pid ? new Sampler(pid, 1000).start() : undefined
    return this.mosquittoSampler
  }

  private async dropDatabase(db: string): Promise<void> {
    try {
      await this.influx.query(db, `DROP DATABASE "${db}"`)
    } catch {}
  }
}

/** Bytes of snapshot JSON per meter in the app store: register state, rule state, last reading. */
function stateSizes(file: string, meters: number) {
  const d = new Database(file, { readonly: true })
  const one = (sql: string): number => {
    try {
      const row = d.prepare(sql).get() as Record<string, number | null> | undefined
      return Number(Object.values(row ?? {})[0] ?? 0)
    } catch {
      return 0
    }
  }
  // Either layout: one table per part (before migration 6), or `meter_state` rows by part.
  const register =
    one('SELECT sum(length(state)) FROM register_state') ||
    one("SELECT sum(length(json_extract(state, '$.r'))) FROM meter_state WHERE part = 'ingest'")
  const rules =
    one('SELECT sum(length(state) + length(rule)) FROM rule_state') ||
    one("SELECT sum(length(state)) FROM meter_state WHERE part = 'rules'")
  const rulesMax =
    one(
      'SELECT max(n) FROM (SELECT sum(length(state) + length(rule)) AS n FROM rule_state GROUP BY meter_id)',
    ) || one("SELECT max(length(state)) FROM meter_state WHERE part = 'rules'")
  const status =
    one('SELECT sum(length(last_values) + 40) FROM meter_status') ||
    one("SELECT sum(length(json_extract(state, '$.s'))) FROM meter_state WHERE part = 'ingest'")
  const alerts = one('SELECT count(*) FROM alerts')
  d.close()
  const databaseMiB = round1(
    ['', '-wal'].reduce((s, x) => {
      try {
        return s + readFileSync(`${file}${x}`).length
      } catch {
        return s
      }
    }, 0) /
      2 ** 20,
  )
  return {
    registerStateBytesPerMeter: Math.round(register / meters),
    ruleStateBytesPerMeter: Math.round(rules / meters),
    ruleStateMaxBytesPerMeter: rulesMax,
    statusBytesPerMeter: Math.round(status / meters),
    ruleAndRegisterBytesPerMeter: Math.round((register + rules) / meters),
    databaseMiB,
    alertsInStore: alerts,
  }
}

/**
 * Restore figures from the service's start-up log: a line that reports its own duration
 * (`restoreMs`, `ms` or `durationMs`) wins; otherwise the time between the log lines around the
 * restore steps.
 */
function restoreFigures(logs: Record<string, unknown>[]): Record<string, unknown> | undefined {
  const restoring = logs.filter((l) => /restor/i.test(String(l.msg)))
  if (restoring.length === 0) return undefined
  const out: Record<string, unknown> = {}
  for (const l of restoring) {
    const { level: _l, time: _t, pid: _p, hostname: _h, service: _s, receivedAt: _r, ...rest } = l
    out[String(l.msg)] = rest
  }
  const times = logs.map((l) => Number(l.time)).filter(Number.isFinite)
  const lastRestore = Math.max(...restoring.map((l) => Number(l.time)))
  if (times.length) out.msFromFirstLogToLastRestoreLine = lastRestore - Math.min(...times)
  return out
}

export { STEP_MS }
