import type { StateRow } from '../core/checkpoint.js'
import type { Db } from './db.js'
import type { MetaRepository } from './meta.js'

/** The meta key of the newest committed generation of `meter_state`. */
export const STATE_GENERATION_KEY = 'state_generation'

/**
 * Per-meter state of the parts that keep it in memory — `ingest` (register and last reading)
 * and `rules` (every rule's state) — one JSON row per meter and part, by generation.
 *
 * A checkpoint writes its rows as generation g in as many short transactions as it likes
 * (`stage`), then makes them count by committing g (`commit`, one tiny write inside the
 * checkpoint's transaction): a meter's state is its newest row whose generation is committed.
 * So the checkpoint is atomic without holding the database — or the event loop — for the whole
 * of it, and rows of a generation that never committed (a crash midway) are simply ignored.
 * Rows a newer committed row has replaced are deleted afterwards (`prune`).
 */
export class MeterStateRepository {
  private readonly put
  private readonly drop
  private readonly rows
  private readonly discard
  private last: number

  constructor(
    private readonly db: Db,
    private readonly meta: MetaRepository,
  ) {
    this.put = db.prepare(
      'INSERT OR REPLACE INTO meter_state (part, meter_id, generation, state) VALUES (?, ?, ?, ?)',
    )
    this.drop = db.prepare('DELETE FROM meter_state WHERE part = ? AND meter_id = ? AND generation < ?')
    this.rows = db
      .prepare(
        'SELECT meter_id, state FROM meter_state WHERE part = ? AND generation <= ? ORDER BY meter_id, generation',
      )
      .raw()
    this.discard = db.prepare('DELETE FROM meter_state WHERE generation > ?')
    const newest = db.prepare('SELECT max(generation) FROM meter_state').pluck().get() as number | null
    this.last = Math.max(this.committed, newest ?? 0)
  }

  /** The newest committed generation (0 before the first). */
  get committed(): number {
    return this.meta.getNumber(STATE_GENERATION_KEY)
  }

  /** A generation newer than every one written so far. */
  next(): number {
    this.last++
    return this.last
  }

  /** Writes rows of generation `g`, in one transaction; they count once `g` is committed. */
  stage(part: string, g: number, rows: readonly StateRow[]): void {
    this.db.transaction(() => {
      for (const [id, json] of rows) this.put.run(part, id, g, json)
    })()
  }

  /** Makes every generation up to `g` count (run it inside the transaction it belongs to). */
  commit(g: number): void {
    this.meta.set(STATE_GENERATION_KEY, g)
  }

  /** Deletes the rows that generation `g` (committed) replaced, for the meters given. */
  prune(part: string, g: number, ids: Iterable<string>): void {
    this.db.transaction(() => {
      for (const id of ids) this.drop.run(part, id, g)
    })()
  }

  /** Stage, commit and prune in one go: a part saving on its own, outside checkpoints. */
  save(part: string, rows: readonly StateRow[]): number {
    if (rows.length === 0) return 0
    const g = this.next()
    this.db.transaction(() => {
      this.stage(part, g, rows)
      this.commit(g)
      this.prune(
        part,
        g,
        rows.map(([id]) => id),
      )
    })()
    return rows.length
  }

  /** Each meter's committed state of a part, as JSON. */
  load(part: string): Map<string, string> {
    const out = new Map<string, string>()
    const committed = this.committed
    // Ordered by generation within a meter: the newest committed row is set last.
    for (const [id, json] of this.rows.iterate(part, committed) as Iterable<[string, string]>)
      out.set(id, json)
    return out
  }

  /** Drops rows of generations that never committed (a checkpoint cut short by a crash). */
  discardUncommitted(): number {
    // Nothing was written past the committed generation: no need to look through every row.
    if (this.last <= this.committed) return 0
    return this.discard.run(this.committed).changes
  }
}
