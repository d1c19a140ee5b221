/**
 * `npm run bench`: prints tables and writes bench/results/<suite>-<timestamp>.json.
 *
 * Default suite `issue` — the performance issue's whole matrix, unattended (20–25 minutes per
 * checkout at the default 60 s; see docs/performance.md):
 *   ceiling (Mosquitto → a subscriber that only parses JSON), single readings and gateway batches
 *   of 100 × QoS 0/1 × embedded/external broker with rules on, publish → alert latency at a paced
 *   10,000 readings/s, overload (QoS 1 at twice the sustainable rate), memory (100,000 meters,
 *   restart with their state).
 * Options:
 *   --seconds N            each throughput scenario's publishing time (60)
 *   --ceiling-seconds N    each ceiling measurement (30, at most --seconds)
 *   --scenarios a,b        pick: ceiling, single-qos0-embedded … batch100-qos1-external (or a
 *                          prefix such as `single`, `batch100-qos1`), latency, overload, memory
 *   --service-dir [name=]path  the checkout to measure; repeat for several (before/after), e.g.
 *                          --service-dir before=/work/before --service-dir after=.
 *   --meters N (10000) --connections N (4) --window N (100, QoS 1 in flight per connection)
 *   --latency-rate N (10000) --faults-per-second N (10) --overload-rate N (default: factor ×
 *   the single QoS 1 embedded rate just measured, or 2 × 30,000) --overload-factor N (2)
 *   --memory-meters N (100000) --memory-readings N (24, an hour apart)
 *   --service-env KEY=VALUE (repeat) --rate-limit-value V (for a per-client rate limit variable)
 *   --max-lead N           readings the publishers may run ahead of what the service accepted
 *                          (250000; 0 = no limit, and Mosquitto queues whatever the service cannot take)
 * Other suites: --suite ingest (the first throughput figure: --messages --meters --runs --qos),
 * --suite simulator (--hours), --suite pipeline (in-process, no network: --readings), --suite
 * live-status (sharing meters' live status through PostgreSQL: --meters, --runs).
 * Never part of `npm test`: these are figures, not pass/fail checks.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { basename, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { progressLine, toolCommandLine } from '../core/cli.js'
import { startupLocale } from '../core/config/load.js'
import { formatNumber, type Message, msg, t } from '../core/i18n/index.js'
import { Progress } from '../core/progress.js'
import { startInfluxd } from '../test/helpers/influxd.js'
import { benchIngest } from './ingest.js'
import { killOnExit, pidListening } from './lib/procs.js'
import { benchLiveStatus } from './live-status.js'
import { benchPipeline } from './pipeline.js'
import {
  Bench,
  type CeilingRow,
  type LatencyRow,
  type MemoryRow,
  type OverloadRow,
  type RunOptions,
  THROUGHPUT_SCENARIOS,
  type ThroughputRow,
  type Tree,
} from './scenarios.js'
import { benchSimulator } from './simulator.js'

/** Options that take a number. */
const NUMERIC = new Set([
  'seconds',
  'ceiling-seconds',
  'meters',
  'connections',
  'window',
  'latency-rate',
  'faults-per-second',
  'overload-rate',
  'overload-factor',
  'memory-meters',
  'memory-readings',
  'max-lead',
  'messages',
  'runs',
  'qos',
  'hours',
  'readings',
])

const TARGETS = {
  'single-qos0-embedded': '≥ 30,000 readings/s, zero loss, ≥ 0.75 of the ceiling',
  batch100: '≥ 100,000 readings/s, zero loss',
  latency: 'publish → alert p99 ≤ 100 ms at 10,000 readings/s',
  memory: '≤ 1 KiB rule + register state per meter; restore ≤ 5 s',
  overload: 'no reading lost, memory bounded',
}

const locale = startupLocale()
const cli = toolCommandLine(
  {
    options: {
      suite: { type: 'string', default: 'issue' },
      seconds: { type: 'string', default: '60' },
      'ceiling-seconds': { type: 'string', default: '30' },
      scenarios: { type: 'string', default: 'all' },
      'service-dir': { type: 'string', multiple: true },
      meters: { type: 'string' },
      connections: { type: 'string', default: '4' },
      window: { type: 'string', default: '100' },
      'latency-rate': { type: 'string', default: '10000' },
      'faults-per-second': { type: 'string', default: '10' },
      'overload-rate': { type: 'string' },
      'overload-factor': { type: 'string', default: '2' },
      'memory-meters': { type: 'string', default: '100000' },
      'memory-readings': { type: 'string', default: '24' },
      'service-env': { type: 'string', multiple: true },
      'rate-limit-value': { type: 'string' },
      'max-lead': { type: 'string', default: '250000' },
      messages: { type: 'string', default: '200000' },
      runs: { type: 'string', default: '3' },
      qos: { type: 'string', default: '0' },
      hours: { type: 'string', default: '24' },
      readings: { type: 'string', default: '300000' },
      help: { type: 'boolean', short: 'h' },
    },
  },
  { script: 'bench', usage: 'bench.cli.usage', locale },
)
const values = cli.values
const refuse: (sentence: Message) => never = cli.refuse
const SUITES = ['issue', 'ingest', 'simulator', 'pipeline', 'live-status']
for (const suite of values.suite.split(','))
  if (!SUITES.includes(suite)) refuse(msg('bench.cli.badSuite', { suite, suites: SUITES }))
for (const [option, value] of Object.entries(values))
  if (NUMERIC.has(option) && typeof value === 'string' && !(Number(value) >= 0))
    refuse(msg('bench.cli.badNumber', { option: `--${option}`, value }))
for (const kv of values['service-env'] ?? [])
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(kv)) refuse(msg('bench.cli.badEnv', { value: kv }))

const root = fileURLToPath(new URL('..', import.meta.url))
// Ctrl-C or a kill: exit through process 'exit', which stops the services and helpers we started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))
const suites = values.suite.split(',')
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const resultsDir = resolve(root, 'bench/results')
mkdirSync(resultsDir, { recursive: true })
console.log(`schoolmeter benchmarks on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`)

if (suites.includes('issue')) await runIssue()

if (suites.includes('pipeline')) {
  const trees = parseTrees(values['service-dir'])
  const rows = []
  for (const tree of trees)
    rows.push(...(await benchPipeline(tree, Number(values.readings), Number(values.meters ?? 10_000))))
  console.log(
    '\nin-process pipeline (no MQTT, no InfluxDB: decode → registers → line protocol → rules → rollups)',
  )
  console.table(rows)
  const file = resolve(resultsDir, `pipeline-${stamp}.json`)
  writeFileSync(file, JSON.stringify({ machine, rows }, null, 2))
  console.log(`written to ${file}`)
}

if (suites.includes('ingest')) {
  const runs = Number(values.runs)
  const opts = {
    messages: Number(values.messages),
    meters: Number(values.meters ?? 1000),
    runs,
    qos: Number(values.qos) as 0 | 1,
  }
  console.log(`\ningest: ${JSON.stringify(opts)}`)
  const result = await benchIngest(opts)
  console.table(result.runs)
  console.log(
    `median of ${runs}: ${result.median.acceptedPerSecond} readings/s accepted, ` +
      `${result.median.storedPerSecond} readings/s queryable in InfluxDB (single-reading messages, QoS ${opts.qos}, embedded broker)`,
  )
  const file = resolve(resultsDir, `ingest-${stamp}.json`)
  writeFileSync(file, JSON.stringify({ machine, options: opts, ...result }, null, 2))
  console.log(`written to ${file}`)
}

if (suites.includes('simulator')) {
  const runs = Number(values.runs)
  const opts = { hours: Number(values.hours), runs }
  console.log(
    `\nsimulator publish rate: demo district, ${opts.hours} h backfilled into Mosquitto, median of ${runs}`,
  )
  const rows = await benchSimulator(opts)
  console.table(rows)
  const file = resolve(resultsDir, `simulator-${stamp}.json`)
  writeFileSync(file, JSON.stringify({ machine, options: opts, rows }, null, 2))
  console.log(`written to ${file}`)
}

if (suites.includes('live-status')) {
  const opts = { meters: Number(values.meters ?? 100_000), runs: Number(values.runs) }
  console.log(
    `\nlive status through PostgreSQL 15 (fsync on): a shard of ${opts.meters} meters all changed, median of ${opts.runs}`,
  )
  const row = await benchLiveStatus(opts)
  console.table([row])
  const file = resolve(resultsDir, `live-status-${stamp}.json`)
  writeFileSync(file, JSON.stringify({ machine, options: opts, row }, null, 2))
  console.log(`written to ${file}`)
}

function parseTrees(dirs: string[] | undefined): Tree[] {
  const list = dirs?.length ? dirs : [root]
  return list.map((d) => {
    const eq = d.indexOf('=')
    const dir = resolve(eq > 0 ? d.slice(eq + 1) : d)
    return { name: eq > 0 ? d.slice(0, eq) : basename(dir), dir }
  })
}

async function runIssue(): Promise<void> {
  const trees = parseTrees(values['service-dir'])
  const seconds = Number(values.seconds)
  const o: RunOptions = {
    seconds,
    ceilingSeconds: Math.min(Number(values['ceiling-seconds']), seconds),
    meters: Number(values.meters ?? 10_000),
    connections: Number(values.connections),
    window: Number(values.window),
    latencyRate: Number(values['latency-rate']),
    faultsPerSecond: Number(values['faults-per-second']),
    ...(values['overload-rate'] ? { overloadRate: Number(values['overload-rate']) } : {}),
    overloadFactor: Number(values['overload-factor']),
    memoryMeters: Number(values['memory-meters']),
    memoryReadings: Number(values['memory-readings']),
    serviceEnv: Object.fromEntries(
      (values['service-env'] ?? []).map((kv) => [
        kv.slice(0, kv.indexOf('=')),
        kv.slice(kv.indexOf('=') + 1),
      ]),
    ),
    ...(values['rate-limit-value'] ? { rateLimitValue: values['rate-limit-value'] } : {}),
    maxLead: Number(values['max-lead']),
  }
  const picked = values.scenarios.split(',').map((s) => s.trim())
  const want = (name: string) =>
    picked.includes('all') || picked.some((p) => name === p || name.startsWith(`${p}-`))
  const matrix = THROUGHPUT_SCENARIOS.filter((s) => want(s.name))
  console.log(
    `\nissue matrix: ${trees.map((t) => `${t.name} (${t.dir})`).join(' vs ')}; ${JSON.stringify({ ...o, scenarios: picked })}`,
  )
  const influx = await startInfluxd()
  killOnExit(pidListening(influx.port))
  const bench = new Bench(influx, o, (l) => console.log(l))
  const ceilings: CeilingRow[] = []
  const throughput: ThroughputRow[] = []
  const latency: LatencyRow[] = []
  const overload: OverloadRow[] = []
  const memory: MemoryRow[] = []
  const failures: { tree?: string; scenario: string; error: string }[] = []
  const file = resolve(resultsDir, `issue-${stamp}.json`)
  const save = () =>
    writeFileSync(
      file,
      JSON.stringify(
        {
          machine,
          options: o,
          trees,
          ceilings,
          throughput,
          latency,
          overload,
          memory,
          failures,
          targets: TARGETS,
        },
        null,
        2,
      ),
    )
  const ceilingKinds = new Set(matrix.map((s) => `${s.shape}|${s.qos}`))
  if (ceilingKinds.size === 0) ceilingKinds.add('single|0')
  const steps =
    (want('ceiling') ? ceilingKinds.size : 0) +
    trees.length * (matrix.length + ['latency', 'overload', 'memory'].filter((s) => want(s)).length)
  const progress = new Progress(steps)
  let stepsDone = 0
  const attempt = async <T>(
    what: string,
    tree: Tree | undefined,
    fn: () => Promise<T>,
  ): Promise<T | undefined> => {
    const began = performance.now()
    console.log(`→ ${what}${tree ? ` [${tree.name}]` : ''}`)
    try {
      const r = await fn()
      console.log(`  ${JSON.stringify(r)} (${Math.round((performance.now() - began) / 1000)} s)`)
      return r
    } catch (err) {
      console.error(`  FAILED: ${(err as Error).stack ?? err}`)
      failures.push({ ...(tree ? { tree: tree.name } : {}), scenario: what, error: String(err) })
      return undefined
    } finally {
      // Whatever a failed scenario left running would skew the next one.
      await bench.cleanup()
      save()
      const p = progress.at(++stepsDone, true)!
      console.log(
        progressLine(locale, p, {
          what: t(locale, 'bench.progress.what'),
          done: t(locale, 'bench.progress.done', { done: stepsDone, total: steps }),
          rate: t(locale, 'bench.progress.rate', {
            minutes: formatNumber(locale, p.elapsedSeconds / 60 / stepsDone, 1),
          }),
        }),
      )
    }
  }
  try {
    if (want('ceiling')) {
      for (const k of ceilingKinds) {
        const [shape, qos] = k.split('|') as ['single' | 'batch100', string]
        const r = await attempt(`ceiling-${shape}-qos${qos}`, undefined, () =>
          bench.ceiling(shape, Number(qos) as 0 | 1),
        )
        if (r) ceilings.push(r)
      }
    }
    for (const s of matrix) {
      for (const tree of trees) {
        const r = await attempt(s.name, tree, () => bench.throughput(tree, s.shape, s.qos, s.broker))
        if (!r) continue
        const c = ceilings.find((x) => x.shape === s.shape && x.qos === s.qos)
        if (c?.readingsPerSecond)
          r.ratioToCeiling = Math.round((r.readingsPerSecond / c.readingsPerSecond) * 100) / 100
        throughput.push(r)
      }
    }
    if (want('latency')) {
      for (const tree of trees) {
        const r = await attempt('latency', tree, () => bench.latency(tree))
        if (r) latency.push(r)
      }
    }
    if (want('overload')) {
      for (const tree of trees) {
        const base = throughput.find((r) => r.tree === tree.name && r.scenario === 'single-qos1-embedded')
        const r = await attempt('overload', tree, () =>
          bench.overload(tree, base?.readingsPerSecond ?? 30_000),
        )
        if (r) overload.push(r)
      }
    }
    if (want('memory')) {
      for (const tree of trees) {
        const r = await attempt('memory', tree, () => bench.memory(tree))
        if (r) memory.push(r)
      }
    }
  } finally {
    await influx.destroy()
    save()
  }
  printIssue(ceilings, throughput, latency, overload, memory, failures)
  console.log(`\nwritten to ${file}`)
}

function printIssue(
  ceilings: CeilingRow[],
  throughput: ThroughputRow[],
  latency: LatencyRow[],
  overload: OverloadRow[],
  memory: MemoryRow[],
  failures: { tree?: string; scenario: string; error: string }[],
): void {
  if (ceilings.length) {
    console.log('\nraw ceiling: load generator → Mosquitto → one mqtt.js subscriber that only JSON-parses')
    console.table(
      ceilings.map((c) => ({
        scenario: c.scenario,
        'readings/s': c.readingsPerSecond,
        'msgs/s': c.messagesPerSecond,
        'subscriber CPU %': c.sinkCpuPercent,
        'mosquitto CPU %': c.mosquittoCpuPercent,
        'loadgen CPU %': c.loadgenCpuPercent,
      })),
    )
  }
  if (throughput.length) {
    console.log(
      '\nthroughput, rules on (readings/s: accepted in the steady window; stored/s: end to end into InfluxDB)',
    )
    console.table(
      throughput.map((r) => ({
        scenario: r.scenario,
        tree: r.tree,
        'readings/s': r.readingsPerSecond,
        'of ceiling': r.ratioToCeiling ?? '',
        'stored/s': r.storedPerSecond,
        sent: r.sent,
        loss: r.loss,
        'CPU %': r.serviceCpuPercent,
        'RSS MiB': r.serviceRssPeakMiB,
        'influxd %': r.influxdCpuPercent,
        'mosquitto %': r.mosquittoCpuPercent ?? '',
        'loadgen %': r.loadgenCpuPercent,
      })),
    )
  }
  if (latency.length) {
    console.log(
      '\npublish → alert (register reset → meter.register_anomaly on schools/{school}/alerts), paced load',
    )
    console.table(
      latency.map((r) => ({
        tree: r.tree,
        'rate/s': r.rate,
        'achieved/s': r.achievedPerSecond,
        faults: r.faults,
        alerts: r.alerts,
        'p50 ms': r.p50Ms,
        'p99 ms': r.p99Ms,
        'max ms': r.maxMs,
        loss: r.loss,
        'CPU %': r.serviceCpuPercent,
        'RSS MiB': r.serviceRssPeakMiB,
      })),
    )
  }
  if (overload.length) {
    console.log('\noverload: QoS 1 offered at twice the sustainable rate')
    console.table(
      overload.map((r) => ({
        tree: r.tree,
        'offered/s': r.offeredPerSecond,
        'achieved/s': r.achievedPerSecond,
        sent: r.sent,
        loss: r.loss,
        'RSS peak MiB': r.serviceRssPeakMiB,
        'writer queue max': r.writerQueuedLinesMax,
        dropped: r.droppedLines,
        'CPU %': r.serviceCpuPercent,
      })),
    )
    for (const r of overload) console.log(`  RSS every 5 s [${r.tree}]: ${r.rssMiBEvery5s.join(' ')} MiB`)
  }
  if (memory.length) {
    console.log(
      '\nmemory: meters registered and reporting; state bytes are snapshot JSON in SQLite per meter',
    )
    console.table(
      memory.map((r) => ({
        tree: r.tree,
        meters: r.meters,
        readings: r.readings,
        'RSS idle/loaded MiB': `${r.rssIdleMiB}/${r.rssLoadedMiB}`,
        'heap B/meter': r.heapPerMeterBytes,
        'RSS B/meter': r.rssPerMeterBytes,
        'rule B/meter': r.ruleStateBytesPerMeter,
        'register B/meter': r.registerStateBytesPerMeter,
        'rule+register B/meter': r.ruleAndRegisterBytesPerMeter,
        'start s': r.firstStartSeconds,
        'restart s': r.restartSeconds,
        'restore s': r.restoreSeconds,
      })),
    )
  }
  if (failures.length) {
    console.log('\nfailed scenarios')
    console.table(failures)
  }
}
