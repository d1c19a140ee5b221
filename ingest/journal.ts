/**
 * The ingest journal: a write-ahead log of the MQTT messages that carried readings, in the order
 * they were processed. It is what makes "acknowledged" mean "durable" without waiting for
 * InfluxDB: a QoS 1 message is acknowledged once its record is written and fdatasync'ed (many
 * messages share one fdatasync), and after a crash the records since the last checkpoint are
 * replayed through the pipeline, which rebuilds register, rule and rollup state and rewrites the
 * InfluxDB lines (InfluxDB keeps one point per series and timestamp, so rewriting is harmless).
 *
 * Files are segments `DATA_DIR/journal/<first seq>.wal`; a checkpoint starts a new segment and,
 * once the state up to its sequence number is committed and the InfluxDB lines up to it are in
 * InfluxDB or the spool, the older segments are deleted.
 *
 * Record: magic 0xA7, u32 length of the rest, f64 seq, f64 receivedAt, u16 topic length, topic,
 * payload (all little-endian). A record cut short by a crash ends the segment when read back.
 */
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

const MAGIC = 0xa7
/** magic + length + seq + receivedAt + topic length */
const HEADER = 1 + 4 + 8 + 8 + 2
const BUFFER_BYTES = 1 << 20

export interface JournalRecord {
  seq: number
  receivedAt: number
  topic: string
  payload: Buffer
}

interface Segment {
  first: number
  file: string
  bytes: number
}

/**
 * One promise for every `durable()` caller of the same fdatasync: a QoS 1 message costs a
 * reaction on it rather than a promise and a callback of its own.
 */
class Waiters {
  readonly promise: Promise<void>
  settle!: (err?: Error) => void

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve())
    })
  }
}

export class Journal {
  private fd: number | undefined
  private current: Segment | undefined
  private readonly closedSegments: Segment[] = []
  private seq = 0
  private buf = Buffer.allocUnsafe(BUFFER_BYTES)
  private used = 0
  private scheduled = false
  /** Waiting for records still in the buffer. */
  private waiting: Waiters | undefined
  /** Waiting for an fdatasync of records already written (the newest last). */
  private unsynced: Waiters[] = []
  private syncing = false
  private bytesSinceCheckpoint = 0

  constructor(readonly dir: string) {}

  /**
   * Opens the folder and starts a new segment after whatever an earlier run left. `afterSeq` is
   * what the last checkpoint covers; `replay` then yields the records after it.
   */
  open(afterSeq: number): { segments: number; bytes: number; lastSeq: number } {
    mkdirSync(this.dir, { recursive: true })
    const segments: Segment[] = []
    for (const f of readdirSync(this.dir)) {
      if (!/^\d+\.wal$/.test(f)) continue
      const file = join(this.dir, f)
      const bytes = statSync(file).size
      if (bytes === 0) rmSync(file, { force: true })
      else segments.push({ first: Number(f.slice(0, -4)), file, bytes })
    }
    segments.sort((a, b) => a.first - b.first)
    let last = afterSeq
    const newest = segments.at(-1)
    if (newest) {
      last = Math.max(last, newest.first - 1)
      for (const r of readSegment(newest.file)) last = Math.max(last, r.seq)
    }
    this.closedSegments.push(...segments)
    this.seq = last
    this.startSegment()
    return { segments: segments.length, bytes: segments.reduce((n, s) => n + s.bytes, 0), lastSeq: last }
  }

  /** The records an earlier run left after `afterSeq`, oldest first, one segment in memory at a time. */
  *replay(afterSeq: number): Generator<JournalRecord> {
    const segments = this.closedSegments
    for (let i = 0; i < segments.length; i++) {
      const next = segments[i + 1]
      // Every record of this segment is older than the next segment's first one.
      if (next && next.first <= afterSeq + 1) continue
      for (const r of readSegment(segments[i]!.file)) {
        if (r.seq <= afterSeq) continue
        this.bytesSinceCheckpoint += HEADER + Buffer.byteLength(r.topic) + r.payload.length
        yield r
      }
    }
  }

  /** The sequence number of the last record appended. */
  get lastSeq(): number {
    return this.seq
  }

  /** Bytes appended since the last checkpoint (what a crash now would replay). */
  get pendingBytes(): number {
    return this.bytesSinceCheckpoint
  }

  /** Appends a record (buffered; written within the same turn of the event loop). */
  append(topic: string, payload: Buffer, receivedAt: number): number {
    const topicBytes = Buffer.byteLength(topic)
    const size = HEADER + topicBytes + payload.length
    if (this.used + size > this.buf.length) {
      this.write()
      if (size > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(size, BUFFER_BYTES))
    }
    const seq = ++this.seq
    const b = this.buf
    let o = this.used
    b[o] = MAGIC
    b.writeUInt32LE(size - 5, o + 1)
    b.writeDoubleLE(seq, o + 5)
    b.writeDoubleLE(receivedAt, o + 13)
    b.writeUInt16LE(topicBytes, o + 21)
    o += HEADER
    o += b.write(topic, o, 'utf8')
    o += payload.copy(b, o)
    this.used = o
    this.bytesSinceCheckpoint += size
    this.schedule()
    return seq
  }

  /** Resolves once every record appended so far is written and fdatasync'ed. */
  durable(): Promise<void> {
    let w: Waiters
    if (this.used > 0) {
      w = this.waiting ??= new Waiters()
    } else {
      // Everything in `unsynced` is settled by the same fdatasync, so the newest entry serves.
      w = this.unsynced.at(-1) ?? new Waiters()
      if (this.unsynced.length === 0) this.unsynced.push(w)
    }
    this.schedule()
    return w.promise
  }

  /** Writes the buffer now (the records then survive a crash of the process, not of the machine). */
  write(): void {
    if (this.used > 0) {
      let off = 0
      while (off < this.used) off += writeSync(this.fd!, this.buf, off, this.used - off)
      this.current!.bytes += this.used
      this.used = 0
    }
    if (this.waiting) {
      this.unsynced.push(this.waiting)
      this.waiting = undefined
    }
  }

  /**
   * Starts a new segment for a checkpoint and returns the sequence number the checkpoint covers:
   * everything up to it is in the closed segments.
   */
  rotate(): number {
    this.write()
    this.syncNow()
    this.closeSegment()
    this.startSegment()
    this.bytesSinceCheckpoint = 0
    return this.seq
  }

  /** Deletes the segments wholly covered by a committed checkpoint. */
  truncate(throughSeq: number): number {
    let removed = 0
    while (this.closedSegments.length > 0) {
      const s = this.closedSegments[0]!
      const next = this.closedSegments[1] ?? this.current!
      if (next.first - 1 > throughSeq) break
      rmSync(s.file, { force: true })
      this.closedSegments.shift()
      removed++
    }
    return removed
  }

  stats(): { segments: number; bytes: number; lastSeq: number } {
    const closed = this.closedSegments.reduce((n, s) => n + s.bytes, 0)
    return {
      segments: this.closedSegments.length + 1,
      bytes: closed + (this.current?.bytes ?? 0) + this.used,
      lastSeq: this.seq,
    }
  }

  close(): void {
    if (this.fd === undefined) return
    this.write()
    this.syncNow()
    closeSync(this.fd)
    this.fd = undefined
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      if (this.fd === undefined) return
      this.write()
      this.sync()
    })
  }

  /** One fdatasync for everybody waiting; whoever arrives meanwhile waits for the next one. */
  private sync(): void {
    if (this.syncing || this.unsynced.length === 0 || this.fd === undefined) return
    this.syncing = true
    const batch = this.unsynced
    this.unsynced = []
    fdatasync(this.fd, (err) => {
      this.syncing = false
      for (const w of batch) w.settle(err ?? undefined)
      this.sync()
    })
  }

  private syncNow(): void {
    if (this.fd === undefined) return
    fdatasyncSync(this.fd)
    const batch = this.unsynced
    this.unsynced = []
    for (const w of batch) w.settle()
  }

  private closeSegment(): void {
    if (this.fd === undefined) return
    closeSync(this.fd)
    this.fd = undefined
    // An empty segment covers nothing: drop it rather than keep it.
    if (this.current!.bytes === 0) rmSync(this.current!.file, { force: true })
    else this.closedSegments.push(this.current!)
    this.current = undefined
  }

  private startSegment(): void {
    const first = this.seq + 1
    const file = join(this.dir, `${String(first).padStart(16, '0')}.wal`)
    this.fd = openSync(file, 'a')
    this.current = { first, file, bytes: statSync(file).size }
  }
}

/** Reads a segment's records; stops at the first record that is cut short or does not parse. */
export function readSegment(file: string): JournalRecord[] {
  const b = readFileSync(file)
  const out: JournalRecord[] = []
  let o = 0
  while (o + HEADER <= b.length) {
    if (b[o] !== MAGIC) break
    const size = b.readUInt32LE(o + 1) + 5
    if (size < HEADER || o + size > b.length) break
    const topicBytes = b.readUInt16LE(o + 21)
    if (HEADER + topicBytes > size) break
    const seq = b.readDoubleLE(o + 5)
    const receivedAt = b.readDoubleLE(o + 13)
    const topic = b.toString('utf8', o + HEADER, o + HEADER + topicBytes)
    // A copy: the file's buffer is not kept alive by one message.
    const payload = Buffer.from(b.subarray(o + HEADER + topicBytes, o + size))
    out.push({ seq, receivedAt, topic, payload })
    o += size
  }
  return out
}
