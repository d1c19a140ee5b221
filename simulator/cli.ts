/**
 * `npm run simulate -- [options]`: simulate a district and publish it to an MQTT broker.
 * Run with --help for the options.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { DEMO_CONFIG_PATH, loadConfigFile, parseConfig } from '../core/config/load.js'
import { ConfigError } from '../core/errors.js'
import type { Registry } from '../core/registry.js'
import {
  backfill,
  createSimulation,
  DISTRICT_KINDS,
  type DistrictKind,
  generate,
  generateDistrict,
  generateKind,
  KIND_DESCRIPTIONS,
  Publisher,
  planFaults,
  realtime,
  type Scenario,
  SentStats,
  type Site,
  scenarioFile,
  writeGroundTruth,
} from './index.js'
import { durationMs, resolveTime } from './scenario.js'

const HELP = `schoolmeter simulator — whole schools of meters, with faults, over MQTT

usage: npm run simulate -- [options]

what to simulate
  --config FILE          registry (YAML/JSON); default: the bundled demo district
  --schools N            generate a district of N schools instead (see --rooms, --write-config)
  --rooms N              metered rooms per dormitory in a generated district (default 40)
  --kind KIND            generate a district of a kind instead, from --seed:
${DISTRICT_KINDS.map((k) => `                           ${k.padEnd(15)} ${KIND_DESCRIPTIONS[k]}`).join('\n')}
  --write-config FILE    write the generated district's registry here (give it to the service as CONFIG)
  --only a,b             simulate only these school ids
  --scenario NAME|FILE   faults to inject: demo, all-faults, or a scenario file (default: none)
  --plan-faults          inject a generated plan instead: faults of every class over the simulated
                         window, placed as they happen in schools (see --write-scenario)
  --write-scenario FILE  write the planned faults as a scenario file
  --truth FILE           write the injected faults as JSON lines (ground truth)
  --seed S               random seed; the same seed gives the same district and readings
                         (default schoolmeter)

when
  --mode MODE            realtime (default), backfill, or once
  --start TIME           simulated start: ISO-8601 with offset, "now", or relative such as -7d, -36h
                         (default: now for realtime, -7d for backfill and once)
  --end TIME             backfill/once end (default: now); realtime runs until stopped unless given
  --speed X              realtime speed factor, 1 … 3600 (default 1); never runs past the wall clock

how to send
  --url URL              broker (default mqtt://127.0.0.1:1883)
  --username U --password P
  --gateway / --no-gateway   batch readings per building gateway (default: on for backfill)
  --batch N              readings per gateway message (default 100)
  --qos 0|1              (default: 1 for backfill, 0 otherwise)
  --out FILE             once mode: write the messages as JSON lines instead of publishing

  -h, --help             this text

examples
  npm run simulate                                   # the demo district, live, into the local broker
  npm run simulate -- --mode backfill --start -30d --scenario all-faults --truth truth.jsonl
  npm run simulate -- --schools 1000 --write-config big.yaml --mode once --end +1h --out /dev/null
  npm run simulate -- --kind rural-boarding --seed 7 --write-config rural.yaml --mode once \\
      --start 2026-12-07T00:00:00+08:00 --end 2026-12-14T00:00:00+08:00 --plan-faults --truth t.jsonl --out m.jsonl
`

// "--start -7d" reads naturally; parseArgs would take -7d for an option, so join such pairs first.
const argv: string[] = []
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i]!
  const next = process.argv[i + 1]
  if ((arg === '--start' || arg === '--end') && next !== undefined && /^-\d/.test(next)) {
    argv.push(`${arg}=${next}`)
    i++
  } else argv.push(arg)
}

function parse() {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true }).values
  } catch (err) {
    return fail((err as Error).message)
  }
}

const OPTIONS = {
  config: { type: 'string' },
  schools: { type: 'string' },
  rooms: { type: 'string' },
  kind: { type: 'string' },
  'write-config': { type: 'string' },
  'plan-faults': { type: 'boolean' },
  'write-scenario': { type: 'string' },
  only: { type: 'string' },
  scenario: { type: 'string' },
  truth: { type: 'string' },
  seed: { type: 'string', default: 'schoolmeter' },
  mode: { type: 'string', default: 'realtime' },
  start: { type: 'string' },
  end: { type: 'string' },
  speed: { type: 'string', default: '1' },
  url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
  username: { type: 'string' },
  password: { type: 'string' },
  gateway: { type: 'boolean' },
  'no-gateway': { type: 'boolean' },
  batch: { type: 'string', default: '100' },
  qos: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const
const a = parse()

function fail(message: string): never {
  console.error(`simulate: ${message}\nrun with --help for the options`)
  process.exit(2)
}

function time(s: string, now: number): number {
  if (s === 'now') return now
  const t = resolveTime(s, now)
  if (Number.isNaN(t)) fail(`"${s}" is not a time: use ISO-8601 with an offset, "now", or -7d / +1h`)
  return t
}

async function main(): Promise<void> {
  if (a.help) {
    process.stdout.write(HELP)
    return
  }
  const mode = a.mode!
  if (!['realtime', 'backfill', 'once'].includes(mode))
    fail(`--mode must be realtime, backfill or once, not "${mode}"`)
  const now = Date.now()
  let registry: Registry
  let sites: Record<string, Site> | undefined
  if (a.schools && a.kind) fail('give --schools or --kind, not both')
  if (a.kind) {
    if (!(DISTRICT_KINDS as readonly string[]).includes(a.kind))
      fail(`--kind must be one of ${DISTRICT_KINDS.join(', ')}, not "${a.kind}"`)
    const generated = generateKind(a.kind as DistrictKind, a.seed!)
    const text = stringify(generated.config)
    if (a['write-config']) writeFileSync(a['write-config'], text)
    registry = parseConfig(text, `generated ${a.kind} district`).registry
    sites = generated.sites
  } else if (a.schools) {
    const n = Number(a.schools)
    if (!Number.isInteger(n) || n < 1) fail('--schools takes a positive whole number')
    const config = generateDistrict({ schools: n, ...(a.rooms ? { roomsPerDorm: Number(a.rooms) } : {}) })
    const text = stringify(config)
    if (a['write-config']) writeFileSync(a['write-config'], text)
    registry = parseConfig(text, 'generated district').registry
  } else {
    registry = loadConfigFile(a.config ? resolve(a.config) : DEMO_CONFIG_PATH).registry
  }
  const start = time(a.start ?? (mode === 'realtime' ? 'now' : '-7d'), now)
  const end = a.end ? time(a.end, now) : mode === 'realtime' ? undefined : now
  const speed = Number(a.speed)
  if (!(speed >= 1 && speed <= 3600)) fail('--speed must be between 1 and 3600')
  if (a.scenario && a['plan-faults']) fail('give --scenario or --plan-faults, not both')
  let scenario: Scenario | undefined = a.scenario ? scenarioFile(a.scenario) : undefined
  if (a['plan-faults']) {
    if (end === undefined) fail('--plan-faults needs an --end: faults are planned over the simulated window')
    scenario = planFaults(registry, {
      seed: a.seed!,
      start,
      days: Math.max(1, Math.floor((end - start) / 86_400_000)),
    })
    if (a['write-scenario']) writeFileSync(a['write-scenario'], stringify(scenario))
  } else if (a['write-scenario']) fail('--write-scenario writes the plan of --plan-faults')
  const sim = createSimulation({
    registry,
    start,
    seed: a.seed!,
    ...(scenario ? { scenario } : {}),
    ...(sites ? { sites } : {}),
    ...(a.only ? { schools: a.only.split(',') } : {}),
  })
  if (a.truth) writeGroundTruth(a.truth, sim.groundTruth())
  const gateway = a['no-gateway'] ? false : (a.gateway ?? mode === 'backfill')
  const encodeOptions = { gateway, batchSize: Number(a.batch) }
  const stats = new SentStats()
  const began = performance.now()
  const summary = () => {
    const s = (performance.now() - began) / 1000
    console.error(
      `simulate: ${stats.readings} readings in ${stats.messages} messages over ${sim.meterCount} meters, ` +
        `simulated to ${new Date(sim.now).toISOString()}, ${s.toFixed(1)} s (${Math.round(stats.readings / s)} readings/s)`,
    )
  }

  if (mode === 'once' && a.out) {
    const messages = generate(sim, registry, end!, encodeOptions, stats)
    writeFileSync(
      a.out,
      messages.map((m) => JSON.stringify({ topic: m.topic, payload: m.payload })).join('\n'),
    )
    summary()
    return
  }
  const qos = (a.qos !== undefined ? Number(a.qos) : mode === 'backfill' ? 1 : 0) as 0 | 1
  const publisher = new Publisher({
    url: a.url!,
    qos,
    ...(a.username !== undefined ? { username: a.username } : {}),
    ...(a.password !== undefined ? { password: a.password } : {}),
  })
  await publisher.connect()
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  process.once('SIGTERM', () => stop.abort())
  console.error(
    `simulate: ${mode} of ${sim.meterCount} meters from ${new Date(sim.now).toISOString()} to ${a.url}`,
  )
  if (mode === 'realtime') {
    const timer = setInterval(summary, 60_000)
    await realtime(sim, registry, publisher, {
      ...encodeOptions,
      speed,
      stats,
      signal: stop.signal,
      ...(end !== undefined ? { until: end } : {}),
    })
    clearInterval(timer)
  } else {
    let last = 0
    await backfill(sim, registry, publisher, end!, {
      ...encodeOptions,
      stats,
      signal: stop.signal,
      chunkMs: Math.max(durationMs('1h'), sim.stepMs),
      onProgress: () => {
        if (performance.now() - last > 5000) {
          last = performance.now()
          summary()
        }
      },
    })
  }
  await publisher.end()
  summary()
}

main().catch((err) => {
  if (err instanceof ConfigError) fail(err.message)
  console.error(err)
  process.exit(1)
})
