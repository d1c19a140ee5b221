/**
 * `npm run simulate -- [options]`: simulate a district and publish it to an MQTT broker.
 * Run with --help for the options.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { stringify } from 'yaml'
import { formatCount, formatSeconds, progressLine, toolCommandLine } from '../core/cli.js'
import { DEMO_CONFIG_PATH, loadConfigFile, parseConfig, startupLocale } from '../core/config/load.js'
import { SchoolmeterError } from '../core/errors.js'
import { type Message, msg, t } from '../core/i18n/index.js'
import { Progress } from '../core/progress.js'
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

const locale = startupLocale()
const kinds = DISTRICT_KINDS.map(
  (k) => `                           ${k.padEnd(15)} ${KIND_DESCRIPTIONS[k]}`,
).join('\n')

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

const cli = toolCommandLine(
  {
    args: argv,
    strict: true,
    options: {
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
    },
  },
  { script: 'simulate', usage: 'simulate.cli.usage', usageParams: { kinds }, locale },
)
const a = cli.values
// Typed here, so that the compiler knows nothing runs after a refusal.
const refuse: (sentence: Message) => never = cli.refuse

function time(s: string, now: number): number {
  if (s === 'now') return now
  const t = resolveTime(s, now)
  if (Number.isNaN(t)) refuse(msg('simulate.cli.badTime', { value: s }))
  return t
}

async function main(): Promise<void> {
  const mode = a.mode!
  if (!['realtime', 'backfill', 'once'].includes(mode)) refuse(msg('simulate.cli.badMode', { mode }))
  const now = Date.now()
  let registry: Registry
  let sites: Record<string, Site> | undefined
  if (a.schools && a.kind) refuse(msg('simulate.cli.notBoth', { a: '--schools', b: '--kind' }))
  if (a.kind) {
    if (!(DISTRICT_KINDS as readonly string[]).includes(a.kind))
      refuse(msg('simulate.cli.badKind', { kind: a.kind, kinds: [...DISTRICT_KINDS] }))
    const generated = generateKind(a.kind as DistrictKind, a.seed!)
    const text = stringify(generated.config)
    if (a['write-config']) writeFileSync(a['write-config'], text)
    registry = parseConfig(text, `generated ${a.kind} district`).registry
    sites = generated.sites
  } else if (a.schools) {
    const n = Number(a.schools)
    if (!Number.isInteger(n) || n < 1) refuse(msg('simulate.cli.badSchools', { value: a.schools }))
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
  if (!(speed >= 1 && speed <= 3600)) refuse(msg('simulate.cli.badSpeed', { value: a.speed! }))
  if (a.scenario && a['plan-faults'])
    refuse(msg('simulate.cli.notBoth', { a: '--scenario', b: '--plan-faults' }))
  if (a.qos !== undefined && a.qos !== '0' && a.qos !== '1')
    refuse(msg('simulate.cli.badQos', { value: a.qos }))
  let scenario: Scenario | undefined = a.scenario ? scenarioFile(a.scenario) : undefined
  if (a['plan-faults']) {
    if (end === undefined) refuse(msg('simulate.cli.planNeedsEnd'))
    scenario = planFaults(registry, {
      seed: a.seed!,
      start,
      days: Math.max(1, Math.floor((end - start) / 86_400_000)),
    })
    if (a['write-scenario']) writeFileSync(a['write-scenario'], stringify(scenario))
  } else if (a['write-scenario']) refuse(msg('simulate.cli.scenarioNeedsPlan'))
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
  const rate = () =>
    t(locale, 'cli.rate.readings', {
      rate: formatCount(locale, stats.readings / Math.max((performance.now() - began) / 1000, 1e-3)),
    })
  const summary = () =>
    console.error(
      t(locale, 'simulate.summary', {
        readings: formatCount(locale, stats.readings),
        messages: formatCount(locale, stats.messages),
        meters: formatCount(locale, sim.meterCount),
        time: new Date(sim.now).toISOString(),
        seconds: formatSeconds(locale, (performance.now() - began) / 1000),
        rate: rate(),
      }),
    )

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
  // The service's own demo (npm start) feeds these very meters: two simulations of a meter
  // disagree on its register, and the service rightly flags the jumps as register anomalies.
  if (!a.config && !a.schools && !a.kind) console.error(t(locale, 'simulate.demoDistrictNote'))
  await publisher.connect().catch((err: NodeJS.ErrnoException & { code?: string | number }) => {
    // mqtt.js names a refused login by its CONNACK code (a number); the network by errno codes.
    const reason = String(err.code ?? err.message)
    console.error(
      t(locale, typeof err.code === 'number' ? 'simulate.cli.brokerRefused' : 'simulate.cli.noBroker', {
        url: a.url!,
        reason,
      }),
    )
    process.exit(2)
  })
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  process.once('SIGTERM', () => stop.abort())
  console.error(
    t(locale, 'simulate.started', {
      mode,
      meters: formatCount(locale, sim.meterCount),
      time: new Date(sim.now).toISOString(),
      url: a.url!,
    }),
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
    const from = sim.now
    const progress = new Progress(end! - from)
    await backfill(sim, registry, publisher, end!, {
      ...encodeOptions,
      stats,
      signal: stop.signal,
      chunkMs: Math.max(durationMs('1h'), sim.stepMs),
      onProgress: () => {
        const p = progress.at(sim.now - from)
        if (p)
          console.error(
            progressLine(locale, p, {
              what: t(locale, 'simulate.progress.what'),
              done: t(locale, 'simulate.progress.done', {
                readings: formatCount(locale, stats.readings),
                time: new Date(sim.now).toISOString(),
              }),
              rate: rate(),
            }),
          )
      },
    })
  }
  await publisher.end()
  summary()
}

main().catch((err) => {
  if (err instanceof SchoolmeterError) {
    console.error(err.text(locale))
    process.exit(2)
  }
  console.error(err)
  process.exit(1)
})
