/**
 * `npm run evaluate`: detection quality against the simulator's ground truth. The demo district
 * is simulated for a warm-up week and four weeks with every fault type injected (scenario
 * all-faults), and again for the same weeks with no faults at all; readings go through the real
 * decoder, registers, rules engine and alert manager in event time (the wall-clock rule,
 * meter.offline, runs on the simulated clock). Printed: per rule, faults injected and found,
 * recall, median time to detect, and false alerts per 1,000 meter-days on the fault-free weeks.
 *
 * Options: --start (a Monday, ISO with offset; default 2026-11-23T00:00:00+08:00), --weeks (4),
 * --seed, --json FILE.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import pino from 'pino'
import type { Alert } from '../core/alert.js'
import { Bus } from '../core/bus.js'
import { loadConfigFile } from '../core/config/load.js'
import { createMetrics } from '../core/metrics.js'
import type { Registry } from '../core/registry.js'
import { DEFAULT_LIMITS } from '../ingest/decode.js'
import { Ingest } from '../ingest/pipeline.js'
import { AlertManager, Router, RuleEngine } from '../rules/index.js'
import { calendarsOf, createSimulation, encode, type GroundTruth, scenarioFile } from '../simulator/index.js'
import { openStore } from '../store/index.js'

const DAY = 86_400_000
const STEP = 5 * 60_000

export interface RunResult {
  alerts: Alert[]
  truth: GroundTruth[]
  meterDays: number
  readings: number
  seconds: number
}

/** Simulates `days` from `start` into a fresh in-memory pipeline and returns every alert raised. */
export function run(
  registry: Registry,
  start: number,
  days: number,
  seed: string,
  faults: boolean,
  anchor: number,
): RunResult {
  const log = pino({ level: 'silent' })
  const store = openStore(':memory:')
  const bus = new Bus()
  const metrics = createMetrics({ defaultMetrics: false })
  let clock = start
  const ingest = new Ingest({
    registry,
    store,
    bus,
    metrics,
    log,
    limits: DEFAULT_LIMITS,
    watermarkMs: 600_000,
  })
  const alerts = new AlertManager({
    registry,
    store,
    router: new Router({ registry, email: false }),
    bus,
    log,
    now: () => clock,
  })
  const engine = new RuleEngine({
    registry,
    store,
    bus,
    alerts,
    log,
    lastReceivedAt: (id) => ingest.status(id)?.lastReceivedAt,
    now: () => clock,
  })
  ingest.start()
  engine.start()
  const sim = createSimulation({
    registry,
    start,
    seed,
    anchor,
    ...(faults ? { scenario: scenarioFile('all-faults') } : {}),
  })
  const cal = calendarsOf(registry)
  const began = performance.now()
  let readings = 0
  for (let t = start + STEP; t <= start + days * DAY; t += STEP) {
    clock = t
    for (const m of encode(sim.advance(t), cal, { gateway: true, batchSize: 200 })) {
      readings += m.readings
      ingest.handle(m.topic, Buffer.from(m.payload), t)
    }
    engine.checkOffline()
  }
  engine.stop()
  ingest.stop()
  const result: RunResult = {
    alerts: store.alerts.list({ limit: 1_000_000 }),
    truth: sim.groundTruth(),
    meterDays: registry.meters.size * days,
    readings,
    seconds: (performance.now() - began) / 1000,
  }
  store.close()
  return result
}

/** Meters an alert may legitimately appear on for a fault: the faulty meter and those upstream of it. */
function upstream(registry: Registry, meterId: string): Set<string> {
  const out = new Set<string>()
  for (let m = registry.meters.get(meterId); m; m = m.parent) out.add(m.id)
  return out
}

export interface RuleScore {
  rule: string
  injected: number
  found: number
  recall: number | null
  medianMinutesToDetect: number | null
  falseAlerts: number
  falsePer1000MeterDays: number
  unexplainedInFaultyRun: number
}

export function score(
  registry: Registry,
  faulty: RunResult,
  clean: RunResult,
): { rows: RuleScore[]; misses: GroundTruth[] } {
  const rules = new Set<string>([
    ...faulty.truth.map((t) => t.expectedRule).filter((r): r is string => !!r),
    ...faulty.alerts.map((a) => a.rule),
    ...clean.alerts.map((a) => a.rule),
  ])
  const explained = new Set<number>()
  const misses: GroundTruth[] = []
  const ttd = new Map<string, number[]>()
  const found = new Map<string, number>()
  const injected = new Map<string, number>()
  for (const t of faulty.truth) {
    if (!t.expectedRule || !t.meter) continue
    injected.set(t.expectedRule, (injected.get(t.expectedRule) ?? 0) + 1)
    const start = Date.parse(t.start)
    const end = t.end ? Date.parse(t.end) : start
    const near = upstream(registry, t.meter)
    // Alerts on the faulty meter, or upstream of it, that opened while the fault lasted (or a day after it began, for instant faults).
    const matches = faulty.alerts.filter(
      (a) => near.has(a.meter) && a.openedAt >= start - 60_000 && a.openedAt <= Math.max(end, start + DAY),
    )
    for (const a of matches) explained.add(a.id)
    const hit = matches
      .filter((a) => a.rule === t.expectedRule && a.meter === t.meter)
      .sort((a, b) => a.openedAt - b.openedAt)[0]
    if (hit) {
      found.set(t.expectedRule, (found.get(t.expectedRule) ?? 0) + 1)
      ttd.set(t.expectedRule, [...(ttd.get(t.expectedRule) ?? []), (hit.openedAt - start) / 60_000])
    } else misses.push(t)
  }
  const rows: RuleScore[] = [...rules].sort().map((rule) => {
    const n = injected.get(rule) ?? 0
    const f = found.get(rule) ?? 0
    const times = (ttd.get(rule) ?? []).sort((a, b) => a - b)
    const falseAlerts = clean.alerts.filter((a) => a.rule === rule).length
    return {
      rule,
      injected: n,
      found: f,
      recall: n ? f / n : null,
      medianMinutesToDetect: times.length
        ? Math.round(times[Math.floor((times.length - 1) / 2)]! * 10) / 10
        : null,
      falseAlerts,
      falsePer1000MeterDays: Math.round((falseAlerts / clean.meterDays) * 1000 * 100) / 100,
      unexplainedInFaultyRun: faulty.alerts.filter((a) => a.rule === rule && !explained.has(a.id)).length,
    }
  })
  return { rows, misses }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      start: { type: 'string', default: '2026-11-23T00:00:00+08:00' },
      weeks: { type: 'string', default: '4' },
      seed: { type: 'string', default: 'evaluate' },
      json: { type: 'string' },
    },
  })
  const { registry } = loadConfigFile()
  const anchor = Date.parse(values.start)
  const warmup = 7 * DAY
  const days = 7 + 7 * Number(values.weeks)
  console.log(
    `evaluating on the demo district (${registry.meters.size} meters): warm-up week, then ${values.weeks} weeks from ${values.start}`,
  )
  const faulty = run(registry, anchor - warmup, days, values.seed, true, anchor)
  console.log(
    `  with faults: ${faulty.readings} readings, ${faulty.alerts.length} alerts, ${faulty.seconds.toFixed(1)} s`,
  )
  const clean = run(registry, anchor - warmup, days, `${values.seed}-clean`, false, anchor)
  // False alerts are counted over the scored weeks only: the warm-up week has no baselines yet.
  clean.alerts = clean.alerts.filter((a) => a.openedAt >= anchor)
  clean.meterDays = registry.meters.size * 7 * Number(values.weeks)
  console.log(
    `  fault-free:  ${clean.readings} readings, ${clean.alerts.length} alerts in the scored weeks, ${clean.seconds.toFixed(1)} s`,
  )
  const { rows, misses } = score(registry, faulty, clean)
  console.table(rows)
  const all = rows.reduce(
    (a, r) => ({
      injected: a.injected + r.injected,
      found: a.found + r.found,
      falseAlerts: a.falseAlerts + r.falseAlerts,
    }),
    { injected: 0, found: 0, falseAlerts: 0 },
  )
  console.log(
    `overall: ${all.found}/${all.injected} faults found (recall ${((all.found / all.injected) * 100).toFixed(1)} %), ` +
      `${all.falseAlerts} false alerts on ${clean.meterDays} fault-free meter-days (${((all.falseAlerts / clean.meterDays) * 1000).toFixed(2)} per 1,000)`,
  )
  for (const m of misses)
    console.log(`  missed: ${m.fault} "${m.name}" on ${m.meter} from ${m.start} (expected ${m.expectedRule})`)
  for (const a of clean.alerts.slice(0, 20))
    console.log(`  false: ${a.rule} on ${a.meter} at ${new Date(a.openedAt).toISOString()}: ${a.message}`)
  if (values.json)
    writeFileSync(values.json, JSON.stringify({ rows, misses, falseAlerts: clean.alerts }, null, 2))
}

if (process.argv[1]?.endsWith('evaluate.ts')) await main()
