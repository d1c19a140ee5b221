/** The registry as loaded and the register anomalies, in PostgreSQL: the behaviour of store/repositories.ts. */
import type { Registry } from '../../core/registry.js'
import type { AnomalyRow } from '../repositories.js'
import type { AnomalyStore, RegistryStore } from '../types.js'
import { limitOf, type Sql } from './sql.js'

/** Rows per INSERT: a province's registry is a million meters, written a slice at a time. */
const ROWS_PER_INSERT = 5000

/** Inserts `rows` into `table` a slice at a time, one array per column (`unnest`), typed as `types`. */
async function insertMany(
  sql: Sql,
  table: string,
  columns: readonly string[],
  types: readonly string[],
  rows: readonly unknown[][],
): Promise<void> {
  for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
    const slice = rows.slice(from, from + ROWS_PER_INSERT)
    await sql.run(
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${types.map((t) => `?::${t}[]`).join(', ')})`,
      columns.map((_, c) => slice.map((row) => row[c])),
    )
  }
}

export class PostgresRegistry implements RegistryStore {
  constructor(private readonly sql: Sql) {}

  async sync(registry: Registry): Promise<void> {
    const schools: unknown[][] = []
    const buildings: unknown[][] = []
    const spaces: unknown[][] = []
    const meters: unknown[][] = []
    for (const s of registry.schools.values()) {
      const { buildings: _b, ...schoolConfig } = s.config
      schools.push([
        s.id,
        s.name,
        s.timezone,
        s.pupils ?? null,
        s.floorAreaM2 ?? null,
        JSON.stringify(schoolConfig),
      ])
      for (const b of s.buildings.values()) {
        const { spaces: _s, meters: _m, ...buildingConfig } = b.config
        buildings.push([s.id, b.id, b.name ?? null, b.use, JSON.stringify(buildingConfig)])
        for (const sp of b.spaces.values())
          spaces.push([s.id, b.id, sp.id, sp.name ?? null, sp.use, JSON.stringify(sp.config)])
        for (const m of b.meters)
          meters.push([
            m.id,
            s.id,
            b.id,
            m.space?.id ?? null,
            m.kind,
            m.parent?.id ?? null,
            JSON.stringify(m.config),
          ])
      }
    }
    return this.sql.atomically(async (sql) => {
      for (const table of ['meters', 'spaces', 'buildings', 'schools']) await sql.run(`DELETE FROM ${table}`)
      await insertMany(
        sql,
        'schools',
        ['id', 'name', 'timezone', 'pupils', 'floor_area_m2', 'config'],
        ['text', 'text', 'text', 'integer', 'float8', 'text'],
        schools,
      )
      await insertMany(
        sql,
        'buildings',
        ['school_id', 'id', 'name', 'use', 'config'],
        ['text', 'text', 'text', 'text', 'text'],
        buildings,
      )
      await insertMany(
        sql,
        'spaces',
        ['school_id', 'building_id', 'id', 'name', 'use', 'config'],
        ['text', 'text', 'text', 'text', 'text', 'text'],
        spaces,
      )
      await insertMany(
        sql,
        'meters',
        ['id', 'school_id', 'building_id', 'space_id', 'kind', 'parent_id', 'config'],
        ['text', 'text', 'text', 'text', 'text', 'text', 'text'],
        meters,
      )
    })
  }

  async counts(): Promise<{ schools: number; buildings: number; spaces: number; meters: number }> {
    const row = await this.sql.one<{ schools: number; buildings: number; spaces: number; meters: number }>(
      `SELECT (SELECT count(*) FROM schools) AS schools, (SELECT count(*) FROM buildings) AS buildings,
         (SELECT count(*) FROM spaces) AS spaces, (SELECT count(*) FROM meters) AS meters`,
    )
    return row!
  }
}

export class PostgresAnomalies implements AnomalyStore {
  constructor(private readonly sql: Sql) {}

  async insert(a: AnomalyRow): Promise<number> {
    const row = await this.sql.one<{ id: number }>(
      `INSERT INTO register_anomalies (meter_id, ts, type, previous, current, counted, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [a.meterId, a.ts, a.type, a.previous, a.current, a.counted, a.recordedAt],
    )
    return row!.id
  }

  async list(meterId?: string, limit = 100): Promise<AnomalyRow[]> {
    return this.sql.rows(
      `SELECT id, meter_id AS "meterId", ts, type, previous, current, counted, recorded_at AS "recordedAt"
         FROM register_anomalies ${meterId ? 'WHERE meter_id = ?' : ''} ORDER BY ts DESC, id DESC LIMIT ?`,
      meterId ? [meterId, limitOf(limit)] : [limitOf(limit)],
    )
  }
}
