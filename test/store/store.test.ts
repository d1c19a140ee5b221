import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../store/db.js'
import { type AlertRow, openStore } from '../../store/index.js'
import { MIGRATIONS } from '../../store/migrations.js'
import { testRegistry } from '../helpers/registry.js'

const tempDir = () => mkdtempSync(join(tmpdir(), 'schoolmeter-store-'))

/** An open alert of a rule on a meter, as the alert lifecycle writes it. */
const alert = (rule: string, meter: string): Omit<AlertRow, 'id'> => ({
  key: `${rule}|${meter}`,
  school: 'a',
  building: 'b',
  meter,
  rule,
  severity: 'warning',
  status: 'open',
  openedAt: 1,
  lastSeenAt: 1,
  falsePositive: false,
  message: 'night flow',
  evidence: {},
})

describe('store', () => {
  it('creates the database in DATA_DIR and migrates it to the latest version', async () => {
    const dir = tempDir()
    const store = openStore(dir)
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
    await store.close()
    // Re-opening is a no-op migration.
    const again = openStore(dir)
    expect(again.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    await again.close()
  })

  it('refuses a database from a newer schoolmeter', async () => {
    const dir = tempDir()
    const raw = new Database(join(dir, 'schoolmeter.db'))
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`)
    await raw.close()
    expect(() => openDatabase(dir)).toThrow(/newer than this schoolmeter/)
  })

  it('mirrors the registry and replaces it on the next sync', async () => {
    const store = openStore(':memory:')
    const registry = testRegistry()
    await store.registry.sync(registry)
    expect(await store.registry.counts()).toEqual({ schools: 2, buildings: 2, spaces: 1, meters: 7 })
    const row = store.db.prepare("SELECT kind, parent_id, space_id FROM meters WHERE id = 'W2'").get()
    expect(row).toEqual({ kind: 'water', parent_id: 'W1', space_id: null })
    await store.registry.sync(
      testRegistry(`
schools:
  - id: only
    name: Only
    buildings: [{ id: b, use: office, meters: [{ id: X, kind: heat }] }]
`),
    )
    expect(await store.registry.counts()).toEqual({ schools: 1, buildings: 1, spaces: 0, meters: 1 })
  })

  it('saves per-meter state by generation: rows count once their generation is committed', async () => {
    const dir = tempDir()
    const store = openStore(dir)
    const st = store.meterState
    expect(
      st.save('ingest', [
        ['W1', '{"r":1}'],
        ['E1', '{"r":2}'],
      ]),
    ).toBe(2)
    expect(st.save('rules', [['W1', '{"x":1}']])).toBe(1)
    // A checkpoint under way: written, not committed — invisible, also after a restart.
    const g = st.next()
    st.stage('ingest', g, [['W1', '{"r":3}']])
    st.stage('ingest', g, [['N1', '{"r":4}']])
    expect(Object.fromEntries(st.load('ingest'))).toEqual({ W1: '{"r":1}', E1: '{"r":2}' })
    await store.close()
    const again = openStore(dir)
    expect(Object.fromEntries(again.meterState.load('ingest'))).toEqual({ W1: '{"r":1}', E1: '{"r":2}' })
    expect(Object.fromEntries(again.meterState.load('rules'))).toEqual({ W1: '{"x":1}' })
    // Nothing new is written over the old generation, and a crash's leftovers can be dropped.
    expect(again.meterState.next()).toBeGreaterThan(g)
    expect(again.meterState.discardUncommitted()).toBe(2)
    const count = () => again.db.prepare('SELECT count(*) FROM meter_state').pluck().get()
    expect(count()).toBe(3)
    // Committing makes the newest row of each meter count; pruning drops what it replaced.
    const g2 = again.meterState.next()
    again.meterState.stage('ingest', g2, [['W1', '{"r":5}']])
    again.meterState.commit(g2)
    expect(Object.fromEntries(again.meterState.load('ingest'))).toEqual({ W1: '{"r":5}', E1: '{"r":2}' })
    expect(count()).toBe(4)
    again.meterState.prune('ingest', g2, ['W1'])
    expect(count()).toBe(3)
    expect(Object.fromEntries(again.meterState.load('ingest'))).toEqual({ W1: '{"r":5}', E1: '{"r":2}' })
    await again.close()
  })

  it('carries register, status and rule state of a version-5 database over into meter_state', async () => {
    const dir = tempDir()
    const raw = new Database(join(dir, 'schoolmeter.db'))
    for (let v = 0; v < 5; v++) raw.exec(MIGRATIONS[v]!)
    raw.pragma('user_version = 5')
    raw.prepare("INSERT INTO register_state VALUES ('W1', '{\"r\":[1,2,3,4]}', 1)").run()
    raw.prepare("INSERT INTO register_state VALUES ('W2', '{\"r\":[]}', 1)").run()
    raw.prepare("INSERT INTO meter_status VALUES ('W1', 10, 11, '{\"volume_m3\":1}', 1, 2, 3)").run()
    raw.prepare("INSERT INTO meter_status VALUES ('T1', 20, 21, '{\"temp_c\":19.5}', 0, NULL, 4)").run()
    raw
      .prepare('INSERT INTO rule_state VALUES (\'W1\', \'water.night_flow\', \'{"s":{"n":1},"a":true}\', 1)')
      .run()
    raw.prepare("INSERT INTO rule_state VALUES ('W1', 'meter.offline', '{\"s\":null,\"a\":false}', 1)").run()
    await raw.close()
    const store = openStore(dir)
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    const ingest = Object.fromEntries(
      [...store.meterState.load('ingest')].map(([id, json]) => [id, JSON.parse(json)]),
    )
    expect(ingest).toEqual({
      W1: {
        r: { r: [1, 2, 3, 4] },
        s: {
          lastTs: 10,
          lastReceivedAt: 11,
          lastValues: { volume_m3: 1 },
          lastEstimated: true,
          lastUsed: 2,
          readings: 3,
        },
      },
      W2: { r: { r: [] } },
      T1: {
        s: {
          lastTs: 20,
          lastReceivedAt: 21,
          lastValues: { temp_c: 19.5 },
          lastEstimated: false,
          readings: 4,
        },
      },
    })
    const rules = Object.fromEntries(
      [...store.meterState.load('rules')].map(([id, json]) => [id, JSON.parse(json)]),
    )
    expect(rules).toEqual({
      W1: { 'water.night_flow': { s: { n: 1 }, a: true }, 'meter.offline': { s: null, a: false } },
    })
    for (const gone of ['register_state', 'meter_status', 'rule_state'])
      expect(store.db.prepare('SELECT count(*) FROM sqlite_master WHERE name = ?').pluck().get(gone)).toBe(0)
    await store.close()
  })

  it('rekeys the hourly rollups of a version-7 database hour first, keeping every row', async () => {
    const dir = tempDir()
    const raw = new Database(join(dir, 'schoolmeter.db'))
    for (let v = 0; v < 7; v++) raw.exec(MIGRATIONS[v]!)
    raw.pragma('user_version = 7')
    const insert = raw.prepare('INSERT INTO rollup_hourly VALUES (?, ?, ?, ?, ?, ?)')
    for (const m of ['W1', 'W2'])
      for (let h = 0; h < 3; h++) insert.run(m, h * 3_600_000, h + 1, h / 2, 0, 60_000)
    await raw.close()
    const store = openStore(dir)
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(store.rollups.get('W2', 7_200_000)).toEqual({
      meterId: 'W2',
      hour: 7_200_000,
      used: 3,
      usedUnoccupied: 1,
      usedEstimated: 0,
      coveredMs: 60_000,
    })
    expect(store.rollups.totals(['W1'], 0, 7_200_000).used).toBe(3)
    // Rows of one hour are neighbours; reports find a meter's hours through the index.
    const columns = store.db.pragma('table_info(rollup_hourly)') as { name: string; pk: number }[]
    expect(
      columns
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
    ).toEqual(['hour', 'meter_id'])
    const plan = store.db
      .prepare(
        'EXPLAIN QUERY PLAN SELECT sum(used) FROM rollup_hourly WHERE meter_id IN (?, ?) AND hour >= ? AND hour < ?',
      )
      .all('W1', 'W2', 0, 1) as { detail: string }[]
    expect(plan.map((p) => p.detail).join(' ')).toContain('rollup_hourly_meter')
    await store.close()
  })

  it('records register anomalies, newest first', async () => {
    const store = openStore(':memory:')
    await store.anomalies.insert({
      meterId: 'W1',
      ts: 1,
      type: 'reset',
      previous: 5000,
      current: 3,
      counted: 3000,
      recordedAt: 9,
    })
    await store.anomalies.insert({
      meterId: 'W1',
      ts: 2,
      type: 'rollover',
      previous: 99990,
      current: 12,
      counted: 22000,
      recordedAt: 9,
    })
    await store.anomalies.insert({
      meterId: 'E1',
      ts: 3,
      type: 'reset',
      previous: 1,
      current: 0,
      counted: 0,
      recordedAt: 9,
    })
    expect((await store.anomalies.list('W1')).map((a) => a.type)).toEqual(['rollover', 'reset'])
    expect(await store.anomalies.list()).toHaveLength(3)
  })

  it('indexes spool segments in order', async () => {
    const store = openStore(':memory:')
    const a = store.spool.add('a.lp', 10, 1000)
    store.spool.add('b.lp', 5, 500)
    expect(store.spool.totals()).toEqual({ segments: 2, lines: 15, bytes: 1500 })
    expect(store.spool.oldest()).toMatchObject({ id: a, file: 'a.lp', attempts: 0 })
    store.spool.attempted(a)
    expect(store.spool.oldest()!.attempts).toBe(1)
    store.spool.remove(a)
    expect(store.spool.oldest()!.file).toBe('b.lp')
  })
})

describe('transactions over the app store', () => {
  it('a transaction that fails leaves nothing behind', async () => {
    const store = openStore(':memory:')
    const failed = store.atomically(async (tx) => {
      const id = await tx.alerts.insert(alert('water.night_flow', 'W1'))
      await tx.alerts.addEvent(id, 'opened', 1)
      // Inside, the transaction reads what it wrote.
      expect((await tx.alerts.active('water.night_flow|W1'))?.id).toBe(id)
      throw new Error('the outbox refused')
    })
    await expect(failed).rejects.toThrow('the outbox refused')
    expect(await store.alerts.list()).toEqual([])
    expect(await store.alerts.latest('water.night_flow|W1')).toBeUndefined()
    // The store goes on: the next transaction commits.
    const id = await store.atomically((tx) => tx.alerts.insert(alert('water.night_flow', 'W1')))
    expect((await store.alerts.list()).map((a) => a.id)).toEqual([id])
    expect(await store.alerts.events(id)).toEqual([])
    await store.close()
  })

  it('a call on the store while a transaction is open waits until it has committed', async () => {
    const store = openStore(':memory:')
    let seen: Promise<AlertRow[]> | undefined
    let answered = false
    const ids = await store.atomically(async (tx) => {
      const first = await tx.alerts.insert(alert('water.night_flow', 'W1'))
      // Someone else asks midway, through the store.
      seen = store.alerts.list()
      void seen.then(() => {
        answered = true
      })
      const second = await tx.alerts.insert(alert('water.continuous_flow', 'W1'))
      await tx.alerts.addEvent(second, 'opened', 1)
      expect(answered).toBe(false)
      return [first, second]
    })
    // The answer came after the commit: both alerts, not the first alone.
    expect((await seen!).map((a) => a.id).sort()).toEqual(ids.sort())
    await store.close()
  })

  it("a write on the store while a transaction is open does not join it: the transaction's failure does not undo it", async () => {
    const store = openStore(':memory:')
    let written: Promise<number> | undefined
    let seen: Promise<AlertRow[]> | undefined
    const failed = store.atomically(async (tx) => {
      await tx.alerts.insert(alert('water.night_flow', 'W1'))
      written = store.alerts.insert(alert('electricity.high_power', 'E1'))
      seen = store.alerts.list()
      await tx.alerts.insert(alert('water.continuous_flow', 'W1'))
      throw new Error('refused')
    })
    await expect(failed).rejects.toThrow('refused')
    const kept = await written!
    // The reader asked midway and saw nothing of the transaction: only the write made beside it.
    expect((await seen!).map((a) => a.id)).toEqual([kept])
    expect((await store.alerts.list()).map((a) => a.key)).toEqual(['electricity.high_power|E1'])
    await store.close()
  })
})
