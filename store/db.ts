import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { SchoolmeterError } from '../core/errors.js'
import { msg } from '../core/i18n/index.js'
import { MIGRATIONS } from './migrations.js'

export type Db = Database.Database

/**
 * Statements prepared once per SQL text, for repositories whose statements are written where they
 * are used (an alert storm asks for the same few thousands of times a second).
 */
export function statements(db: Db): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>()
  return (sql) => {
    let st = cache.get(sql)
    if (!st) {
      st = db.prepare(sql)
      cache.set(sql, st)
    }
    return st
  }
}

/** Opens (creating if needed) the app database in `dataDir`, or in memory for ':memory:'. */
export function openDatabase(dataDir: string): Db {
  let file = ':memory:'
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true })
    file = databaseFile(dataDir)
  }
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // NORMAL in WAL mode: a commit survives a process crash; only a power cut can lose the last one.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  return db
}

/** The app database's file in `dataDir`. */
export function databaseFile(dataDir: string): string {
  return join(dataDir, 'schoolmeter.db')
}

/**
 * Opens the existing app database in `dataDir` for this process alone, migrated as
 * `openDatabase` does, for a tool that must not run beside the service: refused while another
 * process has it open (a service keeps it open as long as it runs), and every other process is
 * kept out until it is closed. SQLite's exclusive locking mode takes the file's lock, which any
 * open connection in WAL mode holds shared, and keeps it.
 */
export function openDatabaseAlone(dataDir: string): Db {
  const file = databaseFile(dataDir)
  const db = new Database(file, { fileMustExist: true })
  try {
    db.pragma('busy_timeout = 0')
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('COMMIT')
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    migrate(db)
    return db
  } catch (err) {
    db.close()
    if ((err as { code?: string }).code === 'SQLITE_BUSY')
      throw new SchoolmeterError('DATA_DIR_IN_USE', msg('store.inUse', { file }))
    throw err
  }
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > MIGRATIONS.length) {
    throw new SchoolmeterError(
      'SCHEMA_NEWER',
      msg('startup.schemaNewer', { found: current, known: MIGRATIONS.length }),
    )
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
