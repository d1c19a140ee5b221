import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../../core/metrics.js'
import { Spool } from '../../ingest/influx/spool.js'
import { type LineTransport, WriteError } from '../../ingest/influx/transport.js'
import { InfluxWriter, type WriterOptions } from '../../ingest/influx/writer.js'
import { openStore } from '../../store/index.js'
import { testLog } from '../helpers/log.js'
import { waitFor } from '../helpers/ports.js'

/** A transport whose availability the test controls; it records what it was sent. */
class SwitchableTransport implements LineTransport {
  readonly api = 'v1' as const
  readonly target = 'test transport'
  up = true
  refuse = false
  batches: string[][] = []
  attempts = 0
  async write(lines: string[]): Promise<void> {
    this.attempts++
    await new Promise((r) => setImmediate(r))
    if (this.refuse) throw new WriteError('InfluxDB answered 400: unable to parse', 400, false)
    if (!this.up) throw new WriteError('cannot reach InfluxDB: ECONNREFUSED', undefined, true)
    this.batches.push([...lines])
  }
  async ping(): Promise<void> {}
  delivered(): string[] {
    return this.batches.flat()
  }
}

function setup(
  options: Partial<WriterOptions> = {},
  maxSpoolBytes = 1e9,
  dir = mkdtempSync(join(tmpdir(), 'schoolmeter-writer-')),
) {
  const store = openStore(dir)
  const spool = new Spool(join(dir, 'spool'), store, maxSpoolBytes)
  spool.open()
  const transport = new SwitchableTransport()
  const metrics = createMetrics({ defaultMetrics: false })
  const writer = new InfluxWriter(transport, spool, metrics, testLog, {
    batchLines: 10,
    flushIntervalMs: 20,
    quickRetryDelaysMs: [5, 5],
    drainInitialDelayMs: 10,
    drainMaxDelayMs: 40,
    rejectedDir: join(dir, 'spool', 'refused'),
    ...options,
  })
  writer.start()
  return { dir, store, spool, transport, metrics, writer }
}

const lines = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `m,meter=a v=${from + i} ${from + i}`)
const metric = async (m: ReturnType<typeof createMetrics>, name: string) =>
  (await m.registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#'))

describe('InfluxWriter', () => {
  it('cuts a batch at batchLines, and a partial one after the flush interval', async () => {
    const { transport, writer } = setup({ flushIntervalMs: 400 })
    for (const l of lines(25)) writer.write(l)
    // Two full batches leave at once; the last five wait for the interval.
    await waitFor('two batches', () => transport.batches.length >= 2 || undefined)
    expect(transport.batches.map((b) => b.length)).toEqual([10, 10])
    await waitFor('the partial batch', () => transport.batches.length === 3 || undefined)
    expect(transport.batches[2]).toHaveLength(5)
    expect(transport.delivered()).toEqual(lines(25))
    await writer.close()
  })

  it('spools while InfluxDB is down and delivers every line exactly once when it returns', async () => {
    const { transport, writer, spool, metrics } = setup()
    transport.up = false
    for (const l of lines(95)) writer.write(l)
    await writer.flush()
    await waitFor('everything spooled', () => spool.stats().lines === 95 || undefined)
    expect(writer.status().state).toBe('down')
    expect(writer.status().lastError).toMatch(/ECONNREFUSED/)
    // While down, new batches go straight to disk without trying InfluxDB.
    const attempts = transport.attempts
    for (const l of lines(10, 95)) writer.write(l)
    await writer.flush()
    expect(spool.stats().lines).toBe(105)
    transport.up = true
    await waitFor('drained', () => (spool.stats().lines === 0 && writer.status().state === 'up') || undefined)
    expect(transport.attempts).toBeGreaterThan(attempts)
    expect(transport.delivered().sort()).toEqual(lines(105).sort())
    expect(await metric(metrics, 'schoolmeter_influx_lines_written_total')).toEqual([
      'schoolmeter_influx_lines_written_total 105',
    ])
    expect(readdirSync(spool.dir).filter((f) => f.endsWith('.lp'))).toEqual([])
    await writer.close()
  })

  it('keeps batches InfluxDB refuses as malformed in a file and does not retry them', async () => {
    const { transport, writer, spool, dir, metrics } = setup()
    transport.refuse = true
    for (const l of lines(3)) writer.write(l)
    await writer.flush()
    expect(transport.attempts).toBe(1)
    expect(spool.stats().lines).toBe(0)
    const refused = readdirSync(join(dir, 'spool', 'refused'))
    expect(refused).toHaveLength(1)
    const text = readFileSync(join(dir, 'spool', 'refused', refused[0]!), 'utf8')
    expect(text).toContain('# InfluxDB answered 400')
    expect(text).toContain(lines(3).join('\n'))
    expect(await metric(metrics, 'schoolmeter_influx_dropped_lines_total')).toEqual([
      'schoolmeter_influx_dropped_lines_total{reason="refused"} 3',
    ])
    await writer.close()
  })

  it('on close while InfluxDB is down, spools what is buffered; the next start replays it', async () => {
    const first = setup()
    first.transport.up = false
    for (const l of lines(7)) first.writer.write(l)
    await first.writer.close()
    expect(first.spool.stats().lines).toBe(7)
    await first.store.close()

    const second = setup({}, 1e9, first.dir)
    expect(second.spool.stats().lines).toBe(7)
    await waitFor('replayed', () => second.spool.stats().lines === 0 || undefined)
    expect(second.transport.delivered()).toEqual(lines(7))
    await second.writer.close()
  })

  it('when the spool is full, keeps every line in memory, signals back-pressure, and a barrier waits', async () => {
    // The writer's timers (flushes, quick retries, the drain's back-off) run on the test's clock.
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate'],
    })
    try {
      const { transport, writer, spool } = setup({ maxQueuedLines: 20 }, 1024 * 1024)
      Object.defineProperty(spool, 'maxBytes', { value: 100 })
      const pressure: boolean[] = []
      writer.onPressure((on) => pressure.push(on))
      transport.up = false
      for (const l of lines(50)) writer.write(l)
      let barrierDone = false
      const barrier = writer.barrier().then(() => {
        barrierDone = true
      })
      const flushed = writer.flush()
      await vi.advanceTimersByTimeAsync(50)
      await flushed
      // Nothing is dropped: every line is held, and the writer asks the broker to stop reading.
      await vi.waitFor(() => expect(writer.status().queuedLines).toBe(50))
      expect(spool.stats().lines).toBe(0)
      expect(writer.underPressure).toBe(true)
      expect(pressure).toEqual([true])
      // The drain loop backs off on the memory queue as it does on the spool: a second of its
      // clock at 40 ms at most between tries is some 25 tries, not thousands.
      const attempts = transport.attempts
      await vi.advanceTimersByTimeAsync(1000)
      expect(transport.attempts - attempts).toBeGreaterThan(10)
      expect(transport.attempts - attempts).toBeLessThanOrEqual(1000 / 30)
      // A checkpoint cannot pass lines that are only in memory.
      expect(barrierDone).toBe(false)
      transport.up = true
      await vi.waitFor(() => {
        expect(writer.status().queuedLines).toBe(0)
        expect(writer.status().state).toBe('up')
      })
      await barrier
      expect(writer.underPressure).toBe(false)
      expect(pressure).toEqual([true, false])
      const closed = writer.close()
      await vi.advanceTimersByTimeAsync(100)
      await closed
      // Batches may go out in another order than written; InfluxDB does not mind.
      expect([...transport.delivered()].sort()).toEqual([...lines(50)].sort())
    } finally {
      vi.useRealTimers()
    }
  })

  it('a barrier resolves once earlier lines are in InfluxDB or the spool', async () => {
    const { transport, writer, spool } = setup({}, 1024 * 1024)
    for (const l of lines(5)) writer.write(l)
    await writer.barrier()
    expect(transport.delivered()).toEqual(lines(5))
    transport.up = false
    for (const l of lines(3)) writer.write(l)
    await writer.barrier()
    expect(spool.stats().lines).toBe(3)
    transport.up = true
    await writer.close()
  })
})

describe('Spool', () => {
  it('adopts segment files that were written but not indexed, and forgets index rows without files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-spool-'))
    const store = openStore(dir)
    const spool = new Spool(join(dir, 'spool'), store, 1e9)
    spool.open()
    expect(spool.append(['a 1', 'a 2'])).toBe(true)
    writeFileSync(join(dir, 'spool', '00000000000001-1-000000.lp'), 'b 1\nb 2\nb 3')
    writeFileSync(join(dir, 'spool', 'half-written.lp.tmp'), 'c 1')
    store.spool.add('gone.lp', 4, 40)
    const reopened = new Spool(join(dir, 'spool'), store, 1e9)
    expect(reopened.open()).toEqual({ segments: 2, lines: 5, adopted: 1, forgotten: 1 })
    expect(existsSync(join(dir, 'spool', 'half-written.lp.tmp'))).toBe(false)
    const first = reopened.oldest()!
    reopened.remove(first.segment)
    expect(reopened.oldest()!.lines.length + first.lines.length).toBe(5)
  })

  it('refuses to grow past its bound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-spool-'))
    const spool = new Spool(join(dir, 'spool'), openStore(dir), 20)
    spool.open()
    expect(spool.append(['0123456789'])).toBe(true)
    expect(spool.append(['0123456789abc'])).toBe(false)
    expect(spool.stats()).toEqual({ segments: 1, lines: 1, bytes: 10 })
  })
})
