/**
 * Checkpoints written a slice at a time while readings keep arriving: after a crash, the state
 * restored from the committed checkpoint plus the journal replayed from it is exactly the state
 * of a service that never crashed — no reading lost or applied twice by registers, last-reading
 * status or rules, for meters with registers (water) and without (temperature). Real SQLite,
 * real journal files; the pipeline wired as ingest/service.ts wires it.
 */
import { cpSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { Bus } from '../../core/bus.js'
import { parseConfig } from '../../core/config/load.js'
import { createMetrics } from '../../core/metrics.js'
import type { Registry } from '../../core/registry.js'
import { Admission, CHECKPOINT_KEY, Checkpoints, replayJournal } from '../../ingest/durability.js'
import { DEFAULT_LIMITS, Ingest } from '../../ingest/index.js'
import { Journal } from '../../ingest/journal.js'
import { Router } from '../../notify/index.js'
import { AlertManager, RuleEngine } from '../../rules/index.js'
import { openStore, type Store } from '../../store/index.js'

const WATER = 3000
const ROOMS = 1500
const MIN = 60_000
const T0 = Date.UTC(2026, 10, 2, 0, 0) // a Monday, 08:00 in Shanghai

function registry(): Registry {
  const meters: Record<string, unknown>[] = []
  for (let i = 0; i < WATER; i++) meters.push({ id: `W${i}`, kind: 'water', intervalSeconds: 60 })
  for (let i = 0; i < ROOMS; i++)
    meters.push({ id: `T${i}`, kind: 'temperature', placement: 'room', intervalSeconds: 60 })
  const config = {
    schools: [
      {
        id: 'big',
        name: 'Big School',
        timezone: 'Asia/Shanghai',
        buildings: [{ id: 'main', use: 'teaching', meters }],
      },
    ],
  }
  return parseConfig(JSON.stringify(config), 'checkpoints.json').registry
}

/** The service's parts on one data directory. */
async function service(reg: Registry, dir: string) {
  const store = openStore(dir)
  const log = pino({ level: 'silent' })
  const metrics = createMetrics({ defaultMetrics: false })
  const bus = new Bus()
  const ingest = new Ingest({
    registry: reg,
    store,
    bus,
    metrics,
    log,
    watermarkMs: 3_600_000,
    limits: DEFAULT_LIMITS,
    snapshotIntervalMs: 0,
  })
  const alerts = new AlertManager({
    registry: reg,
    store,
    router: new Router({ registry: reg, email: false }),
    bus,
    log,
    metrics,
  })
  const engine = new RuleEngine({
    registry: reg,
    store,
    bus,
    alerts,
    log,
    metrics,
    now: () => T0,
    lastReceivedAt: (id) => ingest.status(id)?.lastReceivedAt,
    snapshotIntervalMs: 0,
  })
  store.meterState.discardUncommitted()
  ingest.start()
  await engine.start()
  const journal = new Journal(join(dir, 'journal'))
  const seq = store.meta.getNumber(CHECKPOINT_KEY)
  journal.open(seq)
  const replayed = replayJournal(journal, ingest, seq, { seq: 0, active: false })
  const checkpoints = new Checkpoints({
    store,
    journal,
    parts: [ingest, engine],
    settled: () => alerts.idle(),
    metrics,
    log,
    intervalMs: 3_600_000,
    maxJournalBytes: 1024 ** 3,
    admission: new Admission(metrics, log),
  })
  /** What ingest/service.ts does with a message. */
  const receive = (topic: string, payload: string, at: number) => {
    const buf = Buffer.from(payload)
    if (ingest.handle(topic, buf, at).decoded > 0) journal.append(topic, buf, at)
  }
  /** Every meter's saved state, as the store would have it after a checkpoint of everything. */
  const everything = () => {
    const out = new Map<string, string>()
    for (const part of ['ingest', 'rules'])
      for (const [id, json] of store.meterState.load(part)) out.set(`${part}/${id}`, json)
    return out
  }
  return { store, ingest, engine, alerts, journal, checkpoints, receive, replayed, everything }
}

/**
 * Round k: every meter once, water meters first; water flowing now and then (without a pause on
 * every seventh meter). `reverse`: each kind's meters last to first.
 */
function* round(k: number, reverse: boolean): Generator<[string, string, number]> {
  const ts = T0 + k * MIN
  for (let n = 0; n < WATER + ROOMS; n++) {
    const i = !reverse ? n : n < WATER ? WATER - 1 - n : WATER + (WATER + ROOMS - 1 - n)
    if (i < WATER) {
      const litres = i % 7 === 0 ? 6 * k : 2.5 * Math.floor((k + (i % 10)) / 10)
      const flow = i % 7 === 0 ? 6 : (k + i) % 10 === 0 ? 2.5 : 0
      yield [
        `schools/big/meters/W${i}`,
        `{"ts":${ts},"volume_m3":${100 + litres / 1000},"flow_lpm":${flow}}`,
        ts + 1,
      ]
    } else {
      const t = i - WATER
      yield [`schools/big/meters/T${t}`, `{"ts":${ts},"temp_c":${18 + ((t + k) % 9) / 2}}`, ts + 1]
    }
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('checkpoints in slices', () => {
  it('restore + replay after a crash equals the state of a service that never crashed', async () => {
    const reg = registry()
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-checkpoints-'))
    const a = await service(reg, dir)
    for (let k = 1; k <= 3; k++) for (const [t, p, at] of round(k, false)) a.receive(t, p, at)

    // A checkpoint of 4,500 changed meters, written in slices; meanwhile the next rounds arrive,
    // in reverse order, so that meters still waiting to be written change first.
    const cp = a.checkpoints.run()
    let during = 0
    let n = 0
    for (let k = 4; k <= 5; k++)
      for (const [t, p, at] of round(k, true)) {
        a.receive(t, p, at)
        if (++n % 500 === 0) {
          await tick()
          during++
        }
      }
    await cp
    const committed = a.store.meterState.committed
    expect(committed).toBeGreaterThan(0)
    expect(a.store.meta.getNumber(CHECKPOINT_KEY)).toBeGreaterThan(0)
    // The readings did arrive while the checkpoint was being written (it yields between slices).
    expect(during).toBeGreaterThan(3)

    // More readings after the checkpoint, journalled only; then the process dies.
    for (const [t, p, at] of round(6, false)) a.receive(t, p, at)
    a.journal.write()
    const crashed = mkdtempSync(join(tmpdir(), 'schoolmeter-checkpoints-crash-'))
    cpSync(dir, crashed, { recursive: true })

    // The service that never crashed saves everything it holds.
    await a.checkpoints.run()
    const expected = a.everything()
    expect(expected.size).toBe(2 * (WATER + ROOMS))

    const b = await service(reg, crashed)
    expect(b.replayed.messages).toBe(3 * (WATER + ROOMS))
    await b.checkpoints.run()
    const got = b.everything()
    let differing = 0
    for (const [key, json] of expected) if (got.get(key) !== json) differing++
    expect(differing).toBe(0)
    expect(got.size).toBe(expected.size)
    // Every reading counted once: six per meter.
    for (const id of ['W0', 'W2999', 'T0', 'T1499']) expect(b.ingest.status(id)?.readings).toBe(6)
    // Replaced generations were pruned: one row per meter and part.
    expect(b.store.db.prepare('SELECT count(*) FROM meter_state').pluck().get()).toBe(2 * (WATER + ROOMS))
    for (const s of [a, b] as { store: Store; alerts: AlertManager; journal: Journal }[]) {
      s.journal.close()
      await s.alerts.idle()
      await s.store.close()
    }
  }, 60_000)

  it('a checkpoint SQLite refuses keeps what it serialised; the next one writes and commits it', async () => {
    const reg = registry()
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-checkpoints-locked-'))
    const a = await service(reg, dir)
    a.store.db.pragma('busy_timeout = 20')
    for (let k = 1; k <= 2; k++) for (const [t, p, at] of round(k, false)) a.receive(t, p, at)
    await a.checkpoints.run()
    const first = a.store.meterState.committed
    for (const [t, p, at] of round(3, false)) a.receive(t, p, at)

    // Another process holds the write lock for the whole checkpoint.
    const other = new Database(join(dir, 'schoolmeter.db'))
    other.exec('BEGIN IMMEDIATE')
    await a.checkpoints.run()
    expect(a.store.meterState.committed).toBe(first)
    other.exec('ROLLBACK')
    other.close()

    // Round 3 is only in the failed checkpoint's capture (and the journal); round 4, after it,
    // reaches the temperature meters only.
    for (const [t, p, at] of round(4, true)) if (t.includes('/T')) a.receive(t, p, at)
    await a.checkpoints.run()
    expect(a.store.meterState.committed).toBeGreaterThan(first)
    a.journal.write()
    const crashed = mkdtempSync(join(tmpdir(), 'schoolmeter-checkpoints-locked-crash-'))
    cpSync(dir, crashed, { recursive: true })
    const expected = a.everything()

    // Nothing was left to replay, and what was saved is everything.
    const b = await service(reg, crashed)
    expect(b.replayed.messages).toBe(0)
    const got = b.everything()
    expect(got.size).toBe(expected.size)
    let differing = 0
    for (const [key, json] of expected) if (got.get(key) !== json) differing++
    expect(differing).toBe(0)
    // The state restored is the state in memory: round 3 of the water meters, too.
    for (let i = 0; i < WATER; i++) expect(b.ingest.status(`W${i}`)).toEqual(a.ingest.status(`W${i}`))
    expect(b.ingest.status('W7')?.readings).toBe(3)
    expect(b.ingest.status('T7')?.readings).toBe(4)
    for (const s of [a, b] as { store: Store; alerts: AlertManager; journal: Journal }[]) {
      s.journal.close()
      await s.alerts.idle()
      await s.store.close()
    }
  }, 60_000)
})
