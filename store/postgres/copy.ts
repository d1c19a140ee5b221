/**
 * Moving a district's app store from SQLite in DATA_DIR to PostgreSQL (`npm run admin -- store
 * copy-to-postgres`, docs/store.md): every table both schemas have, in one transaction, with the
 * ids kept — incident numbers people know and links already sent (`/i/{token}`) keep working —
 * and each identity sequence moved past the highest id copied, so new rows take ids above them.
 *
 * Generic over the tables and columns the two schemas share, read from both databases at run
 * time: a migration appended to both (store/migrations.ts, store/postgres/migrations.ts) needs
 * nothing here. Tables only SQLite has are the stream's state, which stays on the worker's disk.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type pg from 'pg'
import { SchoolmeterError } from '../../core/errors.js'
import { msg } from '../../core/i18n/index.js'
import { type Db, databaseFile, openDatabaseAlone } from '../db.js'
import { openMigratedPool, serverOf } from './index.js'
import { TRANSACTION_LOCK } from './sql.js'

/** What `copyToPostgres` copied. */
export interface CopyReport {
  /** The SQLite file read (left as it was). */
  file: string
  /** host:port/database written to, without the login. */
  server: string
  /** Each table copied, in the order copied (parents before the tables that refer to them). */
  tables: { table: string; rows: number }[]
  /** SQLite's tables that PostgreSQL does not hold: the stream's state, which stays in DATA_DIR. */
  kept: string[]
}

export interface CopyOptions {
  /** DATA_DIR: its schoolmeter.db is read. */
  dataDir: string
  /** DATABASE_URL. */
  url: string
  /** Empty the PostgreSQL app store first, whatever it holds; without it, a database with app data is refused. */
  replace?: boolean
}

/** PostgreSQL takes at most 65,535 parameters a statement. */
const MAX_PARAMETERS = 60_000
const MAX_ROWS_PER_INSERT = 1_000

/** Tables of the PostgreSQL store that are its own, never copied from SQLite. */
const POSTGRES_ONLY = new Set(['schema_version', 'shard_leases'])

/**
 * Copies the app store in `dataDir`'s SQLite file into the PostgreSQL database at `url`, in one
 * transaction. Both are opened as the service opens them (each migrated as far as this version
 * knows; a newer schema is refused). Refused while a service has the file open, when the database
 * already holds app data (unless `replace`), or when a table's columns differ between the two.
 */
export async function copyToPostgres(o: CopyOptions): Promise<CopyReport> {
  const dataDir = resolve(o.dataDir)
  const file = databaseFile(dataDir)
  if (!existsSync(file))
    throw new SchoolmeterError('COPY_SOURCE_MISSING', msg('store.copy.noSource', { file }))
  const sqlite = openDatabaseAlone(dataDir)
  try {
    const pool = await openMigratedPool(o.url, { poolSize: 1 })
    try {
      const client = await pool.connect()
      try {
        const { tables, kept } = await copyTables(sqlite, client, {
          server: serverOf(o.url),
          replace: o.replace,
        })
        return { file, server: serverOf(o.url), tables, kept }
      } finally {
        client.release()
      }
    } finally {
      await pool.end()
    }
  } finally {
    sqlite.close()
  }
}

interface Column {
  name: string
  /** PostgreSQL fills it when a row leaves it out (NULL allowed, a default, an identity). */
  optional: boolean
  identity: boolean
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`

async function copyTables(
  sqlite: Db,
  client: pg.PoolClient,
  o: { server: string; replace?: boolean | undefined },
): Promise<Omit<CopyReport, 'file' | 'server'>> {
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')
  let table = ''
  try {
    // Workers already on this database wait until the copy has committed or rolled back.
    await client.query('SELECT pg_advisory_xact_lock($1)', [TRANSACTION_LOCK])
    const target = await postgresTables(client)
    const source = sqliteTables(sqlite)
    const shared = [...source.keys()].filter((t) => target.has(t) && !POSTGRES_ONLY.has(t))
    const kept = [...source.keys()].filter((t) => !target.has(t)).sort()
    const columns = sharedColumns(shared, source, target)

    const held: string[] = []
    for (const t of shared) {
      const { n } = (await client.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${quoted(t)}`))
        .rows[0]!
      if (n > 0) held.push(`${t} (${n})`)
    }
    if (held.length && !o.replace)
      throw new SchoolmeterError(
        'DATABASE_NOT_EMPTY',
        msg('store.copy.notEmpty', { server: o.server, tables: held }),
      )
    if (held.length) await client.query(`TRUNCATE ${shared.map(quoted).join(', ')} RESTART IDENTITY`)

    const copied: CopyReport['tables'] = []
    for (table of await copyOrder(client, shared)) {
      const names = columns.get(table)!.map((c) => c.name)
      copied.push({ table, rows: await copyRows(sqlite, client, table, names) })
      for (const c of target.get(table)!.filter((c) => c.identity))
        await client.query(
          `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(${quoted(c.name)}), 0) + 1, false) FROM ${quoted(table)}`,
          [quoted(table), c.name],
        )
    }
    table = ''
    await client.query('COMMIT')
    return { tables: copied, kept }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    if (err instanceof SchoolmeterError) throw err
    throw new SchoolmeterError(
      'COPY_FAILED',
      msg('store.copy.failed', {
        server: o.server,
        table: table || 'none',
        detail: (err as Error).message ?? String(err),
      }),
    )
  }
}

/** The app store's tables in PostgreSQL (the current schema) and their columns. */
async function postgresTables(client: pg.PoolClient): Promise<Map<string, Column[]>> {
  const rows = (
    await client.query<{ table: string; name: string; optional: boolean; identity: boolean }>(
      `SELECT c.table_name AS table, c.column_name AS name,
              (c.is_nullable = 'YES' OR c.column_default IS NOT NULL OR c.is_identity = 'YES') AS optional,
              c.is_identity = 'YES' AS identity
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position`,
    )
  ).rows
  const tables = new Map<string, Column[]>()
  for (const { table, ...column } of rows) tables.set(table, [...(tables.get(table) ?? []), column])
  return tables
}

/** SQLite's tables and their columns. */
function sqliteTables(db: Db): Map<string, Column[]> {
  const names = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`)
    .pluck()
    .all() as string[]
  return new Map(
    names.map((table) => [
      table,
      (db.pragma(`table_info(${quoted(table)})`) as { name: string; notnull: number; pk: number }[]).map(
        (c) => ({ name: c.name, optional: c.notnull === 0, identity: false }),
      ),
    ]),
  )
}

/**
 * The columns each shared table copies: SQLite's, each of which PostgreSQL must have (else its
 * values would be lost), while PostgreSQL's others must be optional (else rows cannot be written).
 */
function sharedColumns(
  shared: string[],
  source: Map<string, Column[]>,
  target: Map<string, Column[]>,
): Map<string, Column[]> {
  const problems: string[] = []
  const out = new Map<string, Column[]>()
  for (const table of shared) {
    const from = source.get(table)!
    const to = new Map(target.get(table)!.map((c) => [c.name, c]))
    for (const c of from) if (!to.has(c.name)) problems.push(`${table}.${c.name} (SQLite)`)
    const named = new Set(from.map((c) => c.name))
    for (const c of to.values())
      if (!named.has(c.name) && !c.optional) problems.push(`${table}.${c.name} (PostgreSQL)`)
    out.set(
      table,
      from.filter((c) => to.has(c.name)),
    )
  }
  if (problems.length)
    throw new SchoolmeterError('SCHEMA_MISMATCH', msg('store.copy.schemaMismatch', { columns: problems }))
  return out
}

/** `tables` with every table after those its foreign keys refer to (ties by name). */
async function copyOrder(client: pg.PoolClient, tables: string[]): Promise<string[]> {
  const edges = (
    await client.query<{ child: string; parent: string }>(
      `SELECT child.relname AS child, parent.relname AS parent
         FROM pg_constraint c
         JOIN pg_class child ON child.oid = c.conrelid
         JOIN pg_class parent ON parent.oid = c.confrelid
        WHERE c.contype = 'f' AND child.relnamespace = current_schema()::regnamespace`,
    )
  ).rows.filter((e) => e.child !== e.parent && tables.includes(e.child) && tables.includes(e.parent))
  const order: string[] = []
  const left = new Set([...tables].sort())
  while (left.size) {
    const ready = [...left].find((t) => !edges.some((e) => e.child === t && left.has(e.parent)))
    // Foreign keys in a cycle: the migrations never make one.
    if (ready === undefined) throw new Error(`foreign keys in a cycle among ${[...left].join(', ')}`)
    order.push(ready)
    left.delete(ready)
  }
  return order
}

/** Every row of `table` from SQLite into PostgreSQL, several hundred a statement; how many. */
async function copyRows(
  sqlite: Db,
  client: pg.PoolClient,
  table: string,
  columns: string[],
): Promise<number> {
  const perInsert = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / columns.length)))
  const list = columns.map(quoted).join(', ')
  // 64-bit integers as read (BigInt), so that none is rounded on the way.
  const rows = sqlite
    .prepare(`SELECT ${list} FROM ${quoted(table)}`)
    .raw(true)
    .safeIntegers(true)
    .iterate() as IterableIterator<unknown[]>
  let copied = 0
  let batch: unknown[][] = []
  const flush = async () => {
    const values = batch.map(
      (_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`,
    )
    const result = await client.query(
      `INSERT INTO ${quoted(table)} (${list}) OVERRIDING SYSTEM VALUE VALUES ${values.join(', ')}`,
      batch.flat().map(storable),
    )
    copied += result.rowCount ?? 0
    batch = []
  }
  for (const row of rows) {
    batch.push(row)
    if (batch.length === perInsert) await flush()
  }
  if (batch.length) await flush()
  return copied
}

/**
 * A value as PostgreSQL keeps it: its text cannot hold NUL, which an endpoint's error answer kept
 * in the outbox may carry; it becomes U+FFFD, as the PostgreSQL outbox writes it.
 */
function storable(value: unknown): unknown {
  return typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value
}
