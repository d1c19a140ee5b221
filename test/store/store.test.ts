import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../store/db.js'
import { openStore } from '../../store/index.js'
import { MIGRATIONS } from '../../store/migrations.js'
import { testRegistry } from '../helpers/registry.js'

const tempDir = () => mkdtempSync(join(tmpdir(), 'schoolmeter-store-'))

describe('store', () => {
  it('creates the database in DATA_DIR and migrates it to the latest version', () => {
    const dir = tempDir()
    const store = openStore(dir)
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
    store.close()
    // Re-opening is a no-op migration.
    const again = openStore(dir)
    expect(again.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    again.close()
  })

  it('refuses a database from a newer schoolmeter', () => {
    const dir = tempDir()
    const raw = new Database(join(dir, 'schoolmeter.db'))
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`)
    raw.close()
    expect(() => openDatabase(dir)).toThrow(/newer than this schoolmeter/)
  })

  it('mirrors the registry and replaces it on the next sync', () => {
    const store = openStore(':memory:')
    const registry = testRegistry()
    store.registry.sync(registry)
    expect(store.registry.counts()).toEqual({ schools: 2, buildings: 2, spaces: 1, meters: 7 })
    const row = store.db.prepare("SELECT kind, parent_id, space_id FROM meters WHERE id = 'W2'").get()
    expect(row).toEqual({ kind: 'water', parent_id: 'W1', space_id: null })
    store.registry.sync(
      testRegistry(`
schools:
  - id: only
    name: Only
    buildings: [{ id: b, use: office, meters: [{ id: X, kind: heat }] }]
`),
    )
    expect(store.registry.counts()).toEqual({ schools: 1, buildings: 1, spaces: 0, meters: 1 })
  })

  it('saves and loads per-meter state and status', () => {
    const dir = tempDir()
    const store = openStore(dir)
    store.registerState.saveMany([
      ['W1', { r: [1, 2, 3, 4] }],
      ['E1', { r: [] }],
    ])
    store.registerState.saveMany([['W1', { r: [5, 6, 7, 8] }]])
    store.meterStatus.saveMany([
      {
        meterId: 'W1',
        lastTs: 10,
        lastReceivedAt: 11,
        lastValues: { volume_m3: 1 },
        lastEstimated: true,
        lastUsed: 2,
        readings: 3,
      },
    ])
    store.close()
    const again = openStore(dir)
    expect(Object.fromEntries(again.registerState.loadAll())).toEqual({
      W1: { r: [5, 6, 7, 8] },
      E1: { r: [] },
    })
    expect(again.meterStatus.loadAll()).toEqual([
      {
        meterId: 'W1',
        lastTs: 10,
        lastReceivedAt: 11,
        lastValues: { volume_m3: 1 },
        lastEstimated: true,
        lastUsed: 2,
        readings: 3,
      },
    ])
    again.close()
  })

  it('records register anomalies, newest first', () => {
    const store = openStore(':memory:')
    store.anomalies.insert({
      meterId: 'W1',
      ts: 1,
      type: 'reset',
      previous: 5000,
      current: 3,
      counted: 3000,
      recordedAt: 9,
    })
    store.anomalies.insert({
      meterId: 'W1',
      ts: 2,
      type: 'rollover',
      previous: 99990,
      current: 12,
      counted: 22000,
      recordedAt: 9,
    })
    store.anomalies.insert({
      meterId: 'E1',
      ts: 3,
      type: 'reset',
      previous: 1,
      current: 0,
      counted: 0,
      recordedAt: 9,
    })
    expect(store.anomalies.list('W1').map((a) => a.type)).toEqual(['rollover', 'reset'])
    expect(store.anomalies.list().length).toBe(3)
  })

  it('indexes spool segments in order', () => {
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
