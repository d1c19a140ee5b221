/**
 * The load generator, run as its own process (`node --import tsx bench/lib/loadgen.ts`) so that
 * its CPU is measured apart from the service's. It receives a `LoadSpec` over IPC, publishes
 * single readings or gateway batches of 100 at QoS 0 or 1 — as fast as the broker takes them
 * or paced at a rate — and reports progress every second and a `LoadResult` at the end. With
 * `faults`, it also injects register resets on meters of their own and measures, with an
 * mqtt.js subscriber on `schools/+/alerts`, the time from publishing each to its alert.
 */
import { connectAsync } from 'mqtt'
import { WireClient } from './wire.js'
import { faultMeterId, GROUP, meterId, readingValues, STEP_MS, schoolId, type Workload } from './workload.js'

export interface LoadSpec {
  host: string
  port: number
  shape: 'single' | 'batch100'
  qos: 0 | 1
  connections: number
  /** Unacknowledged QoS 1 publishes per connection. */
  window: number
  workload: Workload
  /** Event time of step 0, epoch ms. */
  t0: number
  /** Steps per meter at most (the run stops early if it gets there). */
  maxSteps: number
  seconds: number
  /** Readings per second; absent: as fast as the broker takes them. */
  rate?: number
  faults?: { perSecond: number }
  /** Readings per meter, then stop (the memory scenario); overrides `seconds`. */
  stepsPerMeter?: number
  /** Event-time distance between steps, ms (default one minute). */
  stepMs?: number
  /** Report every flow as 0 (see readingValues). */
  still?: boolean
  /**
   * Stay at most this many readings ahead of what the service has accepted (the orchestrator
   * sends `{ type: 'accepted', readings }` every second). Without it a broker that acknowledges
   * on receipt (Mosquitto) or the kernel's socket buffers would queue minutes of backlog.
   */
  maxLead?: number
}

export interface LoadProgress {
  type: 'progress'
  elapsedS: number
  readingsWritten: number
  readingsAcked: number
}

export interface LoadResult {
  type: 'result'
  seconds: number
  messages: number
  /** Readings written to the socket (QoS 0) or acknowledged (QoS 1), faults included. */
  readings: number
  /** Readings written but never acknowledged (QoS 1). */
  unacked: number
  offeredRate?: number
  faults?: { sent: number; alerts: number; latenciesMs: number[] }
  capped: boolean
  errors: string[]
}

const immediate = () => new Promise<void>((r) => setImmediate(r))
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function run(spec: LoadSpec): Promise<LoadResult> {
  const w = spec.workload
  const per = w.metersPerSchool
  const total = w.schools * per
  const groups = total / GROUP
  const stepMs = spec.stepMs ?? STEP_MS
  const perMessage = spec.shape === 'single' ? 1 : GROUP
  const meterTopics: Buffer[] = []
  const meterNames: string[] = []
  for (let m = 0; m < total; m++) {
    const s = Math.floor(m / per)
    meterNames.push(meterId(m, per))
    if (spec.shape === 'single')
      meterTopics.push(Buffer.from(`schools/${schoolId(s)}/meters/${meterId(m, per)}`))
  }
  const gatewayTopics: Buffer[] = []
  for (let g = 0; g < groups; g++) {
    const s = Math.floor((g * GROUP) / per)
    gatewayTopics.push(Buffer.from(`schools/${schoolId(s)}/gateways/G${g}`))
  }
  const clients: WireClient[] = []
  for (let c = 0; c < spec.connections; c++) {
    const client = new WireClient(spec.host, spec.port, `bench-load-${process.pid}-${c}`)
    await client.connect()
    clients.push(client)
  }
  const errors: string[] = []
  let capped = false
  let stop = false
  let accepted = 0
  const writtenReadings = () => {
    let n = 0
    for (const c of clients) n += c.written
    return n * perMessage
  }
  const started = performance.now()
  const elapsedS = () => (performance.now() - started) / 1000

  /** One connection's loop: its groups (g ≡ c mod C) round-robin, one step at a time. */
  const loop = async (c: number) => {
    const client = clients[c]!
    const mine: number[] = []
    for (let g = c; g < groups; g += spec.connections) mine.push(g)
    const ratePerConn = spec.rate ? spec.rate / spec.connections : 0
    let k = 0
    let gi = 0
    let sentReadings = 0
    // Publishes per round; at QoS 1 never more than the window holds.
    const burst = Math.max(
      1,
      Math.min(spec.shape === 'single' ? 200 : 4, spec.qos === 1 ? spec.window : Infinity),
    )
    for (;;) {
      if (stop) break
      if (spec.stepsPerMeter !== undefined ? k >= spec.stepsPerMeter : elapsedS() >= spec.seconds) break
      if (k >= spec.maxSteps) {
        capped = true
        break
      }
      if (spec.maxLead && writtenReadings() - accepted > spec.maxLead) {
        await client.flush()
        await sleep(5)
        continue
      }
      let n = burst
      if (ratePerConn) {
        const due = Math.floor(elapsedS() * ratePerConn) - sentReadings
        if (due < perMessage) {
          await client.flush()
          await sleep(2)
          continue
        }
        n = Math.min(n, Math.floor(due / perMessage))
      }
      if (spec.qos === 1) {
        // Send as soon as the window has room, as much as it has: waiting for room for a whole
        // round would turn the window into stop-and-wait.
        await client.room(spec.window, 1)
        n = Math.max(1, Math.min(n, spec.window - client.inflight))
      }
      if (client.closed) {
        errors.push(`connection ${c} closed${client.error ? `: ${client.error.message}` : ''}`)
        break
      }
      for (let i = 0; i < n; i++) {
        const g = mine[gi]!
        const ts = spec.t0 + k * stepMs
        if (spec.shape === 'single') {
          const j = sentReadings % GROUP
          const m = g * GROUP + j
          const v = readingValues(m, k, spec.still)
          client.publish(
            meterTopics[m]!,
            `{"ts":${ts},"volume_m3":${v.volume},"flow_lpm":${v.flow}}`,
            spec.qos,
          )
          sentReadings++
          if (j === GROUP - 1) gi++
        } else {
          let body = '['
          for (let j = 0; j < GROUP; j++) {
            const m = g * GROUP + j
            const v = readingValues(m, k, spec.still)
            body += `${j ? ',' : ''}{"meter":"${meterNames[m]}","ts":${ts},"volume_m3":${v.volume},"flow_lpm":${v.flow}}`
          }
          client.publish(gatewayTopics[g]!, `${body}]`, spec.qos)
          sentReadings += GROUP
          gi++
        }
        if (gi === mine.length) {
          gi = 0
          k++
          if (spec.stepsPerMeter !== undefined && k >= spec.stepsPerMeter) break
        }
      }
      const drained = client.flush()
      if (drained) await drained
      else await immediate()
    }
    await client.flush()
  }

  // Faults: one meter each, a normal reading first, then a register reset → meter.register_anomaly.
  let faultState: { sent: number; alerts: number; latenciesMs: number[] } | undefined
  let faultLoop: Promise<void> | undefined
  let faultClient: WireClient | undefined
  let subscriber: Awaited<ReturnType<typeof connectAsync>> | undefined
  if (spec.faults) {
    const fs = { sent: 0, alerts: 0, latenciesMs: [] as number[] }
    faultState = fs
    const sentAt = new Map<string, number>()
    subscriber = await connectAsync(`mqtt://${spec.host}:${spec.port}`, {
      clientId: `bench-alerts-${process.pid}`,
      reconnectPeriod: 0,
    })
    subscriber.on('message', (_topic, payload) => {
      const at = performance.now()
      let a: { meter?: string; transition?: string }
      try {
        a = JSON.parse(payload.toString())
      } catch {
        return
      }
      const t = a.meter !== undefined && a.transition === 'opened' ? sentAt.get(a.meter) : undefined
      if (t === undefined) return
      sentAt.delete(a.meter!)
      fs.alerts++
      fs.latenciesMs.push(at - t)
    })
    await subscriber.subscribeAsync('schools/+/alerts', { qos: 0 })
    const fc = new WireClient(spec.host, spec.port, `bench-faults-${process.pid}`)
    await fc.connect()
    faultClient = fc
    const school = Buffer.from(`schools/${schoolId(0)}/meters/`)
    const count = Math.ceil(spec.faults.perSecond * spec.seconds) + 1
    const now = Date.now()
    for (let f = 0; f < count; f++) {
      fc.publish(
        Buffer.concat([school, Buffer.from(faultMeterId(f))]),
        `{"ts":${now - 3 * STEP_MS},"volume_m3":500,"flow_lpm":0}`,
        1,
      )
    }
    await fc.flush()
    await fc.room(1, 1)
    const every = 1000 / spec.faults.perSecond
    faultLoop = (async () => {
      for (let f = 0; f < count - 1; f++) {
        const due = started + 500 + f * every
        const wait = due - performance.now()
        if (wait > 0) await sleep(wait)
        if (stop || elapsedS() >= spec.seconds) break
        const id = faultMeterId(f)
        fc.publish(
          Buffer.concat([school, Buffer.from(id)]),
          `{"ts":${Date.now() - 2 * STEP_MS},"volume_m3":1,"flow_lpm":0}`,
          0,
        )
        await fc.flush()
        sentAt.set(id, performance.now())
        fs.sent++
      }
    })()
  }

  const report = setInterval(() => {
    let written = 0
    let acked = 0
    for (const c of clients) {
      written += c.written * perMessage
      acked += c.acked * perMessage
    }
    process.send?.({
      type: 'progress',
      elapsedS: elapsedS(),
      readingsWritten: written,
      readingsAcked: acked,
    } satisfies LoadProgress)
  }, 1000)
  process.on('message', (m: { type?: string; readings?: number }) => {
    if (m?.type === 'stop') stop = true
    if (m?.type === 'accepted') accepted = m.readings ?? accepted
  })

  await Promise.all(clients.map((_, c) => loop(c)))
  await faultLoop
  const seconds = elapsedS()
  if (spec.qos === 1) {
    const deadline = performance.now() + 120_000
    while (clients.some((c) => c.inflight > 0 && !c.closed) && performance.now() < deadline) await sleep(20)
  }
  if (faultState) {
    // Alerts still on their way.
    const deadline = performance.now() + 10_000
    while (faultState.alerts < faultState.sent && performance.now() < deadline) await sleep(20)
  }
  clearInterval(report)
  let messages = 0
  let readings = 0
  let unacked = 0
  for (const c of clients) {
    messages += c.written
    readings += (spec.qos === 1 ? c.acked : c.written) * perMessage
    unacked += spec.qos === 1 ? c.written - c.acked : 0
    if (c.error) errors.push(c.error.message)
  }
  if (faultClient) {
    // The first readings of the fault meters (acknowledged) and the resets sent.
    readings += faultClient.acked + (faultState?.sent ?? 0)
    messages += faultClient.written
  }
  await Promise.all([...clients, ...(faultClient ? [faultClient] : [])].map((c) => c.end()))
  await subscriber?.endAsync()
  return {
    type: 'result',
    seconds,
    messages,
    readings,
    unacked,
    ...(spec.rate ? { offeredRate: spec.rate } : {}),
    ...(faultState ? { faults: faultState } : {}),
    capped,
    errors,
  }
}

process.once('message', (spec: LoadSpec) => {
  run(spec).then(
    (result) => {
      process.send?.(result, () => process.exit(0))
    },
    (err) => {
      process.send?.({ type: 'result', errors: [String(err?.stack ?? err)] } as Partial<LoadResult>, () =>
        process.exit(1),
      )
    },
  )
})
