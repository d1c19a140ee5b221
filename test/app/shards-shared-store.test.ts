/**
 * Two sharded workers on one shared PostgreSQL app store and a real NATS broker: each school's
 * incident is opened once and told once — by its shard's owner, even to a webhook both schools
 * share that answers only once both workers have read the outbox again —, escalated once when both workers look for what to escalate at the
 * same moment, and either worker's API lists both shards' incidents, in each school's time zone,
 * both shards' schools in its district reports, and every meter's live status and recent rate.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Service } from '../../app/service.js'
import { type NatsCluster, startNats } from '../helpers/nats.js'
import { waitFor } from '../helpers/ports.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'
import { getJson, metricValue, mqttClient, startTestService } from '../helpers/service.js'

const T0 = Date.parse('2026-11-02T09:00:00+08:00')
const MINUTE = 60_000
const SCHOOLS = ['north', 'south']

let nats: NatsCluster
let db: Postgres
let hook: Server
let hookUrl: string
/** What the webhook was told: the event header and the incident's school and id, in order. */
const told: { event: string; school: string; incident: number }[] = []

/** Holds the receiver's answers until released; a new one is made for each hold. */
let held = gate()

function gate() {
  let release!: () => void
  const promise = new Promise<void>((r) => {
    release = r
  })
  return { promise, release }
}

beforeAll(async () => {
  ;[nats, db] = await Promise.all([startNats(), startPostgres()])
  hook = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      const { incident } = JSON.parse(body) as { incident: { id: number; school: string } }
      told.push({
        event: String(req.headers['x-schoolmeter-event']),
        school: incident.school,
        incident: incident.id,
      })
      // A receiver that takes its time (a platform under load): it answers when the test lets it,
      // and the row stays waiting in the outbox meanwhile.
      void held.promise.then(() => res.writeHead(204).end())
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`
})
afterAll(async () => {
  hook?.closeAllConnections()
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()))
  await Promise.all([nats?.stop(), db?.stop()])
})

/** Two schools, one per shard, and one district-wide webhook both report to. */
const district = () => `
schools:
${SCHOOLS.map(
  (id, i) => `  - id: ${id}
    name: ${id}
    timezone: Asia/Shanghai
    shard: ${i + 1}
    notifications:
      webhooks: [{ url: "${hookUrl}" }]
    buildings:
      - id: main
        use: teaching
        meters:
          - { id: W-${id}, kind: water, nominalFlowM3h: 4 }`,
).join('\n')}
`

/** Forty minutes of 20 L/min without a break: a burst (critical) once it has run for 30. */
function burst(school: string): [string, string][] {
  let register = 50
  return Array.from({ length: 40 }, (_, k) => [
    `schools/${school}/meters/W-${school}`,
    JSON.stringify({
      ts: T0 + k * MINUTE,
      volume_m3: Math.round((register += 0.02) * 1e5) / 1e5,
      flow_lpm: 20,
    }),
  ])
}

/**
 * While the receiver holds its answers, every worker reads the outbox once more; then the
 * receiver answers and the workers finish sending whatever they started.
 */
async function tellEverything(workers: Service[]): Promise<void> {
  for (const w of workers) await w.alerts.idle()
  for (const w of workers) await w.notify.dispatcher.readNow()
  held.release()
  for (const w of workers) await w.notify.dispatcher.idle()
  held = gate()
}

describe('sharded workers sharing one PostgreSQL app store', () => {
  it("open, tell and escalate each school's incident once, by its owner; either API lists both", async () => {
    const env = (shard: string) => ({
      MQTT_URL: nats.mqttUrls,
      SHARD: shard,
      DATABASE_URL: db.url,
      LOCALE: 'en',
    })
    const workers = []
    for (const s of ['1/2', '2/2']) workers.push(await startTestService({ config: district(), env: env(s) }))
    const gateway = await mqttClient(nats.nodes[0]!.mqttUrl)
    try {
      for (const school of SCHOOLS) {
        for (const [topic, payload] of burst(school)) await gateway.publishAsync(topic, payload, { qos: 1 })
        // And something that is not JSON, rejected by the school's owner.
        await gateway.publishAsync(`schools/${school}/meters/W-${school}`, 'not json', { qos: 1 })
      }
      await waitFor(
        'both incidents told',
        async () => (told.filter((t) => t.event === 'incident.opened').length >= 2 ? true : undefined),
        30_000,
      )
      // Both rows still wait in the outbox (the receiver has not answered): each worker reads it
      // now. One that took the other shard's row would send it again here.
      await tellEverything(workers)
      const byKind = (school: string) =>
        told
          .filter((t) => t.school === school)
          .map((t) => t.event)
          .sort()
      // Each school told once, however many workers read the outbox.
      for (const school of SCHOOLS) expect(byKind(school), school).toEqual(['incident.opened'])

      const incidents = await db.query<{ id: string; school_id: string }>(
        'SELECT id, school_id FROM incidents ORDER BY school_id',
      )
      expect(incidents.map((i) => i.school_id)).toEqual(SCHOOLS)
      const opened = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM incident_events WHERE transition = 'opened'",
      )
      expect(Number(opened[0]!.n)).toBe(2)

      // Opened twenty minutes ago, nobody acknowledged: both workers look at the same moment.
      await db.query(
        "UPDATE incident_events SET recorded_at = recorded_at - 20 * 60000 WHERE transition = 'opened'",
      )
      const escalated = await Promise.all(workers.map((w) => w.alerts.escalateDue()))
      // Each worker escalated its own school's incident.
      expect(escalated.map((e) => e.map((i) => i.school))).toEqual([['north'], ['south']])
      const events = await db.query<{ incident_id: string; transition: string }>(
        "SELECT incident_id, transition FROM incident_events WHERE transition = 'escalated' ORDER BY incident_id",
      )
      expect(events.map((e) => e.incident_id).sort()).toEqual(incidents.map((i) => i.id).sort())
      await waitFor(
        'both escalations told',
        async () => (told.filter((t) => t.event === 'incident.escalated').length >= 2 ? true : undefined),
        30_000,
      )
      await tellEverything(workers)

      // Each school told once of each transition.
      for (const school of SCHOOLS)
        expect(byKind(school), school).toEqual(['incident.escalated', 'incident.opened'])
      // By the shard's owner: each worker sent its own school's two messages.
      for (const w of workers) {
        const m = await (await fetch(`${w.httpUrl}/metrics`)).text()
        expect(metricValue(m, 'schoolmeter_notifications_total{channel="webhook",result="sent"}')).toBe(2)
      }

      // Either worker's API lists both shards' incidents, each in its school's time zone.
      for (const w of workers) {
        const listed = await getJson<{ school: string; openedAt: string; status: string }[]>(
          `${w.httpUrl}/api/v1/incidents`,
        )
        expect(listed.status).toBe(200)
        expect(listed.body.map((i) => i.school).sort()).toEqual(SCHOOLS)
        for (const i of listed.body) expect(i.openedAt, i.school).toMatch(/\+08:00$/)
      }

      // The report history each worker keeps is mirrored to PostgreSQL: either worker's sub-item
      // report of the day has both shards' schools, each school's water as its owner counted it
      // (39 minutes of 20 L).
      for (const w of workers) await w.flushRollups()
      for (const w of workers) {
        const rows = await getJson<{ school: string; category: string; item: string; used: number }[]>(
          `${w.httpUrl}/api/v1/reports/subitems?period=2026-11-02`,
        )
        expect(rows.status).toBe(200)
        const water = rows.body.filter((r) => r.category === 'water' && r.item === 'total')
        expect(water.map((r) => r.school).sort()).toEqual(SCHOOLS)
        for (const r of water) expect(r.used, r.school).toBeCloseTo(0.78, 6)
      }

      // Each meter's live status and recent rate, on either worker: its owner shares them through
      // PostgreSQL and the other worker reads them (every SHARD_STATUS_SECONDS; here, now).
      for (const w of workers) await w.shareLiveStatus!()
      await workers[0]!.shareLiveStatus!()
      const asOwner = new Map<string, { meter: unknown; series: unknown }>()
      for (const [i, school] of SCHOOLS.entries()) {
        const owner = workers[i]!
        asOwner.set(school, {
          meter: (await getJson(`${owner.httpUrl}/api/v1/meters/W-${school}`)).body,
          series: (await getJson(`${owner.httpUrl}/api/v1/meters/W-${school}/series`)).body,
        })
      }
      for (const [i, w] of workers.entries())
        for (const school of SCHOOLS) {
          const as = `${school} on worker ${i + 1}`
          const meter = await getJson<{ readings: number; status: string; lastReading: { ts: string } }>(
            `${w.httpUrl}/api/v1/meters/W-${school}`,
          )
          expect(meter.status, as).toBe(200)
          expect(meter.body, as).toMatchObject({ readings: 40, status: 'ok' })
          expect(meter.body.lastReading.ts, as).toBe('2026-11-02T09:39:00.000+08:00')
          // The same answer as its owner's, to the rate's last bucket.
          expect(meter.body, as).toEqual(asOwner.get(school)!.meter)
          const series = await getJson<{ rate: { points: { mean: number }[] } }>(
            `${w.httpUrl}/api/v1/meters/W-${school}/series`,
          )
          expect(series.body, as).toEqual(asOwner.get(school)!.series)
          expect(
            series.body.rate.points.map((p) => p.mean),
            as,
          ).toEqual([20, 20, 20, 20])
          const summary = await getJson<{ meters: { total: number; ok: number } }>(
            `${w.httpUrl}/api/v1/schools/${school}`,
          )
          expect(summary.body.meters, as).toMatchObject({ total: 1, ok: 1 })
          const quality = await getJson<{ rejected: { school: string; reason: string; count: number }[] }>(
            `${w.httpUrl}/api/v1/quality?school=${school}`,
          )
          expect(quality.body.rejected, as).toMatchObject([{ school, reason: 'bad_json', count: 1 }])
          // The web app's school, meter and data-quality pages too.
          for (const page of [`/schools/${school}`, `/meters/W-${school}`, `/quality?school=${school}`])
            expect((await fetch(`${w.httpUrl}${page}`)).status, `${page} on worker ${i + 1}`).toBe(200)
        }
    } finally {
      await gateway.endAsync()
      for (const w of workers) await w.stop()
    }
  }, 120_000)
})
