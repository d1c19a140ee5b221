/**
 * Workers sharded by school on a real NATS broker (MQTT over JetStream): each takes only its
 * schools' readings through its own persistent session, and a standby that takes a killed
 * worker's shard through the PostgreSQL lease is handed what the broker kept for the shard's
 * session meanwhile — every reading counted once, the meters' state carried on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { hashedShard } from '../../ingest/shard/index.js'
import { type Child, kill9, killChildren, startChild, stopChild } from '../helpers/child.js'
import { type NatsCluster, startNats } from '../helpers/nats.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'
import { getJson, metricValue, mqttClient, startTestService } from '../helpers/service.js'

const T0 = Date.parse('2026-11-02T08:00:00+08:00')
const MINUTE = 60_000

/** Four schools, one water meter each: two put in a shard by the registry, two by hashing. */
const DISTRICT = `
schools:
${['north', 'south', 'east', 'west']
  .map(
    (id, i) => `  - id: ${id}
    name: ${id}${i < 2 ? `\n    shard: ${i + 1}` : ''}
    buildings:
      - id: main
        use: teaching
        meters:
          - { id: W-${id}, kind: water }`,
  )
  .join('\n')}
`
const SCHOOLS = ['north', 'south', 'east', 'west']
const owner = (id: string) => (id === 'north' ? 1 : id === 'south' ? 2 : hashedShard(id, 2))

let nats: NatsCluster
let db: Postgres

beforeAll(async () => {
  ;[nats, db] = await Promise.all([startNats({ ackWaitSeconds: 5 }), startPostgres()])
})
afterAll(async () => {
  await Promise.all([nats?.stop(), db?.stop()])
})
afterEach(() => killChildren())

function reading(school: string, k: number): [string, string] {
  return [
    `schools/${school}/meters/W-${school}`,
    JSON.stringify({ ts: T0 + k * MINUTE, volume_m3: 10 + k / 1000 }),
  ]
}

describe('workers sharded by school on NATS', () => {
  it("each takes its own schools' readings, and only theirs", async () => {
    const env = (shard: string) => ({ MQTT_URL: nats.mqttUrls, SHARD: shard })
    const workers = await Promise.all(
      ['1/2', '2/2'].map((s) => startTestService({ config: DISTRICT, env: env(s) })),
    )
    const gateway = await mqttClient(nats.nodes[0]!.mqttUrl)
    const rejected: string[] = []
    await gateway.subscribeAsync('schools/+/rejected')
    gateway.on('message', (topic) => rejected.push(topic))
    try {
      for (let k = 0; k < 5; k++)
        for (const school of SCHOOLS) await gateway.publishAsync(...reading(school, k), { qos: 1 })
      for (const [i, worker] of workers.entries()) {
        const mine = SCHOOLS.filter((s) => owner(s) === i + 1)
        await waitFor(`worker ${i + 1}'s readings`, async () => {
          const m = await (await fetch(`${worker.httpUrl}/metrics`)).text()
          return metricValue(m, 'schoolmeter_readings_accepted_total') === mine.length * 5 ? true : undefined
        })
        for (const school of SCHOOLS) {
          const meter = await getJson(`${worker.httpUrl}/api/v1/meters/W-${school}`)
          if (owner(school) === i + 1) expect(meter.body.readings, school).toBe(5)
          // Another shard's meter is not in this worker's memory. Without DATABASE_URL nothing is
          // shared and the API does not know it; with it (npm run test:postgres), the API answers
          // as the owner shared it through the database (test/app/shards-shared-store.test.ts) —
          // here never: each service has a database of its own.
          else if (worker.env.DATABASE_URL === undefined) expect(meter.status, school).toBe(404)
          else expect(meter.body, school).toMatchObject({ readings: 0, status: 'never_reported' })
        }
        const health = await getJson(`${worker.httpUrl}/health?lang=en`)
        expect(health.body.parts.ingest).toMatchObject({ ok: true })
      }
      // Nothing was refused: no worker saw another shard's school as unknown.
      expect(rejected).toEqual([])
    } finally {
      await gateway.endAsync()
      await Promise.all(workers.map((w) => w.stop()))
    }
  })

  it('says on /health when the broker refuses some of its subscriptions (a NATS session over its max_ack_pending)', async () => {
    // 30,000 unacknowledged messages per subscription: two fit in a session's 65,535, the third does not.
    const tight = await startNats({ maxAckPending: 30_000 })
    const worker = await startTestService({
      // The four schools, none put in a shard by the registry: all four are shard 1/1's.
      config: DISTRICT.replace(/\n {4}shard: \d/g, ''),
      env: { MQTT_URL: tight.mqttUrls, SHARD: '1/1' },
    })
    try {
      const health = await getJson(`${worker.httpUrl}/health?lang=en`)
      expect(health.status).toBe(503)
      expect(health.body.parts.ingest).toMatchObject({ ok: false })
      expect(health.body.parts.ingest.detail).toMatch(/refused 2 of 4 subscriptions/)
    } finally {
      await worker.stop()
      await tight.stop()
    }
  })

  it("a standby takes a killed worker's shard and its queued readings through the lease", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-shard-'))
    const config = join(dataDir, 'district.yaml')
    writeFileSync(config, DISTRICT)
    const base = {
      CONFIG: config,
      DATA_DIR: dataDir,
      DEMO: '0',
      MQTT_URL: nats.mqttUrls,
      SHARD: '1/2',
      DATABASE_URL: db.url,
      // Long enough that an owner slowed by a busy machine keeps it: the standby waits it out.
      SHARD_LEASE_SECONDS: '5',
    }
    const ownerPort = String(await freePort())
    const standbyPort = String(await freePort())
    const first: Child = await startChild({ ...base, HTTP_PORT: ownerPort })
    await waitFor(
      'the owner to hold the shard',
      async () =>
        (await getJson(`http://127.0.0.1:${ownerPort}/health`)).body.status === 'ok' ? true : undefined,
      30_000,
    )
    // The standby shares the shard's data directory: it opens it only once the lease is its own.
    const standby = await startChild({ ...base, HTTP_PORT: standbyPort, SHARD_STANDBY: '1' })
    expect((await getJson(`http://127.0.0.1:${standbyPort}/health`)).body).toMatchObject({
      status: 'standby',
      shard: '1/2',
    })

    const gateway = await mqttClient(nats.nodes[0]!.mqttUrl)
    try {
      for (let k = 0; k < 10; k++) await gateway.publishAsync(...reading('north', k), { qos: 1 })
      await waitFor('the owner to take ten readings', async () => {
        const m = await getJson(`http://127.0.0.1:${ownerPort}/api/v1/meters/W-north`)
        return m.body.readings === 10 ? true : undefined
      })
      await kill9(first)
      // Published while nobody holds the shard: the broker keeps them for the shard's session.
      for (let k = 10; k < 20; k++) await gateway.publishAsync(...reading('north', k), { qos: 1 })
      await waitFor(
        'the standby to take over',
        async () =>
          (await getJson(`http://127.0.0.1:${standbyPort}/health`)).body.status === 'ok' ? true : undefined,
        30_000,
        100,
      )
      const meter = await waitFor('the queued readings', async () => {
        const m = await getJson(`http://127.0.0.1:${standbyPort}/api/v1/meters/W-north`)
        return m.body.readings === 20 ? m.body : undefined
      })
      // The register went on from the owner's state: the last reading's consumption is one litre.
      expect(meter.lastReading.used).toBe(1)
      const [lease] = await db.query('SELECT owner, generation FROM shard_leases WHERE shard = $1', ['1/2'])
      expect(Number(lease!.generation)).toBe(2)
      await stopChild(standby)
      expect(standby.proc.exitCode).toBe(0)
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n--- owner:\n${first.output()}\n--- standby:\n${standby.output()}`,
      )
    } finally {
      await gateway.endAsync()
    }
  }, 120_000)
})
