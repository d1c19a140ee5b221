import type { Db } from './db.js'

/** Named values of the service itself, e.g. how far the journal is covered by a checkpoint. */
export class MetaRepository {
  private readonly upsert
  private readonly one
  constructor(db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    )
    this.one = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
  }

  get(key: string): string | undefined {
    return (this.one.get(key) as string | undefined) ?? undefined
  }

  getNumber(key: string, fallback = 0): number {
    const v = Number(this.get(key))
    return Number.isFinite(v) ? v : fallback
  }

  set(key: string, value: string | number): void {
    this.upsert.run(key, String(value), Date.now())
  }
}
