/**
 * Fault test: 100,000 fuzzed payloads interleaved with good readings, over real MQTT into the
 * whole service (embedded broker) with a real InfluxDB 1.x. The stream is seeded: a failure names
 * its seed, and FUZZ_SEED=<seed> replays it; FUZZ_COUNT changes the number of fuzzed payloads.
 *
 * Checked: every good reading is in InfluxDB with exactly its values (and none besides), every
 * bad one is counted under the reason docs/contract.md gives and published back, messages on
 * topics the service ignores are not counted, the service stays healthy and its memory flat.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FuzzMessage, fuzzMessages, KIND_FIELDS } from '../helpers/fuzz.js'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { getJson, metricValue, mqttClient, startTestService } from '../helpers/service.js'

/** `npm run soak` (SOAK=1) runs a longer stream. */
const COUNT = Number(process.env.FUZZ_COUNT ?? (process.env.SOAK ? 300_000 : 100_000))
const SEED = Number(process.env.FUZZ_SEED ?? 20261126)
const LANES = 4
/** The service's default; the fuzz aims at it (just under, exactly at, just over). */
const MAX_PAYLOAD_BYTES = 256 * 1024
const MAX_BATCH_READINGS = 10_000
/** Publish this many messages (or bytes) per lane, then wait until the broker has taken them. */
const BURST_MESSAGES = 1000
const BURST_BYTES = 4 * 1024 * 1024

const KIND_OF: Record<string, keyof typeof KIND_FIELDS> = {
  W1: 'water',
  W2: 'water',
  OW1: 'water',
  E1: 'electricity',
  'E-R101': 'electricity',
  H1: 'heat',
  T1: 'temperature',
}

// A full collection between memory samples, so that heap growth means retained objects.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void
const memory = () => {
  gc()
  const m = process.memoryUsage()
  return { rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20 }
}

let influx: Influxd
beforeAll(async () => {
  influx = await startInfluxd()
})
afterAll(async () => {
  await influx?.destroy()
})

describe(`fuzz: ${COUNT} hostile payloads among good readings (FUZZ_SEED=${SEED})`, () => {
  it(
    'stores every good reading exactly, counts every bad one by reason, stays up and flat',
    async () => {
      const started = Date.now()
      const svc = await startTestService({
        env: { INFLUX_URL: influx.url, INFLUX_DATABASE: 'fuzz', METRICS_PUBLIC: '1' },
      })
      const url = `mqtt://127.0.0.1:${svc.mqttPort}`
      const publishers: MqttClient[] = []
      const watcher = await mqttClient(url, 'fuzz-watcher')
      try {
        for (let i = 0; i < LANES; i++) publishers.push(await mqttClient(url, `fuzz-lane-${i}`))
        const dropped: string[] = []
        // A publisher the broker disconnects fails the run at once (its publishes would be lost).
        const disconnected = new Promise<never>((_, reject) => {
          for (const [i, c] of publishers.entries())
            c.on('close', () => {
              dropped.push(`lane ${i}`)
              reject(new Error(`the broker disconnected publisher lane ${i}`))
            })
        })
        disconnected.catch(() => {})
        let onRejectedTopics = 0
        await watcher.subscribeAsync('schools/+/rejected', { qos: 0 })
        watcher.on('message', () => onRejectedTopics++)

        // Compact: a JSON row per good reading (as InfluxDB will return it), so that the test's
        // own bookkeeping hardly shows in the heap measurement.
        const expected = {
          rows: new Map<string, string[]>(),
          registers: new Map<string, number[]>(),
          rejected: {} as Record<string, number>,
          counted: 0,
          published: 0,
          messages: 0,
          bytes: 0,
        }
        const tally = (m: FuzzMessage) => {
          expected.messages++
          expected.bytes += m.payload.length
          for (const g of m.good) {
            const fields = KIND_FIELDS[KIND_OF[g.meter]!]
            const rows = expected.rows.get(g.meter) ?? []
            rows.push(JSON.stringify([g.ts, ...fields.map((f) => g.values[f] ?? null), g.estimated || null]))
            expected.rows.set(g.meter, rows)
            const register = g.values[fields[0]!]
            if (register !== undefined && KIND_OF[g.meter] !== 'temperature') {
              const r = expected.registers.get(g.meter) ?? []
              r[r.length ? 1 : 0] = register
              expected.registers.set(g.meter, r)
            }
          }
          for (const r of m.rejected) expected.rejected[r] = (expected.rejected[r] ?? 0) + 1
          if (m.counted) expected.counted++
          expected.published += m.published + (m.onRejectedTopic ? 1 : 0)
        }
        // QoS 1 on a topic the service ignores: its PUBACK comes after everything before it.
        const sync = () =>
          Promise.race([
            Promise.all(publishers.map((c, i) => c.publishAsync(`fuzz/sync/${i}`, '', { qos: 1 }))),
            disconnected,
          ])

        let inBurst = 0
        let bytesInBurst = 0
        let fuzzed = 0
        let early: ReturnType<typeof memory> | undefined
        let rowsAtEarly = 0
        const stream = fuzzMessages({
          seed: SEED,
          count: COUNT,
          startTs: Date.now() - Math.ceil(60 * Math.max(1, COUNT / 100_000)) * 86_400_000,
          maxPayloadBytes: MAX_PAYLOAD_BYTES,
          maxBatchReadings: MAX_BATCH_READINGS,
          lanes: LANES,
          goodRatio: 0.25,
        })
        for (const m of stream) {
          tally(m)
          if (m.fuzzed) fuzzed++
          publishers[m.lane]!.publish(m.topic, m.payload, { qos: 0 })
          bytesInBurst += m.payload.length
          if (++inBurst >= BURST_MESSAGES * LANES || bytesInBurst >= BURST_BYTES) {
            await sync()
            inBurst = 0
            bytesInBurst = 0
            if (!early && fuzzed >= COUNT / 4) {
              early = memory()
              rowsAtEarly = [...expected.rows.values()].reduce((a, l) => a + l.length, 0)
            }
          }
        }
        await sync()
        const published = Date.now()
        await svc.writer!.flush()
        expect(dropped, 'a publisher was disconnected').toEqual([])

        // ---- the service is up, and counted what the contract says ----
        expect((await getJson(`${svc.httpUrl}/health`)).status).toBe(200)
        const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text()
        const goodTotal = [...expected.rows.values()].reduce((a, l) => a + l.length, 0)
        const rejectedTotal = Object.values(expected.rejected).reduce((a, b) => a + b, 0)
        const seen: Record<string, number> = {}
        for (const reason of Object.keys(expected.rejected)) {
          seen[reason] = metricValue(metrics, `schoolmeter_readings_rejected_total{reason="${reason}"}`)
        }
        const allRejected = metrics
          .split('\n')
          .filter((l) => l.startsWith('schoolmeter_readings_rejected_total{'))
          .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
        expect(seen).toEqual(expected.rejected)
        expect(allRejected).toBe(rejectedTotal)
        expect(metricValue(metrics, 'schoolmeter_readings_accepted_total')).toBe(goodTotal)
        expect(metricValue(metrics, 'schoolmeter_messages_received_total')).toBe(expected.counted)
        expect(metricValue(metrics, 'schoolmeter_readings_duplicate_total')).toBe(0)
        expect(metricValue(metrics, 'schoolmeter_readings_late_total')).toBe(0)
        expect(metrics).not.toMatch(/^schoolmeter_influx_dropped_lines_total\{[^}]*\} [1-9]/m)
        for (const [id, rows] of expected.rows) expect(svc.ingest.status(id)?.readings, id).toBe(rows.length)

        // ---- every rejection naming a school was published back on its `rejected` topic ----
        await waitFor(
          'rejections published back',
          () => (onRejectedTopics >= expected.published ? true : undefined),
          30_000,
        )
        expect(onRejectedTopics).toBe(expected.published)

        // ---- InfluxDB holds each good reading, exactly, and nothing else ----
        const problems: string[] = []
        for (const [id, want] of expected.rows) {
          const kind = KIND_OF[id]!
          const fields = KIND_FIELDS[kind]
          const rows = await allRows(
            `SELECT ${fields.map((f) => `"${f}"`).join(',')},"estimated" FROM "${kind}" WHERE "meter"='${id}'`,
          )
          if (rows.length !== want.length)
            problems.push(`${id}: ${rows.length} rows stored, ${want.length} sent`)
          for (let i = 0, shown = 0; i < Math.max(rows.length, want.length) && shown < 5; i++) {
            const got = JSON.stringify(rows[i])
            if (got !== want[i]) {
              problems.push(`${id} row ${i}: stored ${got}, sent ${want[i]}`)
              shown++
            }
          }
        }
        expect(problems).toEqual([])
        // Registers were not disturbed by the implausible jumps between good readings: the
        // consumption stored adds up to the last register value less the first.
        for (const [id, field, per] of [
          ['W1', 'used_l', 1000],
          ['E1', 'used_kwh', 1],
          ['H1', 'used_kwh', 1],
        ] as const) {
          const [first, last] = expected.registers.get(id)!
          const [sum] = await influx.query<[number, number]>(
            'fuzz',
            `SELECT sum("${field}") FROM "${KIND_OF[id]}" WHERE "meter"='${id}'`,
          )
          expect(sum!.values[0]![1], id).toBeCloseTo((last! - first!) * per, 2)
        }

        // ---- memory: what the first quarter needed is all the rest needs ----
        const late = memory()
        const checked = Date.now()
        console.log(
          `fuzz seed ${SEED}: ${expected.messages} messages (${(expected.bytes / 2 ** 20).toFixed(0)} MiB): ` +
            `${goodTotal} good readings, ${rejectedTotal} rejections; published in ${((published - started) / 1000).toFixed(1)} s, ` +
            `checked in ${((checked - published) / 1000).toFixed(1)} s; heap ${early!.heapMB.toFixed(0)} → ${late.heapMB.toFixed(0)} MiB, ` +
            `rss ${early!.rssMB.toFixed(0)} → ${late.rssMB.toFixed(0)} MiB`,
        )
        // The service may not grow; the test's own expected rows (about 100 bytes each) do.
        const bookkeepingMB = ((goodTotal - rowsAtEarly) * 200) / 2 ** 20
        expect(late.heapMB - early!.heapMB, 'heap growth after the first quarter, MiB').toBeLessThan(
          48 + bookkeepingMB,
        )
        expect(late.rssMB - early!.rssMB, 'rss growth after the first quarter, MiB').toBeLessThan(256)
        expect((await getJson(`${svc.httpUrl}/health`)).status).toBe(200)
      } finally {
        for (const c of publishers) await c.endAsync()
        await watcher.endAsync()
        await svc.stop()
      }
    },
    Math.max(120_000, 3 * COUNT),
  )
})

/** All rows of a query, 10,000 at a time (InfluxDB caps a response's rows). */
async function allRows(q: string): Promise<unknown[][]> {
  const out: unknown[][] = []
  for (let offset = 0; ; offset += 10_000) {
    const [series] = await influx.query<unknown[]>('fuzz', `${q} LIMIT 10000 OFFSET ${offset}`)
    const rows = series?.values ?? []
    out.push(...rows)
    if (rows.length < 10_000) return out
  }
}
