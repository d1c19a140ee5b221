import type { Registry } from '../core/registry.js'
import type { Db } from './db.js'

/** The registry as loaded at start-up, mirrored into SQLite so that later parts can join against it. */
export class RegistryRepository {
  constructor(private readonly db: Db) {}

  sync(registry: Registry): void {
    const db = this.db
    const insSchool = db.prepare(
      'INSERT INTO schools (id, name, timezone, pupils, floor_area_m2, config) VALUES (?, ?, ?, ?, ?, ?)',
    )
    const insBuilding = db.prepare(
      'INSERT INTO buildings (school_id, id, name, use, config) VALUES (?, ?, ?, ?, ?)',
    )
    const insSpace = db.prepare(
      'INSERT INTO spaces (school_id, building_id, id, name, use, config) VALUES (?, ?, ?, ?, ?, ?)',
    )
    const insMeter = db.prepare(
      'INSERT INTO meters (id, school_id, building_id, space_id, kind, parent_id, config) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    db.transaction(() => {
      db.exec('DELETE FROM meters; DELETE FROM spaces; DELETE FROM buildings; DELETE FROM schools;')
      for (const s of registry.schools.values()) {
        const { buildings: _b, ...schoolConfig } = s.config
        insSchool.run(
          s.id,
          s.name,
          s.timezone,
          s.pupils ?? null,
          s.floorAreaM2 ?? null,
          JSON.stringify(schoolConfig),
        )
        for (const b of s.buildings.values()) {
          const { spaces: _s, meters: _m, ...buildingConfig } = b.config
          insBuilding.run(s.id, b.id, b.name ?? null, b.use, JSON.stringify(buildingConfig))
          for (const sp of b.spaces.values()) {
            insSpace.run(s.id, b.id, sp.id, sp.name ?? null, sp.use, JSON.stringify(sp.config))
          }
          for (const m of b.meters) {
            insMeter.run(
              m.id,
              s.id,
              b.id,
              m.space?.id ?? null,
              m.kind,
              m.parent?.id ?? null,
              JSON.stringify(m.config),
            )
          }
        }
      }
    })()
  }

  counts(): { schools: number; buildings: number; spaces: number; meters: number } {
    const one = (t: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n
    return {
      schools: one('schools'),
      buildings: one('buildings'),
      spaces: one('spaces'),
      meters: one('meters'),
    }
  }
}

export interface AnomalyRow {
  id?: number
  meterId: string
  ts: number
  type: string
  previous: number
  current: number
  counted: number
  recordedAt: number
}

export class AnomalyRepository {
  private readonly ins
  constructor(private readonly db: Db) {
    this.ins = db.prepare(
      'INSERT INTO register_anomalies (meter_id, ts, type, previous, current, counted, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
  }

  insert(a: AnomalyRow): number {
    return Number(
      this.ins.run(a.meterId, a.ts, a.type, a.previous, a.current, a.counted, a.recordedAt).lastInsertRowid,
    )
  }

  list(meterId?: string, limit = 100): AnomalyRow[] {
    const sql = `SELECT id, meter_id AS meterId, ts, type, previous, current, counted, recorded_at AS recordedAt
      FROM register_anomalies ${meterId ? 'WHERE meter_id = ?' : ''} ORDER BY ts DESC, id DESC LIMIT ?`
    const stmt = this.db.prepare(sql)
    return (meterId ? stmt.all(meterId, limit) : stmt.all(limit)) as AnomalyRow[]
  }
}

export interface SpoolSegment {
  id: number
  file: string
  lines: number
  bytes: number
  createdAt: number
  attempts: number
}

/** Index of the write spool's segment files (the files themselves live in DATA_DIR/spool). */
export class SpoolRepository {
  constructor(private readonly db: Db) {}

  add(file: string, lines: number, bytes: number, now = Date.now()): number {
    return Number(
      this.db
        .prepare('INSERT INTO spool_segments (file, lines, bytes, created_at) VALUES (?, ?, ?, ?)')
        .run(file, lines, bytes, now).lastInsertRowid,
    )
  }

  oldest(): SpoolSegment | undefined {
    return this.db
      .prepare(
        'SELECT id, file, lines, bytes, created_at AS createdAt, attempts FROM spool_segments ORDER BY id LIMIT 1',
      )
      .get() as SpoolSegment | undefined
  }

  all(): SpoolSegment[] {
    return this.db
      .prepare(
        'SELECT id, file, lines, bytes, created_at AS createdAt, attempts FROM spool_segments ORDER BY id',
      )
      .all() as SpoolSegment[]
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM spool_segments WHERE id = ?').run(id)
  }

  attempted(id: number): void {
    this.db.prepare('UPDATE spool_segments SET attempts = attempts + 1 WHERE id = ?').run(id)
  }

  totals(): { segments: number; lines: number; bytes: number } {
    return this.db
      .prepare(
        'SELECT count(*) AS segments, coalesce(sum(lines), 0) AS lines, coalesce(sum(bytes), 0) AS bytes FROM spool_segments',
      )
      .get() as { segments: number; lines: number; bytes: number }
  }
}
