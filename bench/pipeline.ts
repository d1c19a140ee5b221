/**
 * In-process micro-benchmark of the pipeline, without MQTT or InfluxDB: topic + payload →
 * decode → registers → line protocol → rules → rollups, wired as the service wires them, with
 * a writer that only keeps the lines. Runs against any checkout (`--service-dir`) by importing its
 * sources, so before and after can be compared side by side on a noisy machine.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { firstTs, GROUP, meterId, readingValues, registryJson, schoolId } from './lib/workload.js'
import type { Tree } from './scenarios.js'

export interface PipelineRow {
  tree: string
  case: string
  readings: number
  seconds: number
  readingsPerSecond: number
  linesWritten: number
  /** Saving every meter's rule state and register state once, after the run (blocks the event loop). */
  snapshotMs: number
  /** A restart on that state: constructing the engine and ingest, then restoring (start()). */
  constructMs: number
  restoreMs: number
  /** Alerts the rules opened over the warm-up and the run, by rule: the workload is meant to raise none. */
  alerts: string
}

// biome-ignore lint/suspicious/noExplicitAny: the modules of another checkout, typed loosely on purpose
type Any = any

export async function benchPipeline(tree: Tree, readings: number, meters = 10_000): Promise<PipelineRow[]> {
  if (meters % 100 !== 0) throw new Error('--meters must be a multiple of 100')
  const imp = (p: string): Promise<Any> => import(pathToFileURL(join(tree.dir, p)).href)
  const [
    { parseConfig },
    { openStore },
    { Bus },
    { createMetrics },
    ingestMod,
    rulesMod,
    reportsMod,
    pinoMod,
    notifyMod,
  ] = await Promise.all([
    imp('core/config/load.ts'),
    imp('store/index.ts'),
    imp('core/bus.ts'),
    imp('core/metrics.ts'),
    imp('ingest/index.ts'),
    imp('rules/index.ts'),
    imp('reports/index.ts'),
    import('pino'),
    // The router moved from rules/ to notify/; an older checkout has it in rules/.
    imp('notify/index.ts').catch(() => undefined),
  ])
  const schools = Math.max(1, Math.round(meters / 1000))
  const per = meters / schools
  const { registry } = parseConfig(registryJson({ schools, metersPerSchool: per }), 'bench.json')
  const rows: PipelineRow[] = []
  for (const shape of ['single', 'batch100'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-pipeline-'))
    const store = openStore(dir)
    await store.registry.sync(registry)
    const log = pinoMod.default({ level: 'silent' })
    const metrics = createMetrics({ defaultMetrics: false })
    const bus = new Bus()
    let lines = 0
    const writer = { write: () => void lines++ }
    const ingest = new ingestMod.Ingest({
      registry,
      store,
      bus,
      metrics,
      log,
      watermarkMs: 600_000,
      limits: ingestMod.DEFAULT_LIMITS,
      writer,
    })
    ingest.start()
    const rollups = new reportsMod.Rollups({ registry, store, bus, log, onHour: () => {} })
    rollups.start()
    const router = new (notifyMod?.Router ?? rulesMod.Router)({ registry, email: false })
    const alerts = new rulesMod.AlertManager({ registry, store, router, bus, log, metrics })
    const engine = new rulesMod.RuleEngine({
      registry,
      store,
      bus,
      alerts,
      log,
      metrics,
      lastReceivedAt: (id: string) => ingest.status(id)?.lastReceivedAt,
    })
    await engine.start()
    const steps = Math.ceil((2 * readings) / meters) + 2
    const t0 = firstTs(steps)
    const topics: string[] = []
    for (let m = 0; m < meters; m++)
      topics.push(`schools/${schoolId(Math.floor(m / per))}/meters/${meterId(m, per)}`)
    const groups = meters / GROUP
    let k = 0
    let g = 0
    const messages: [string, Buffer][] = []
    const make = (count: number) => {
      messages.length = 0
      let n = 0
      while (n < count) {
        const ts = t0 + k * 60_000
        if (shape === 'single') {
          for (let j = 0; j < GROUP; j++) {
            const m = g * GROUP + j
            const v = readingValues(m, k)
            messages.push([
              topics[m]!,
              Buffer.from(`{"ts":${ts},"volume_m3":${v.volume},"flow_lpm":${v.flow}}`),
            ])
          }
        } else {
          let body = '['
          for (let j = 0; j < GROUP; j++) {
            const m = g * GROUP + j
            const v = readingValues(m, k)
            body += `${j ? ',' : ''}{"meter":"${meterId(m, per)}","ts":${ts},"volume_m3":${v.volume},"flow_lpm":${v.flow}}`
          }
          const s = Math.floor((g * GROUP) / per)
          messages.push([`schools/${schoolId(s)}/gateways/G${g}`, Buffer.from(`${body}]`)])
        }
        n += GROUP
        if (++g === groups) {
          g = 0
          k++
        }
      }
    }
    // Warm-up, then the measured run; payloads are made beforehand so that only the pipeline is timed.
    make(Math.min(readings, 50_000))
    for (const [t, p] of messages) ingest.handle(t, p)
    // The alert manager takes the rules' verdicts in turn (a checkout before that had no idle()).
    await alerts.idle?.()
    make(readings)
    lines = 0
    const started = performance.now()
    for (const [t, p] of messages) ingest.handle(t, p)
    await alerts.idle?.()
    const seconds = (performance.now() - started) / 1000
    // Everything dirty, as after a busy snapshot interval: how long one snapshot blocks.
    const snapStarted = performance.now()
    engine.snapshot()
    ingest.snapshot()
    const snapshotMs = Math.round(performance.now() - snapStarted)
    engine.stop()
    rollups.stop()
    ingest.stop()
    // A restart on that state, as the service does it.
    const constructStarted = performance.now()
    const ingest2 = new ingestMod.Ingest({
      registry,
      store,
      bus: new Bus(),
      metrics,
      log,
      watermarkMs: 600_000,
      limits: ingestMod.DEFAULT_LIMITS,
      writer,
    })
    const engine2 = new rulesMod.RuleEngine({
      registry,
      store,
      bus: new Bus(),
      alerts,
      log,
      metrics,
      lastReceivedAt: () => undefined,
    })
    const restoreStarted = performance.now()
    ingest2.start()
    await engine2.start()
    const restoreMs = Math.round(performance.now() - restoreStarted)
    const constructMs = Math.round(restoreStarted - constructStarted)
    engine2.stop()
    ingest2.stop()
    const opened = new Map<string, number>()
    for (const a of await store.alerts.list({ limit: 1_000_000 }))
      opened.set(a.rule, (opened.get(a.rule) ?? 0) + 1)
    rows.push({
      tree: tree.name,
      case: shape === 'single' ? 'single readings' : 'gateway batches of 100',
      readings,
      seconds: Math.round(seconds * 100) / 100,
      readingsPerSecond: Math.round(readings / seconds),
      linesWritten: lines,
      snapshotMs,
      constructMs,
      restoreMs,
      alerts: [...opened].map(([rule, n]) => `${rule} ${n}`).join(', ') || 'none',
    })
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return rows
}
