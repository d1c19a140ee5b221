/**
 * The v1 write path against a real InfluxDB 1.x (Debian's influxd, started here): points land
 * with the schema of CONTRACT.md, and an outage mid-stream loses and duplicates nothing.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetrics } from '../../core/metrics.js'
import { Spool } from '../../ingest/influx/spool.js'
import { V1Transport } from '../../ingest/influx/transport.js'
import { InfluxWriter } from '../../ingest/influx/writer.js'
import { openStore } from '../../store/index.js'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { testLog } from '../helpers/log.js'
import { waitFor } from '../helpers/ports.js'

let influx: Influxd

beforeAll(async () => {
  influx = await startInfluxd()
})
afterAll(async () => {
  await influx?.destroy()
})

function writer(db: string) {
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-v1-'))
  const store = openStore(dir)
  const spool = new Spool(join(dir, 'spool'), store, 1e9)
  spool.open()
  const transport = new V1Transport({ url: influx.url, database: db, timeoutMs: 2000 })
  const w = new InfluxWriter(transport, spool, createMetrics({ defaultMetrics: false }), testLog, {
    batchLines: 500,
    flushIntervalMs: 50,
    quickRetryDelaysMs: [50],
    drainInitialDelayMs: 100,
    drainMaxDelayMs: 500,
    rejectedDir: join(dir, 'refused'),
  })
  return { transport, w, spool }
}

describe('InfluxDB 1.x through /write', () => {
  it('creates the database and writes gzipped batches that read back exactly', async () => {
    const { transport, w } = writer('exact')
    await transport.ensureDatabase()
    await transport.ping()
    const t0 = Date.UTC(2026, 10, 26)
    for (let i = 0; i < 2000; i++) {
      w.write(
        `water,building=main,meter=W${i % 10},school=s volume_m3=${1000 + i / 1000},used_l=1.5 ${t0 + i * 1000}`,
      )
    }
    await w.close()
    expect(await influx.count('exact', 'water', 'volume_m3')).toBe(2000)
    const [series] = await influx.query<[number, number]>('exact', `SELECT sum(used_l) FROM water`)
    expect(series!.values[0]![1]).toBeCloseTo(3000, 6)
    const tags = await influx.query<[string, string]>(
      'exact',
      'SHOW TAG VALUES FROM water WITH KEY = "meter"',
    )
    expect(tags[0]!.values).toHaveLength(10)
  })

  it('refuses nothing silently: a bad database name surfaces as an error to retry, not a loss', async () => {
    const transport = new V1Transport({ url: influx.url, database: 'never-created', timeoutMs: 2000 })
    await expect(transport.write(['m v=1 1'])).rejects.toMatchObject({ status: 404, retryable: true })
  })

  it('malformed lines are refused as not retryable', async () => {
    const transport = new V1Transport({ url: influx.url, database: 'exact', timeoutMs: 2000 })
    await expect(transport.write(['this is not line protocol'])).rejects.toMatchObject({
      status: 400,
      retryable: false,
    })
  })

  it('InfluxDB stopped mid-stream and restarted: every reading is there exactly once', async () => {
    const { transport, w, spool } = writer('outage')
    await transport.ensureDatabase()
    const t0 = Date.UTC(2026, 10, 26)
    let sent = 0
    const send = (n: number) => {
      for (let i = 0; i < n; i++, sent++) {
        w.write(
          `electricity,building=b,meter=E${sent % 7},school=s energy_kwh=${sent},used_kwh=1 ${t0 + sent * 10}`,
        )
      }
    }
    send(3000)
    await w.flush()
    await influx.stop()
    // Keep writing through the outage, in several batches.
    for (let k = 0; k < 5; k++) {
      send(1000)
      await w.flush()
    }
    await waitFor('spooled during the outage', () => spool.stats().lines > 0 || undefined)
    expect(w.status().state).toBe('down')
    await influx.start()
    send(2000)
    await waitFor(
      'spool drained',
      () => (spool.stats().lines === 0 && w.status().state === 'up') || undefined,
      20_000,
    )
    await w.close()
    expect(sent).toBe(10_000)
    expect(await influx.count('outage', 'electricity', 'energy_kwh')).toBe(10_000)
    const [series] = await influx.query<[number, number]>('outage', 'SELECT sum(used_kwh) FROM electricity')
    expect(series!.values[0]![1]).toBe(10_000)
  })
})
