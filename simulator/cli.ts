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
  generate,
  generateDistrict,
  Publisher,
  realtime,
  SentStats,
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
  --write-config FILE    write the generated district's registry here (give it to the service as CONFIG)
  --only a,b             simulate only these school ids
  --scenario NAME|FILE   faults to inject: demo, all-faults, or a scenario file (default: none)
  --truth FILE           write the injected faults as JSON lines (ground truth)
  --seed S               random seed; the same seed gives the same readings (default schoolmeter)

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
  'write-config': { type: 'string' },
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
  if (a.schools) {
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
  const scenario = a.scenario ? scenarioFile(a.scenario) : undefined
  const sim = createSimulation({
    registry,
    start,
    seed: a.seed!,
    ...(scenario ? { scenario } : {}),
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
