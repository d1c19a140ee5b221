/**
 * `npm run drill`: the failover drill of docs/scaling.md, run on this machine. A 3-node NATS
 * cluster (MQTT, JetStream), PostgreSQL and InfluxDB, three compiled workers each with its SHARD
 * and a standby for one shard, a simulated district publishing through gateways at QoS 1; one
 * worker and one broker node are killed (-9) mid-stream. It reports what the broker acknowledged,
 * what InfluxDB holds, what was lost or stored twice, how long the dead worker's schools waited,
 * and whether an incident was opened or notified twice. Then the throughput of one and two
 * workers draining a backlog from the broker into a sink that discards lines.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectAsync, type MqttClient } from 'mqtt'
import { stringify } from 'yaml'
import { formatCount, formatTable, toolCommandLine } from '../core/cli.js'
import { parseConfig, startupLocale } from '../core/config/load.js'
import type { DistrictConfig } from '../core/config/schema.js'
import {
  formatNumber,
  type Message,
  type MessageKey,
  type MessageParams,
  msg,
  t,
} from '../core/i18n/index.js'
import type { Registry } from '../core/registry.js'
import { hashedShard } from '../ingest/shard/index.js'
import { createSimulation, generate, generateDistrict, type SimMessage } from '../simulator/index.js'
import { type Influxd, startInfluxd } from '../test/helpers/influxd.js'
import { type NatsCluster, startNats } from '../test/helpers/nats.js'
import { freePort, waitFor } from '../test/helpers/ports.js'
import { startPostgres } from '../test/helpers/postgres.js'
import type { LoadResult, LoadSpec } from './lib/loadgen.js'
import { startNullInflux } from './lib/nullinflux.js'
import {
  buildCheckout,
  metricValue,
  procStat,
  type ServiceProcess,
  spawnHelper,
  startService,
} from './lib/procs.js'
import { firstTs, registryJson, type Workload } from './lib/workload.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const locale = startupLocale()
const say = (key: MessageKey, params?: MessageParams) => console.log(t(locale, key, params))
const count = (n: number) => formatCount(locale, n)
const seconds = (s: number) => formatNumber(locale, s, 1)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Options {
  schools: number
  hours: number
  seconds: number
  part: 'all' | 'failover' | 'throughput'
}

function options(): Options {
  const cli = toolCommandLine(
    {
      options: {
        schools: { type: 'string', default: '30' },
        hours: { type: 'string', default: '3' },
        seconds: { type: 'string', default: '90' },
        part: { type: 'string', default: 'all' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    },
    { script: 'drill', usage: 'drill.cli.usage', locale },
  )
  const refuse: (sentence: Message) => never = cli.refuse
  const whole = (option: string, value: string, min: number, max: number) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) refuse(msg('cli.notWhole', { option, min, max, value }))
    return n
  }
  const part = cli.values.part
  if (part !== 'all' && part !== 'failover' && part !== 'throughput')
    refuse(msg('cli.notOneOf', { option: '--part', values: 'all, failover, throughput', value: part }))
  return {
    schools: whole('--schools', cli.values.schools, 3, 300),
    hours: whole('--hours', cli.values.hours, 1, 48),
    seconds: whole('--seconds', cli.values.seconds, 20, 3600),
    part,
  }
}

/** Every process the drill started, stopped however it ends. */
const stops: (() => Promise<void>)[] = []
async function stopAll(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => {})
  stops.length = 0
}

const WORKERS = 3
/** The shard whose worker is killed, and which has a standby. */
const KILLED = 2
/** The NATS node killed (its index): the standby's first node, so that it must move too. */
const KILLED_NODE = 2
const LEASE_SECONDS = 5
/** How often the workers share their meters' live status (SHARD_STATUS_SECONDS). */
const STATUS_SECONDS = 2

/** A district of `schools` generated schools, every incident told to the drill's webhook. */
function district(schools: number, webhook: string): { text: string; registry: Registry } {
  const config: DistrictConfig = generateDistrict({ schools, roomsPerDorm: 8 })
  config.defaults = {
    ...config.defaults,
    notifications: { ...config.defaults?.notifications, webhooks: [{ url: webhook, name: 'drill' }] },
  }
  const text = stringify(config)
  return { text, registry: parseConfig(text, 'drill.yaml').registry }
}

/** Incidents to open while the stream runs: a burst in every canteen, a kettle in boarding schools' first rooms. */
function faults(registry: Registry, hours: number) {
  const list: { type: string; meter: string; start: string; duration: string }[] = []
  const at = (f: number) => `+${Math.round(hours * 60 * f)}m`
  for (const school of registry.schools.values())
    for (const meter of school.meters.values()) {
      if (meter.id.endsWith('-W-CANTEEN'))
        list.push({ type: 'burst', meter: meter.id, start: at(0.35), duration: '60m' })
      if (meter.id.endsWith('-E-R001'))
        list.push({ type: 'kettle', meter: meter.id, start: at(0.55), duration: '5m' })
    }
  return { name: 'drill', faults: list } as Parameters<typeof createSimulation>[0]['scenario']
}

/** The webhook every incident transition is POSTed to: what the drill counts as notified. */
async function webhookSink(): Promise<{
  url: string
  events: { event: string; school: string; id: number; delivery: string; key: string }[]
  server: Server
}> {
  const events: { event: string; school: string; id: number; delivery: string; key: string }[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => {
      body += d
    })
    req.on('end', () => {
      try {
        const b = JSON.parse(body) as {
          event: string
          incident?: { id: number; school: string; family: string; meter: string; openedAt: string }
        }
        if (b.incident)
          events.push({
            event: b.event,
            school: b.incident.school,
            id: b.incident.id,
            delivery: String(req.headers['x-schoolmeter-delivery'] ?? ''),
            key: `${b.incident.school}|${b.incident.family}|${b.incident.meter}|${b.incident.openedAt}`,
          })
      } catch {}
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events, server }
}

/** One reading's identity: meter and event time. */
const key = (meter: string, ts: number) => `${meter}|${ts}`

function readingsOf(m: SimMessage, meterOfTopic: string | undefined): string[] {
  const body = JSON.parse(m.payload) as
    | { meter?: string; ts: string | number }
    | { meter?: string; ts: string | number }[]
  return (Array.isArray(body) ? body : [body]).map((r) =>
    key(r.meter ?? meterOfTopic ?? '', typeof r.ts === 'number' ? r.ts : Date.parse(r.ts)),
  )
}

/** Gateways: one MQTT client per school, each told every node so that it moves when one dies. */
async function gateways(registry: Registry, nats: NatsCluster): Promise<Map<string, MqttClient>> {
  const clients = new Map<string, MqttClient>()
  let i = 0
  for (const school of registry.schools.keys()) {
    const nodes = nats.nodes.map((_, j) => nats.nodes[(i + j) % nats.nodes.length]!)
    clients.set(
      school,
      await connectAsync({
        host: '127.0.0.1',
        port: nodes[0]!.mqttPort,
        servers: nodes.map((n) => ({ host: '127.0.0.1', port: n.mqttPort })),
        clientId: `drill-gw-${school}`,
        reconnectPeriod: 500,
        connectTimeout: 5000,
      }),
    )
    i++
  }
  return clients
}

/** The MQTT_URL of worker `k`: every node, its own first, so that the workers spread over the cluster. */
function mqttUrl(nats: NatsCluster, first: number): string {
  return nats.nodes.map((_, j) => nats.nodes[(first + j) % nats.nodes.length]!.mqttUrl).join(',')
}

async function failover(o: Options): Promise<boolean> {
  say('drill.step.services')
  const [nats, db, influx, hook] = await Promise.all([
    startNats({ nodes: 3, ackWaitSeconds: 10 }),
    startPostgres({ fast: false }),
    startInfluxd(),
    webhookSink(),
  ])
  stops.push(
    () => nats.stop(),
    () => db.stop(),
    () => influx.destroy(),
    async () => {
      hook.server.close()
      hook.server.closeAllConnections()
    },
  )
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-drill-'))
  stops.push(async () => rmSync(dir, { recursive: true, force: true }))
  const { text, registry } = district(o.schools, hook.url)
  writeFileSync(join(dir, 'district.yaml'), text)
  const shardOf = (school: string) => hashedShard(school, WORKERS)

  // Workers: shard k's data directory is the shard's own, shared with its standby.
  say('drill.step.workers', { workers: WORKERS, standby: KILLED })
  const env = async (k: number, first: number) => {
    mkdirSync(join(dir, `shard-${k}`), { recursive: true })
    return {
      CONFIG: join(dir, 'district.yaml'),
      DATA_DIR: join(dir, `shard-${k}`),
      HTTP_PORT: String(await freePort()),
      DEMO: '0',
      MQTT_URL: mqttUrl(nats, first),
      SHARD: `${k}/${WORKERS}`,
      DATABASE_URL: db.url,
      SHARD_LEASE_SECONDS: String(LEASE_SECONDS),
      SHARD_STATUS_SECONDS: String(STATUS_SECONDS),
      INFLUX_URL: influx.url,
      INFLUX_DATABASE: 'drill',
      LOG_LEVEL: 'warn',
    }
  }
  const workers: ServiceProcess[] = []
  for (let k = 1; k <= WORKERS; k++) {
    const w = await startService({ dir: ROOT, env: await env(k, k - 1) })
    stops.push(() => w.stop())
    workers.push(w)
  }
  const standby = await startService({
    dir: ROOT,
    env: { ...(await env(KILLED, KILLED_NODE)), SHARD_STANDBY: '1' },
  })
  stops.push(() => standby.stop())
  // Owners hold their leases and their subscriptions are in place once /health says ok.
  for (const w of workers) await subscribed(w)

  // The stream: `hours` of event time ending now, paced over `seconds`.
  const end = Date.now() - 60_000
  const start = end - o.hours * 3_600_000
  const sim = createSimulation({ registry, start, seed: 'drill', scenario: faults(registry, o.hours) })
  const messages = generate(sim, registry, end, { gateway: true })
  const total = messages.reduce((n, m) => n + m.readings, 0)
  const clients = await gateways(registry, nats)
  stops.push(async () => {
    await Promise.all([...clients.values()].map((c) => c.endAsync(true).catch(() => {})))
  })
  say('drill.step.stream', {
    readings: count(total),
    schools: registry.schools.size,
    hours: o.hours,
    gateways: clients.size,
    seconds: o.seconds,
  })
  const acked = new Set<string>()
  const published = new Set<string>()
  const pending = new Set<Promise<void>>()
  let unacked = 0
  // The longest stretch in which the broker acknowledged nothing: how long publishing stalled.
  let lastAck: number | undefined
  let ackGapMs = 0
  const speed = (end - start) / (o.seconds * 1000)
  const t0 = performance.now()
  const killWorkerAt = (o.seconds * 1000) / 3
  const killNodeAt = (o.seconds * 1000) / 2
  let killedAt: number | undefined
  let takeover: Promise<number | undefined> | undefined
  let nodeKilled = false
  const sample = [...registry.meters.values()].find(
    (m) => shardOf(m.school.id) === KILLED && m.intervalSeconds <= 60,
  )
  for (const m of messages) {
    const school = m.topic.split('/')[1]!
    const ts = readingsOf(m, undefined)
    const due = Number(ts[0]!.split('|')[1]) - start
    for (;;) {
      const now = performance.now() - t0
      if (killedAt === undefined && now >= killWorkerAt) {
        const victim = workers[KILLED - 1]!
        say('drill.step.killWorker', { shard: `${KILLED}/${WORKERS}`, pid: victim.pid })
        victim.proc.kill('SIGKILL')
        killedAt = Date.now()
        takeover = processedAgain(standby, sample?.id, killedAt)
      }
      if (!nodeKilled && now >= killNodeAt) {
        const node = nats.nodes[KILLED_NODE]!
        say('drill.step.killBroker', { node: node.name, pid: node.pid() ?? 0 })
        await node.kill9()
        nodeKilled = true
      }
      if (now >= due / speed) break
      await sleep(Math.min(50, due / speed - now))
    }
    for (const k of ts) published.add(k)
    const p: Promise<void> = clients
      .get(school)!
      .publishAsync(m.topic, m.payload, { qos: 1 })
      .then(
        () => {
          for (const k of ts) acked.add(k)
          const now = performance.now()
          if (lastAck !== undefined) ackGapMs = Math.max(ackGapMs, now - lastAck)
          lastAck = now
        },
        () => {
          unacked += ts.length
        },
      )
      .finally(() => pending.delete(p))
    pending.add(p)
  }
  // What is still unacknowledged gets a while to be (mqtt.js sends it again after a reconnect).
  await Promise.race([Promise.all(pending), sleep(60_000)])
  unacked += total - acked.size - unacked
  // Readings never acknowledged stall publishing from then to the end of the stream and the wait.
  if (unacked > 0 && lastAck !== undefined) ackGapMs = Math.max(ackGapMs, performance.now() - lastAck)

  say('drill.step.drain')
  const stored = await waitStored(influx, acked)
  const takeoverMs = await takeover
  const duplicatesCounted = (
    await Promise.all(
      [...workers.filter((_, i) => i !== KILLED - 1), standby].map(async (w) =>
        metricValue(await w.metrics().catch(() => ''), 'schoolmeter_readings_duplicate_total'),
      ),
    )
  ).reduce((a, b) => a + b, 0)
  await sleep(5000) // the last notifications
  // Every worker answers for every meter: a meter of each shard, asked of every live worker, as
  // its owner answers (after two rounds of sharing the live status).
  await sleep(2 * STATUS_SECONDS * 1000)
  const live = [...workers.filter((_, i) => i !== KILLED - 1), standby]
  const ownerOf = (k: number) => (k === KILLED ? standby : workers[k - 1]!)
  const samples = Array.from({ length: WORKERS }, (_, i) =>
    [...registry.meters.values()].find((m) => shardOf(m.school.id) === i + 1),
  ).filter((m) => m !== undefined)
  const answer = async (w: ServiceProcess, meter: string) => {
    const body = (await (await fetch(`${w.api}/api/v1/meters/${meter}`)).json()) as {
      readings?: number
      lastReading?: { ts?: string }
    }
    return `${body.readings}|${body.lastReading?.ts}`
  }
  let statusAsked = 0
  let statusAgreed = 0
  for (const m of samples) {
    const expected = await answer(ownerOf(shardOf(m.school.id)), m.id).catch(() => 'owner failed')
    for (const w of live) {
      statusAsked++
      if ((await answer(w, m.id).catch(() => 'failed')) === expected) statusAgreed++
    }
  }
  const opened = hook.events.filter((e) => e.event === 'incident.opened')
  const openedTwice = opened.length - new Set(opened.map((e) => e.key)).size
  // Twice: one outbox message delivered again (its id is the shard's), or one incident's opening told twice.
  const deliveries = hook.events.map((e) => `${shardOf(e.school)}|${e.delivery}`)
  const openings = opened.map((e) => `${e.school}|${e.id}`)
  const notifiedTwice =
    deliveries.length - new Set(deliveries).size + (openings.length - new Set(openings).size)
  const lost = [...acked].filter((k) => !stored.keys.has(k)).length

  console.log()
  say('drill.table.title')
  console.log(
    formatTable([
      [t(locale, 'drill.col.what'), t(locale, 'drill.col.value')],
      [t(locale, 'drill.row.acked'), count(acked.size)],
      [t(locale, 'drill.row.unacked'), count(unacked)],
      [t(locale, 'drill.row.ackGap'), `${seconds(ackGapMs / 1000)} s`],
      [t(locale, 'drill.row.stored'), count(stored.points)],
      [t(locale, 'drill.row.lost'), count(lost)],
      [t(locale, 'drill.row.duplicates'), count(stored.points - stored.keys.size)],
      [t(locale, 'drill.row.redelivered'), count(duplicatesCounted)],
      [
        t(locale, 'drill.row.takeover'),
        takeoverMs === undefined ? t(locale, 'drill.value.never') : `${seconds(takeoverMs / 1000)} s`,
      ],
      [t(locale, 'drill.row.incidents'), count(opened.length)],
      [t(locale, 'drill.row.openedTwice'), count(openedTwice)],
      [t(locale, 'drill.row.notifications'), count(hook.events.length)],
      [t(locale, 'drill.row.notifiedTwice'), count(notifiedTwice)],
      [t(locale, 'drill.row.liveStatus'), `${count(statusAgreed)} / ${count(statusAsked)}`],
    ]),
  )
  const ok =
    lost === 0 &&
    unacked === 0 &&
    openedTwice === 0 &&
    notifiedTwice === 0 &&
    takeoverMs !== undefined &&
    statusAgreed === statusAsked
  say(ok ? 'drill.verdict.ok' : 'drill.verdict.failed', { lease: LEASE_SECONDS })
  if (!ok) {
    // What the broker nodes said, for the post-mortem.
    const logs = join(ROOT, 'bench', 'results', `drill-${new Date().toISOString().replace(/[:.]/g, '-')}`)
    mkdirSync(logs, { recursive: true })
    for (const node of nats.nodes) writeFileSync(join(logs, `nats-${node.name}.log`), node.log())
    say('drill.logsKept', { dir: logs })
  }
  await stopAll()
  return ok
}

/** Milliseconds from the kill until the standby has a reading of the dead worker's schools that arrived after it. */
async function processedAgain(
  standby: ServiceProcess,
  meter: string | undefined,
  killedAt: number,
): Promise<number | undefined> {
  if (!meter) return undefined
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${standby.api}/api/v1/meters/${meter}`)
      if (res.ok) {
        const body = (await res.json()) as { lastReading?: { receivedAt?: string } }
        const at = Date.parse(body.lastReading?.receivedAt ?? '')
        if (at > killedAt) return at - killedAt
      } else await res.arrayBuffer()
    } catch {}
    await sleep(100)
  }
  return undefined
}

const FIELDS: Record<string, string> = {
  water: 'volume_m3',
  electricity: 'energy_kwh',
  heat: 'energy_kwh',
  temperature: 'temp_c',
}

/** Waits until InfluxDB holds every acknowledged reading (or stops growing), then reads what it holds. */
async function waitStored(
  influx: Influxd,
  acked: Set<string>,
): Promise<{ points: number; keys: Set<string> }> {
  let last = -1
  let still = 0
  for (;;) {
    let n = 0
    for (const [m, f] of Object.entries(FIELDS)) n += await influx.count('drill', m, f).catch(() => 0)
    if (n >= acked.size || (n === last && ++still >= 20)) break
    if (n !== last) still = 0
    last = n
    await sleep(1000)
  }
  const keys = new Set<string>()
  let points = 0
  for (const [m, f] of Object.entries(FIELDS)) {
    const series = await influx.query<[number, number]>('drill', `SELECT "${f}" FROM "${m}" GROUP BY "meter"`)
    for (const s of series as { tags?: { meter: string }; values: [number, number][] }[])
      for (const [ts] of s.values) {
        points++
        keys.add(key(s.tags!.meter, ts))
      }
  }
  return { points, keys }
}

/**
 * Throughput: gateway batches published at QoS 1 as fast as the cluster takes them, through 1 or 2
 * workers into a sink that discards lines. Live, not a backlog: NATS hands a reconnecting session
 * what it had sent to the dead connection only once `ack_wait` has passed, so a backlog's drain
 * time is that wait, not the workers' pace.
 */
async function throughput(): Promise<void> {
  const workload: Workload = { schools: 20, metersPerSchool: 500 }
  // Enough steps for 20 s at any pace this machine reaches.
  const steps = 2000
  const rows: string[][] = [
    [
      t(locale, 'drill.throughput.col.broker'),
      t(locale, 'drill.throughput.col.workers'),
      t(locale, 'drill.throughput.col.readings'),
      t(locale, 'drill.throughput.col.seconds'),
      t(locale, 'drill.throughput.col.rate'),
      t(locale, 'drill.throughput.col.perWorker'),
      t(locale, 'drill.throughput.col.workerCpu'),
      t(locale, 'drill.throughput.col.perCpuSecond'),
      t(locale, 'drill.throughput.col.brokerCpu'),
    ],
  ]
  // The cluster as deployed (every message replicated to three nodes), and one node beside it:
  // where the broker's share of the cost shows.
  const runs = [3, 1].flatMap((nodes) => [1, 2].map((n) => ({ nodes: nodes as 1 | 3, n })))
  for (const { nodes, n } of runs) {
    const broker = t(
      locale,
      nodes === 3 ? 'drill.throughput.broker.cluster' : 'drill.throughput.broker.single',
    )
    say('drill.step.throughput', {
      workers: n,
      meters: count(workload.schools * workload.metersPerSchool),
      broker,
    })
    const nats = await startNats({ nodes })
    const sink = await startNullInflux()
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-drill-tp-'))
    // Also stopped if the drill is interrupted (Ctrl-C).
    const cleanup = async () => {
      await sink.close()
      await nats.stop()
      rmSync(dir, { recursive: true, force: true })
    }
    stops.push(cleanup)
    try {
      writeFileSync(join(dir, 'district.json'), registryJson(workload))
      const envs = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          mkdirSync(join(dir, `shard-${i + 1}`), { recursive: true })
          return {
            CONFIG: join(dir, 'district.json'),
            DATA_DIR: join(dir, `shard-${i + 1}`),
            HTTP_PORT: String(await freePort()),
            DEMO: '0',
            MQTT_URL: mqttUrl(nats, i),
            SHARD: `${i + 1}/${n}`,
            INFLUX_URL: sink.url,
            INFLUX_DATABASE: 'drill',
            LOG_LEVEL: 'warn',
          }
        }),
      )
      const workers = await Promise.all(envs.map((env) => startService({ dir: ROOT, env })))
      for (const w of workers) stops.push(() => w.stop())
      await Promise.all(workers.map((w) => subscribed(w)))
      const accepted = async () => {
        let sum = 0
        for (const w of workers) sum += metricValue(await w.metrics(), 'schoolmeter_readings_accepted_total')
        return sum
      }
      // CPU seconds of the workers and of the broker's nodes: on a machine shared with other work
      // the wall clock says little, the readings per CPU-second of a worker what a core of its own gives.
      const cpu = (pids: (number | undefined)[]) =>
        pids.reduce<number>((sum, pid) => sum + (pid ? (procStat(pid)?.cpuS ?? 0) : 0), 0)
      const workerPids = workers.map((w) => w.pid)
      const nodePids = nats.nodes.map((node) => node.pid())
      const began = performance.now()
      const workerCpu0 = cpu(workerPids)
      const brokerCpu0 = cpu(nodePids)
      // Live: published at QoS 1 in batches of 100 for 20 s, at most 20,000 readings ahead of what
      // the workers have accepted (so the broker is not filled faster than they take it); the clock
      // stops at the last reading accepted.
      const load = await runLoad(
        {
          host: '127.0.0.1',
          port: nats.nodes[0]!.mqttPort,
          shape: 'batch100',
          qos: 1,
          connections: 2,
          window: 20,
          workload,
          t0: firstTs(steps),
          maxSteps: steps,
          seconds: 20,
          maxLead: 20_000,
        },
        accepted,
      )
      let done = 0
      let finished = began
      let workerCpu = 0
      let brokerCpu = 0
      while (performance.now() < began + 600_000) {
        done = await accepted()
        workerCpu = cpu(workerPids) - workerCpu0
        brokerCpu = cpu(nodePids) - brokerCpu0
        if (done >= load.readings) {
          finished = performance.now()
          break
        }
        await sleep(100)
        finished = performance.now()
      }
      await Promise.all(workers.map((w) => w.stop()))
      const secs = (finished - began) / 1000
      const rate = done / secs
      rows.push([
        broker,
        String(n),
        count(done),
        seconds(secs),
        count(rate),
        count(rate / n),
        seconds(workerCpu),
        count(done / workerCpu),
        seconds(brokerCpu),
      ])
    } finally {
      stops.splice(stops.indexOf(cleanup), 1)
      await cleanup()
    }
  }
  console.log()
  say('drill.throughput.title')
  console.log(formatTable(rows))
  say('drill.throughput.note')
}

/** Waits until a worker is healthy: connected and subscribed (the SUBACK came, so the session's consumers exist). */
async function subscribed(w: ServiceProcess): Promise<void> {
  await waitFor(
    'a worker to subscribe',
    async () => {
      const body = (await (await fetch(`${w.api}/health`)).json()) as { status?: string }
      return body.status === 'ok' ? true : undefined
    },
    120_000,
    200,
  )
}

/** The load generator; `accepted` is told every half second how far the workers are, for `maxLead`. */
function runLoad(spec: LoadSpec, accepted?: () => Promise<number>): Promise<LoadResult> {
  const proc = spawnHelper('loadgen.ts')
  proc.on('error', () => {})
  const timer = accepted
    ? setInterval(async () => {
        const readings = await accepted().catch(() => undefined)
        if (readings !== undefined && proc.connected) proc.send({ type: 'accepted', readings }, () => {})
      }, 500)
    : undefined
  proc.once('exit', () => clearInterval(timer))
  return new Promise<LoadResult>((resolve, reject) => {
    proc.on('message', (m: { type: string }) => {
      if (m.type === 'result') resolve(m as LoadResult)
    })
    proc.once('exit', (code) => reject(new Error(`the load generator exited with ${code} before reporting`)))
    proc.send(spec)
  })
}

async function main(): Promise<void> {
  const o = options()
  say('drill.step.build')
  buildCheckout(ROOT)
  let ok = true
  try {
    if (o.part !== 'throughput') ok = await failover(o)
    if (o.part !== 'failover') await throughput()
  } finally {
    await stopAll()
  }
  process.exit(ok ? 0 : 1)
}

process.on('SIGINT', () => {
  void stopAll().then(() => process.exit(130))
})
main().catch(async (err) => {
  console.error(err)
  await stopAll()
  process.exit(1)
})
