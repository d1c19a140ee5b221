/**
 * Nothing acknowledged is lost when things break: the service runs as a real process against a
 * real influxd, gateways publish at QoS 1, and the service is killed, InfluxDB stopped, the spool
 * filled, SQLite locked. Each fault lasts until the service shows it (readings piling up in the
 * spool, publishers held back, a checkpoint failing on the lock), never for a set time. Each case
 * prints a FAULT line with its figures. `npm run soak` runs the same cases longer (SOAK=1: InfluxDB
 * down for some 3 minutes' worth of readings, more readings).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { connectAsync, type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Child, kill9, killChildren, QosLoad, startChild, stopChild } from '../helpers/child.js'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { bulkConfig } from '../helpers/registry.js'
import { metricValue } from '../helpers/service.js'

const SOAK = process.env.SOAK === '1'
const METERS = Array.from({ length: 20 }, (_, i) => `BW${i}`)
const SCHOOL = 'bulk-school'

let influx: Influxd
beforeAll(async () => {
  influx = await startInfluxd()
}, 60_000)
afterEach(() => killChildren())
afterAll(async () => {
  await influx?.destroy()
})

async function setup(db: string, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), `schoolmeter-${db}-`))
  writeFileSync(join(dir, 'district.yaml'), bulkConfig(METERS.length, SCHOOL))
  const env = {
    CONFIG: join(dir, 'district.yaml'),
    DATA_DIR: dir,
    DEMO: '0',
    HTTP_PORT: String(await freePort()),
    MQTT_PORT: String(await freePort()),
    INFLUX_URL: influx.url,
    INFLUX_DATABASE: db,
    INFLUX_FLUSH_MS: '200',
    INFLUX_TIMEOUT_MS: '2000',
    CHECKPOINT_SECONDS: '1',
    MQTT_MAX_MESSAGES_PER_SECOND: '0',
    ...extra,
  }
  return { dir, env, api: `http://127.0.0.1:${env.HTTP_PORT}`, mqtt: `mqtt://127.0.0.1:${env.MQTT_PORT}` }
}

function gateway(url: string, id: string): Promise<MqttClient> {
  return connectAsync(url, { clientId: id, clean: false, reconnectPeriod: 200, connectTimeout: 2000 })
}

/** Every reading sent is in InfluxDB once, and each meter's consumption adds up to its register. */
async function checkStored(db: string, load: QosLoad) {
  const stored = await waitFor(
    'every reading in InfluxDB',
    async () => {
      const n = await influx.count(db, 'water', 'volume_m3')
      return n === load.sent ? n : undefined
    },
    120_000,
    250,
  )
  const sums = await influx.query<[number, number]>(db, 'SELECT sum("used_l") FROM "water" GROUP BY "meter"')
  for (const meter of METERS) {
    const s = sums.find((x) => (x as unknown as { tags: { meter: string } }).tags.meter === meter)
    const expected = load.perMeter(meter) - 1
    expect(Math.round(s?.values[0]?.[1] ?? 0), `litres counted on ${meter}`).toBe(expected)
  }
  return stored
}

function report(fault: string, figures: Record<string, unknown>) {
  console.log(`FAULT ${JSON.stringify({ fault, ...figures })}`)
}

async function metrics(api: string): Promise<string> {
  return (await fetch(`${api}/metrics`)).text()
}

describe('acknowledged means durable', () => {
  it('SIGKILL under QoS 1 load: every acknowledged reading survives, resent ones are stored once', async () => {
    const db = 'crash'
    // Twenty thousand readings are enough for two kills well inside the load, each with a window of
    // unacknowledged publishes in flight; the soak sends ten times as many.
    const total = SOAK ? 200_000 : 20_000
    const { env, mqtt } = await setup(db)
    let child: Child = await startChild(env)
    const client = await gateway(mqtt, 'gw-crash')
    const load = new QosLoad(client, SCHOOL, METERS)
    const running = load.run(total)
    const kills: number[] = []
    for (const share of [0.3, 0.6]) {
      await waitFor('load', () => (load.acked >= total * share ? true : undefined), 120_000, 20)
      kills.push(load.acked)
      await kill9(child)
      child = await startChild(env)
    }
    await running
    await load.settle()
    expect(load.failed).toBe(0)
    expect(load.acked).toBe(total)
    const stored = await checkStored(db, load)
    const m = await metrics(`http://127.0.0.1:${env.HTTP_PORT}`)
    report('service killed with SIGKILL twice under QoS 1 load', {
      sent: load.sent,
      ackedAtKills: kills,
      stored,
      ackedButLost: load.sent - stored,
      duplicatesStored: 0,
      duplicatesDropped: metricValue(m, 'schoolmeter_readings_duplicate_total'),
    })
    await client.endAsync()
    await stopChild(child)
  }, 240_000)

  it('InfluxDB stopped under load and restarted: nothing lost, nothing doubled', async () => {
    const db = 'influxdown'
    const rate = 2000
    // InfluxDB stays down until this many lines wait in the spool: 5 s of readings (3 minutes' soaking).
    const spoolTarget = SOAK ? 180 * rate : 5 * rate
    const total = spoolTarget + 10 * rate
    const { env, api, mqtt } = await setup(db)
    const child = await startChild(env)
    const client = await gateway(mqtt, 'gw-influx')
    const load = new QosLoad(client, SCHOOL, METERS)
    const running = load.run(total, rate)
    await waitFor('readings stored before the outage', async () =>
      (await influx.count(db, 'water', 'volume_m3').catch(() => 0)) > rate ? true : undefined,
    )
    await influx.stop()
    const stoppedAt = load.acked
    const downFrom = performance.now()
    let spooled = 0
    try {
      await waitFor(
        'health to report InfluxDB down',
        async () => ((await fetch(`${api}/health`)).status === 503 ? true : undefined),
        30_000,
      )
      spooled = await waitFor(
        `${spoolTarget} lines in the spool`,
        async () => {
          const n = metricValue(await metrics(api), 'schoolmeter_spool_lines')
          return n >= spoolTarget ? n : undefined
        },
        SOAK ? 600_000 : 120_000,
        250,
      )
    } finally {
      await influx.start()
    }
    const downSeconds = Math.round((performance.now() - downFrom) / 1000)
    await running
    await load.settle()
    expect(load.acked).toBe(total)
    const stored = await checkStored(db, load)
    expect(metricValue(await metrics(api), 'schoolmeter_spool_lines')).toBe(0)
    report(`InfluxDB stopped for ${downSeconds} s under ${rate} readings/s QoS 1`, {
      sent: load.sent,
      ackedWhenStopped: stoppedAt,
      spooledLinesAtRestart: spooled,
      stored,
      ackedButLost: load.sent - stored,
      duplicatesStored: 0,
    })
    await client.endAsync()
    await stopChild(child)
  }, 600_000)

  it('spool full while InfluxDB is down: publishers are held back, nothing dropped, all delivered later', async () => {
    const db = 'spoolfull'
    const total = 30_000
    const { env, api, mqtt } = await setup(db, {
      SPOOL_MAX_BYTES: String(1024 * 1024),
      INFLUX_MAX_QUEUED_LINES: '2000',
      INFLUX_BATCH_LINES: '500',
    })
    const child = await startChild(env)
    await influx.stop()
    const client = await gateway(mqtt, 'gw-spool')
    const load = new QosLoad(client, SCHOOL, METERS)
    const running = load.run(total)
    // The memory queue also fills for a moment before InfluxDB is known to be down; the spool
    // being full as well is the state under test.
    await waitFor(
      'a full spool and back-pressure',
      async () => {
        const m = await metrics(api)
        const full = metricValue(m, 'schoolmeter_spool_bytes') > 1024 * 1024 - 128 * 1024
        return full && metricValue(m, 'schoolmeter_writer_backpressure') === 1 ? true : undefined
      },
      120_000,
      200,
    ).catch(async (err) => {
      await influx.start()
      throw err
    })
    // Held back: acknowledgements stop while the service stays up and says why. The gateway's
    // whole window of unacknowledged publishes waits, with no acknowledgement between two looks.
    const held = load.acked
    let rssMiB = 0
    try {
      let last = -1
      await waitFor(
        'every publish of the window held',
        () => {
          const still = load.inFlight === load.window && load.acked === last
          last = load.acked
          return still ? true : undefined
        },
        60_000,
        200,
      )
      expect(load.acked - held).toBeLessThan(1000)
      expect(load.acked).toBeLessThan(total)
      const health = await fetch(`${api}/health`)
      expect(health.status).toBe(503)
      const m = await metrics(api)
      rssMiB = Math.round(metricValue(m, 'schoolmeter_process_resident_memory_bytes') / 2 ** 20)
      expect(rssMiB).toBeGreaterThan(0)
      expect(rssMiB).toBeLessThan(400)
    } finally {
      await influx.start()
    }
    await running
    await load.settle()
    expect(load.acked).toBe(total)
    const stored = await checkStored(db, load)
    const after = await metrics(api)
    expect(metricValue(after, 'schoolmeter_influx_dropped_lines_total{reason="spool_full"}')).toBe(0)
    report('spool full (1 MiB) and InfluxDB down under QoS 1 load', {
      sent: load.sent,
      ackedWhileHeld: held,
      rssMiBWhileHeld: rssMiB,
      stored,
      ackedButLost: load.sent - stored,
      duplicatesStored: 0,
    })
    await client.endAsync()
    await stopChild(child)
  }, 300_000)

  it('SQLite locked by another process for longer than the busy timeout: no crash, nothing lost', async () => {
    const db = 'sqlitebusy'
    const total = 20_000
    const { env, api, dir, mqtt } = await setup(db)
    const child = await startChild(env)
    const client = await gateway(mqtt, 'gw-busy')
    const load = new QosLoad(client, SCHOOL, METERS)
    const running = load.run(total, 2000)
    await waitFor('some readings', () => (load.acked >= 2000 ? true : undefined), 60_000, 20)
    // Another process takes the write lock (a backup, a person with the sqlite3 shell) and holds
    // it until the service has waited out the busy timeout and said so in its log.
    const other = new Database(join(dir, 'schoolmeter.db'))
    other.exec('BEGIN IMMEDIATE')
    other.prepare("INSERT INTO meta (key, value, updated_at) VALUES ('lock-holder', 'test', 0)").run()
    const lockedFrom = performance.now()
    const busyBefore = child.output().split('SQLITE_BUSY').length
    try {
      await waitFor(
        'the service to meet the lock (SQLITE_BUSY in its log)',
        () => (child.output().split('SQLITE_BUSY').length > busyBefore ? true : undefined),
        60_000,
        250,
      )
    } finally {
      other.exec('COMMIT')
      other.close()
    }
    const lockedSeconds = Math.round((performance.now() - lockedFrom) / 1000)
    const okAtUnlock = metricValue(await metrics(api), 'schoolmeter_checkpoints_total{result="ok"}')
    await running
    await load.settle()
    expect(load.acked).toBe(total)
    const stored = await checkStored(db, load)
    await waitFor(
      'a checkpoint after the lock',
      async () =>
        metricValue(await metrics(api), 'schoolmeter_checkpoints_total{result="ok"}') > okAtUnlock
          ? true
          : undefined,
      30_000,
    )
    const m = await metrics(api)
    expect(child.proc.exitCode).toBeNull()
    report(`SQLite write-locked by another process for ${lockedSeconds} s under QoS 1 load`, {
      sent: load.sent,
      stored,
      ackedButLost: load.sent - stored,
      duplicatesStored: 0,
      checkpointsFailed: metricValue(m, 'schoolmeter_checkpoints_total{result="failed"}'),
      serviceErrors: child
        .output()
        .split('\n')
        .filter((l) => l.includes('"level":50'))
        .map((l) => JSON.parse(l).msg),
    })
    await client.endAsync()
    await stopChild(child)
  }, 300_000)
})
