/**
 * Fault test: garbage on the embedded broker's port. Raw TCP sockets send random bytes, an HTTP
 * request, packets with absurd lengths, truncated packets, a PUBLISH before CONNECT, unknown
 * protocol levels, garbage after a good CONNECT, a byte a second; thousands of connections open
 * and close. Meanwhile a well-behaved gateway keeps publishing.
 *
 * Checked: every reading of the good gateway arrives (counted and in InfluxDB) and nothing else
 * is ingested; the broker closes each bad socket — at once (before any timeout could have), or
 * when the connect or keepalive timeout ends it; connected clients fall back to the good one; the
 * service stays healthy. How long each close and the good gateway's acknowledgements took are
 * printed, not judged: they depend on the machine.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prng } from '../helpers/fuzz.js'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import {
  connectPacket,
  publishPacket,
  type RawSocket,
  rawSocket,
  remainingLength,
} from '../helpers/rawMqtt.js'
import { getJson, metricValue, mqttClient, startTestService } from '../helpers/service.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261126)
/** aedes' default: a connection without a complete CONNECT is dropped after 30 s. */
const CONNECT_TIMEOUT_MS = 30_000
/**
 * "At once": well before the connect timeout could have closed the socket — the broker refused
 * what it read. Keepalive timeouts (1.5 × a few seconds) end their sockets before it too. Only a
 * machine too slow to answer in 25 s fails this.
 */
const PROMPT_MS = CONNECT_TIMEOUT_MS - 5_000
/** A socket the connect timeout ends must be closed by then, however busy the machine. */
const SLACK_MS = 30_000
/** `npm run soak` (SOAK=1) churns more. */
const CHURN_CONNECTIONS = process.env.SOAK ? 20_000 : 2000

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void
const rssMB = () => {
  gc()
  return process.memoryUsage().rss / 2 ** 20
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let influx: Influxd
beforeAll(async () => {
  influx = await startInfluxd()
})
afterAll(async () => {
  await influx?.destroy()
})

interface Case {
  name: string
  /** The broker must have closed the socket within this many ms of its opening (see PROMPT_MS). */
  withinMs: number
  run(s: RawSocket): Promise<void>
}

describe(`garbage on the MQTT port (FUZZ_SEED=${SEED})`, () => {
  it(
    'closes every bad socket, ingests nothing from them, and misses nothing of a good gateway',
    async () => {
      const svc = await startTestService({
        env: { INFLUX_URL: influx.url, INFLUX_DATABASE: 'garbage', METRICS_PUBLIC: '1' },
      })
      const port = svc.mqttPort!
      const rnd = prng(SEED)
      const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)))
      const rssBefore = rssMB()

      // ---- the good gateway: a reading every 20 ms, QoS 1, until the garbage is over ----
      const good = await mqttClient(`mqtt://127.0.0.1:${port}`, 'good-gateway')
      let goodClosed = false
      good.on('close', () => {
        goodClosed = true
      })
      // A minute of data time per reading: from a week back, so that however fast the gateway
      // goes in the 30 s of garbage it never reaches the future (bad_timestamp beyond 5 minutes).
      const T0 = Date.now() - 7 * 86_400_000
      let sent = 0
      let slowestMs = 0
      let stop = false
      const gateway = (async () => {
        while (!stop) {
          const t = Date.now()
          await good.publishAsync(
            'schools/test-school/meters/E1',
            JSON.stringify({ ts: T0 + sent * 60_000, energy_kwh: 1000 + sent * 0.5, power_w: 1500 }),
            { qos: 1 },
          )
          sent++
          slowestMs = Math.max(slowestMs, Date.now() - t)
          await sleep(20)
        }
      })()

      // A good reading that must never be ingested: it comes from sockets that never connected.
      const intruder = JSON.stringify({ ts: T0, volume_m3: 1 })
      const W1 = 'schools/test-school/meters/W1'
      const dribble = async (s: RawSocket, data: Buffer, everyMs: number) => {
        for (const byte of data) {
          if (s.isClosed()) return
          await s.send(Buffer.from([byte]))
          await sleep(everyMs)
        }
      }
      /** Writes `total` bytes in chunks while the socket stays open. */
      const flood = async (s: RawSocket, total: number) => {
        const chunk = Buffer.alloc(64 * 1024, 0x61)
        for (let n = 0; n < total && !s.isClosed(); n += chunk.length) await s.send(chunk)
      }
      const connected = async (s: RawSocket, keepaliveSeconds = 60) => {
        await s.send(connectPacket({ keepaliveSeconds }))
        await waitFor('CONNACK', () => (s.received().length >= 4 || s.isClosed() ? true : undefined))
      }
      const timeout = CONNECT_TIMEOUT_MS + SLACK_MS

      const cases: Case[] = [
        ...Array.from(
          { length: 20 },
          (_, i): Case => ({
            // Random bytes may look like the start of a packet that never completes: the connect
            // timeout ends those.
            name: `random bytes #${i}`,
            withinMs: timeout,
            run: (s) => s.send(bytes(1 + Math.floor(rnd() * 4096))),
          }),
        ),
        {
          name: 'HTTP request',
          withinMs: PROMPT_MS,
          run: (s) => s.send(Buffer.from('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n')),
        },
        {
          name: 'HTTP POST of a reading',
          withinMs: PROMPT_MS,
          run: (s) =>
            s.send(
              Buffer.from(
                `POST /schools/test-school/meters/W1 HTTP/1.1\r\nContent-Length: ${intruder.length}\r\n\r\n${intruder}`,
              ),
            ),
        },
        {
          name: 'TLS ClientHello',
          withinMs: timeout,
          run: (s) => s.send(Buffer.from('16030100a5010000a10303', 'hex')),
        },
        {
          name: 'CONNECT claiming 256 MB, then 8 MB of it',
          withinMs: timeout,
          run: async (s) => {
            await s.send(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]))
            await flood(s, 8 * 2 ** 20)
          },
        },
        {
          name: 'remaining length of 5 bytes (malformed)',
          withinMs: PROMPT_MS,
          run: (s) => s.send(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01])),
        },
        {
          name: 'CONNECT cut in half',
          withinMs: timeout,
          run: (s) => s.send(connectPacket().subarray(0, 9)),
        },
        {
          name: 'fixed header only',
          withinMs: timeout,
          run: (s) => s.send(Buffer.from([0x10])),
        },
        { name: 'nothing at all', withinMs: timeout, run: async () => {} },
        {
          name: 'PUBLISH before CONNECT',
          withinMs: PROMPT_MS,
          run: (s) => s.send(publishPacket(W1, intruder)),
        },
        {
          name: 'PUBLISH before CONNECT, then CONNECT',
          withinMs: PROMPT_MS,
          run: (s) => s.send(Buffer.concat([publishPacket(W1, intruder), connectPacket()])),
        },
        { name: 'protocol level 9', withinMs: PROMPT_MS, run: (s) => s.send(connectPacket({ level: 9 })) },
        { name: 'protocol level 5', withinMs: PROMPT_MS, run: (s) => s.send(connectPacket({ level: 5 })) },
        { name: 'protocol level 0', withinMs: PROMPT_MS, run: (s) => s.send(connectPacket({ level: 0 })) },
        {
          name: 'protocol name HTTP',
          withinMs: PROMPT_MS,
          run: (s) => s.send(connectPacket({ protocol: 'HTTP' })),
        },
        {
          name: 'CONNECT with reserved flag',
          withinMs: PROMPT_MS,
          run: (s) => {
            const p = connectPacket()
            p[p.indexOf(0x02, 8)] = 0x03
            return s.send(p)
          },
        },
        {
          name: 'reserved packet type 0',
          withinMs: PROMPT_MS,
          run: (s) => s.send(Buffer.from([0x00, 0x00])),
        },
        {
          name: 'reserved packet type 15',
          withinMs: PROMPT_MS,
          run: (s) => s.send(Buffer.from([0xf0, 0x00])),
        },
        {
          name: 'CONNECT, then garbage',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s)
            await s.send(Buffer.from('garbage garbage garbage'))
          },
        },
        {
          name: 'CONNECT, then random bytes',
          withinMs: timeout,
          run: async (s) => {
            await connected(s, 5)
            await s.send(Buffer.concat([Buffer.from([0x00]), bytes(512)]))
          },
        },
        {
          name: 'CONNECT, then PUBLISH to a wildcard topic',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s)
            await s.send(publishPacket('schools/+/meters/W1', intruder))
          },
        },
        {
          name: 'CONNECT, then PUBLISH to #',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s)
            await s.send(publishPacket('schools/#', intruder))
          },
        },
        {
          name: 'CONNECT, then PUBLISH to an empty topic',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s)
            await s.send(publishPacket('', intruder))
          },
        },
        {
          name: 'CONNECT, then PUBLISH to 200 topic levels',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s)
            await s.send(publishPacket(`${W1}${'/x'.repeat(196)}`, intruder))
          },
        },
        {
          // MQTT says close on ill-formed UTF-8; aedes passes the topic on, and then it must be a
          // bad_topic rejection. Either is fine; checked below.
          name: 'CONNECT, then PUBLISH to a topic of invalid UTF-8, then DISCONNECT',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s)
            const topic = Buffer.concat([
              Buffer.from('schools/test-school/meters/W'),
              Buffer.from([0xff, 0xc0]),
              Buffer.from('1'),
            ])
            await s.send(Buffer.concat([publishPacket(topic, intruder), Buffer.from([0xe0, 0x00])]))
          },
        },
        {
          name: 'CONNECT twice',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s)
            await s.send(connectPacket())
          },
        },
        {
          name: 'CONNECT, then SUBSCRIBE with QoS 3',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s)
            const body = Buffer.concat([Buffer.from([0, 1, 0, 3]), Buffer.from('a/b'), Buffer.from([3])])
            await s.send(Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]))
          },
        },
        {
          name: 'CONNECT (keepalive 2 s), then half a PUBLISH',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s, 2)
            await s.send(publishPacket(W1, intruder).subarray(0, 20))
          },
        },
        {
          name: 'CONNECT (keepalive 2 s), then a PUBLISH claiming 200 MB and 8 MB of it',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s, 2)
            await s.send(Buffer.concat([Buffer.from([0x30]), remainingLength(200 * 2 ** 20)]))
            await flood(s, 8 * 2 ** 20)
          },
        },
        {
          name: 'slowloris: a CONNECT at one byte a second',
          withinMs: timeout,
          run: (s) => dribble(s, connectPacket({ clientId: 'slowloris-aaaaaaaaaaaaaaaaaaaaa' }), 1000),
        },
        {
          name: 'slowloris after CONNECT (keepalive 3 s): a PUBLISH at one byte a second',
          withinMs: PROMPT_MS,
          run: async (s) => {
            await connected(s, 3)
            await dribble(s, publishPacket(W1, intruder), 1000)
          },
        },
      ]

      const churn = async () => {
        // Thousands of connections opening and closing, 50 at a time: half hang up at once,
        // half complete a CONNECT first.
        const started = Date.now()
        for (let i = 0; i < CHURN_CONNECTIONS; i += 50) {
          await Promise.all(
            Array.from({ length: 50 }, async (_, j) => {
              const s = await rawSocket(port)
              if ((i + j) % 2) {
                await s.send(connectPacket({ clientId: `churn-${i + j}` }))
                await waitFor('CONNACK', () => (s.received().length >= 4 || s.isClosed() ? true : undefined))
                if ((i + j) % 4 === 1) await s.send(Buffer.from([0xe0, 0x00])) // DISCONNECT
              }
              s.socket.destroy()
              await s.closed
            }),
          )
        }
        return Date.now() - started
      }

      const results: string[] = []
      const timings: [string, number][] = []
      try {
        const [churnMs] = await Promise.all([
          churn(),
          ...cases.map(async (c) => {
            const s = await rawSocket(port)
            await c.run(s)
            const ms = await Promise.race([s.closed, sleep(c.withinMs + 1000).then(() => -1)])
            timings.push([c.name, ms])
            if (ms < 0 || ms > c.withinMs)
              results.push(
                `${c.name}: ${ms < 0 ? 'still open' : `closed after ${ms} ms`}, limit ${c.withinMs} ms`,
              )
            s.socket.destroy()
          }),
        ])
        stop = true
        await gateway
        await svc.writer!.flush()

        expect(results).toEqual([])
        expect(goodClosed, 'the good gateway was disconnected').toBe(false)

        // Connected clients fall back to the good gateway alone.
        const clients = await waitFor(
          'connections to drain',
          async () => {
            const h = await getJson(`${svc.httpUrl}/health?lang=en`)
            const n = Number(/(\d+) clients? connected/.exec(h.body.parts.ingest.detail)?.[1])
            return n === 1 ? n : undefined
          },
          10_000,
        )
        expect(clients).toBe(1)

        const health = await getJson(`${svc.httpUrl}/health`)
        expect(health.status).toBe(200)
        const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text()
        expect(metricValue(metrics, 'schoolmeter_readings_accepted_total')).toBe(sent)
        // Only the good gateway's messages reached ingest, and perhaps the invalid UTF-8 topic
        // (as a bad_topic rejection): nothing else of the raw sockets'.
        const badTopic = metricValue(metrics, 'schoolmeter_readings_rejected_total{reason="bad_topic"}')
        expect(badTopic).toBeLessThanOrEqual(1)
        expect(metricValue(metrics, 'schoolmeter_messages_received_total')).toBe(sent + badTopic)
        const otherRejections = metrics
          .split('\n')
          .filter((l) => l.startsWith('schoolmeter_readings_rejected_total{') && !l.includes('"bad_topic"'))
          .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)))
        expect(otherRejections.every((n) => n === 0)).toBe(true)
        expect(await influx.count('garbage', 'electricity', 'energy_kwh')).toBe(sent)
        expect(await influx.count('garbage', 'water', 'volume_m3')).toBe(0)

        const rssAfter = rssMB()
        timings.sort((a, b) => b[1] - a[1])
        if (process.env.GARBAGE_TIMINGS) console.log(timings.map(([n, ms]) => `${ms} ms\t${n}`).join('\n'))
        console.log(
          `garbage: ${cases.length} bad sockets closed (slowest: ${timings
            .slice(0, 4)
            .map(([n, ms]) => `${n} ${(ms / 1000).toFixed(1)} s`)
            .join('; ')}), ${CHURN_CONNECTIONS} connections churned in ${(churnMs / 1000).toFixed(1)} s; ` +
            `invalid UTF-8 topic ${badTopic ? 'rejected as bad_topic' : 'closed the connection'}; ` +
            `good gateway: ${sent} readings, slowest PUBACK ${slowestMs} ms; rss ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MiB`,
        )
        // It kept publishing through the garbage (how fast is a figure of the machine, printed above).
        expect(sent).toBeGreaterThan(1)
        expect(rssAfter - rssBefore, 'rss growth, MiB').toBeLessThan(200)
      } finally {
        stop = true
        await gateway.catch(() => {})
        await good.endAsync()
        await svc.stop()
      }
    },
    process.env.SOAK ? 300_000 : 120_000,
  )
})
