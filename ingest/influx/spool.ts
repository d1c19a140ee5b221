/**
 * The bounded disk spool: write batches InfluxDB could not take, one file each in
 * DATA_DIR/spool, indexed in SQLite. Files are written whole (temp file, fsync, rename) before
 * they are indexed, and the two are reconciled on start, so a crash at any point loses nothing
 * and leaves nothing half-written.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { writeFileAtomically } from '../../core/files.js'
import type { SpoolSegment, Store } from '../../store/index.js'

export class Spool {
  private seq = 0
  private totals = { segments: 0, lines: 0, bytes: 0 }

  constructor(
    readonly dir: string,
    private readonly store: Store,
    readonly maxBytes: number,
  ) {}

  /** Creates the folder and reconciles it with the index. Returns what it found. */
  open(): { segments: number; lines: number; adopted: number; forgotten: number } {
    mkdirSync(this.dir, { recursive: true })
    const indexed = new Map(this.store.spool.all().map((s) => [s.file, s]))
    let adopted = 0
    let forgotten = 0
    const files = readdirSync(this.dir)
      .filter((f) => f.endsWith('.lp'))
      .sort()
    for (const f of files) {
      if (indexed.has(f)) {
        indexed.delete(f)
        continue
      }
      // Written but not indexed: the process stopped between the two steps.
      const text = readFileSync(join(this.dir, f), 'utf8')
      this.store.spool.add(f, text ? text.split('\n').length : 0, statSync(join(this.dir, f)).size)
      adopted++
    }
    for (const seg of indexed.values()) {
      this.store.spool.remove(seg.id)
      forgotten++
    }
    for (const f of readdirSync(this.dir)) if (f.endsWith('.tmp')) rmSync(join(this.dir, f), { force: true })
    this.totals = this.store.spool.totals()
    return { segments: this.totals.segments, lines: this.totals.lines, adopted, forgotten }
  }

  stats(): { segments: number; lines: number; bytes: number } {
    return { ...this.totals }
  }

  /** Stores a batch; false when the spool is full. */
  append(lines: string[]): boolean {
    const text = lines.join('\n')
    const bytes = Buffer.byteLength(text)
    if (this.totals.bytes + bytes > this.maxBytes) return false
    const name = `${Date.now().toString().padStart(14, '0')}-${process.pid}-${(this.seq++).toString().padStart(6, '0')}.lp`
    // A full disk leaves no half file: the call throws and the caller keeps the batch.
    writeFileAtomically(join(this.dir, name), text)
    this.store.spool.add(name, lines.length, bytes)
    this.totals.segments++
    this.totals.lines += lines.length
    this.totals.bytes += bytes
    return true
  }

  oldest(): { segment: SpoolSegment; lines: string[] } | undefined {
    for (;;) {
      const segment = this.store.spool.oldest()
      if (!segment) {
        // Nothing indexed: the running totals must say so too, or the drain would wait on nothing.
        this.totals = this.store.spool.totals()
        return undefined
      }
      try {
        const text = readFileSync(join(this.dir, basename(segment.file)), 'utf8')
        return { segment, lines: text ? text.split('\n') : [] }
      } catch {
        // The file went away under us (deleted by hand): forget it and move on.
        this.forget(segment)
      }
    }
  }

  remove(segment: SpoolSegment): void {
    rmSync(join(this.dir, basename(segment.file)), { force: true })
    this.forget(segment)
  }

  attempted(segment: SpoolSegment): void {
    this.store.spool.attempted(segment.id)
  }

  private forget(segment: SpoolSegment): void {
    this.store.spool.remove(segment.id)
    this.totals.segments--
    this.totals.lines -= segment.lines
    this.totals.bytes -= segment.bytes
  }
}
