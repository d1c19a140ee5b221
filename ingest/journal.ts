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
 * InfluxDB or the spool, the older segments are deleted. A segment is written by one run only:
 * a start never reopens an existing file, so nothing is ever written behind a damaged record.
 *
 * Segment: header `SMJ2`, an 8-byte random salt twice, CRC-32 of `SMJ2` + salt (24 bytes); then
 * records: magic 0xA8, u32 CRC-32 of the rest of the record seeded with the salt's CRC, u32 record
 * length, f64 seq, f64 receivedAt, u16 topic length, topic, payload (all little-endian). The salt
 * is unknown outside the file, so a payload cannot carry bytes that pass for a record of ours.
 *
 * Reading stops at the first record that is cut short or fails its checksum: that is reported
 * (segment, offset, reason) and the damaged tail is copied to `journal/damaged/` for inspection.
 * A crash or a full disk can only tear records that were never acknowledged, at the end of the
 * newest segment. A changed byte (a failing disk) costs the record it hit: the reader looks past
 * it for the next record whose checksum holds and whose seq follows, and goes on from there.
 *
 * Segments of the first format (records `0xA7`, u32 length, f64 seq, f64 receivedAt, u16 topic
 * length, topic, payload; no checksum, no header) are still read after an upgrade, up to their
 * first bad record; new records are always written in the current format.
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { basename, join } from 'node:path'
import { crc32 } from 'node:zlib'
import { logLine } from '../core/i18n/index.js'

const SEGMENT_MAGIC = Buffer.from('SMJ2')
/** `SMJ2`, salt, salt again, CRC-32 of `SMJ2` + salt. */
const SEGMENT_HEADER = 4 + 8 + 8 + 4
const MAGIC = 0xa8
/** magic + CRC + length + seq + receivedAt + topic length */
const HEADER = 1 + 4 + 4 + 8 + 8 + 2
/** Records of the first format: magic + length of the rest + seq + receivedAt + topic length. */
const LEGACY_MAGIC = 0xa7
const LEGACY_HEADER = 1 + 4 + 8 + 8 + 2
const BUFFER_BYTES = 1 << 20
/** How often writing is tried again while the disk refuses it. */
const RETRY_MS = 1000

export interface JournalRecord {
  seq: number
  receivedAt: number
  topic: string
  payload: Buffer
}

/** Bytes of a segment that could not be read back as records. */
export interface JournalDamage {
  segment: string
  /** Where the unreadable bytes begin. */
  offset: number
  /** How many bytes could not be read (up to the next good record or the end). */
  bytes: number
  reason: 'cut_short' | 'checksum_mismatch' | 'bad_record' | 'bad_header'
  /** Intact records found after it in the same segment (they are replayed). */
  recordsAfter: number
  /** The copy of the segment's damaged tail, for inspection; undefined if it could not be made. */
  keptAt?: string
}

/** Why the journal cannot take records now; publishers are held back until it can. */
export interface JournalFailure {
  /** The file or folder that could not be written. */
  path: string
  code: string
  message: string
  /** The disk has no room (ENOSPC, EDQUOT), as opposed to some other refusal. */
  diskFull: boolean
  since: number
}

/** The file-system calls the journal writes through; tests pass their own to refuse writes. */
export interface JournalIo {
  openSync: typeof openSync
  writeSync: (fd: number, buffer: Buffer, offset: number, length: number) => number
  fdatasync: typeof fdatasync
  fdatasyncSync: typeof fdatasyncSync
}

const NODE_IO: JournalIo = { openSync, writeSync, fdatasync, fdatasyncSync }

export interface JournalOptions {
  /** Told of each damaged place found when reading segments back. */
  onDamage?: (damage: JournalDamage) => void
  /** Told when writing fails (with why) and when it works again (undefined). */
  onFailure?: (failure: JournalFailure | undefined) => void
  retryMs?: number
  io?: JournalIo
}

/** Thrown by `open()` and `rotate()` while the journal cannot write; `code` is the file system's (ENOSPC …). */
export class JournalUnavailableError extends Error {
  readonly code: string
  constructor(readonly failure: JournalFailure) {
    super(logLine`the journal cannot write ${failure.path}: ${failure.message}`)
    this.code = failure.code
  }
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

const segmentName = (first: number) => `${String(first).padStart(16, '0')}.wal`

export class Journal {
  private fd: number | undefined
  private current: Segment | undefined
  private readonly closedSegments: Segment[] = []
  private seq = 0
  /** The first seq of the segment being written, or of the next one while none is open. */
  private segmentFirst = 1
  /** The salt of that segment, and the CRC its records' checksums start from. */
  private salt = randomBytes(8)
  private seed = crc32(this.salt)
  private buf = Buffer.allocUnsafe(BUFFER_BYTES)
  private used = 0
  /** Bytes at the start of the buffer already in the file (a write cut short by a full disk). */
  private written = 0
  private scheduled = false
  /** Waiting for records still in the buffer. */
  private waiting: Waiters | undefined
  /** Waiting for an fdatasync of records already written (the newest last). */
  private unsynced: Waiters[] = []
  private syncing = false
  private bytesSinceCheckpoint = 0
  private failed: (JournalFailure & { op: 'open' | 'write' | 'sync' }) | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private closed = false
  /** Segments whose damage was reported already (the newest is read by open and by replay). */
  private readonly reported = new Set<string>()
  private readonly io: JournalIo

  constructor(
    readonly dir: string,
    private readonly o: JournalOptions = {},
  ) {
    this.io = o.io ?? NODE_IO
  }

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
      // The new segment's name must be new: a newest segment with no whole record still holds
      // its file name (and its damage, kept until a checkpoint covers it).
      last = Math.max(last, newest.first)
      for (const r of this.read(newest)) last = Math.max(last, r.seq)
    }
    this.closedSegments.push(...segments)
    this.seq = last
    this.segmentFirst = last + 1
    if (!this.openSegment()) throw new JournalUnavailableError(this.failed!)
    return { segments: segments.length, bytes: segments.reduce((n, s) => n + s.bytes, 0), lastSeq: last }
  }

  /** The records an earlier run left after `afterSeq`, oldest first, one segment in memory at a time. */
  *replay(afterSeq: number): Generator<JournalRecord> {
    const segments = this.closedSegments
    for (let i = 0; i < segments.length; i++) {
      const next = segments[i + 1]
      // Every record of this segment is older than the next segment's first one.
      if (next && next.first <= afterSeq + 1) continue
      for (const r of this.read(segments[i]!)) {
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

  /** Why records cannot be written now; undefined while they can. */
  get failure(): JournalFailure | undefined {
    if (!this.failed) return undefined
    const { op: _op, ...failure } = this.failed
    return failure
  }

  /** Appends a record (buffered; written within the same turn of the event loop). */
  append(topic: string, payload: Buffer, receivedAt: number): number {
    const topicBytes = Buffer.byteLength(topic)
    const size = HEADER + topicBytes + payload.length
    if (this.used + size > this.buf.length) {
      this.write()
      // The disk may have refused: then the buffer keeps everything and grows.
      if (this.used + size > this.buf.length) this.grow(this.used + size)
    }
    const seq = ++this.seq
    const b = this.buf
    const start = this.used
    let o = start
    b[o] = MAGIC
    b.writeUInt32LE(size, o + 5)
    b.writeDoubleLE(seq, o + 9)
    b.writeDoubleLE(receivedAt, o + 17)
    b.writeUInt16LE(topicBytes, o + 25)
    o += HEADER
    o += b.write(topic, o, 'utf8')
    o += payload.copy(b, o)
    b.writeUInt32LE(crc32(b.subarray(start + 5, o), this.seed), start + 1)
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

  /**
   * Writes the buffer now (the records then survive a crash of the process, not of the machine).
   * False when the disk refused: the records stay in the buffer and are written once it takes them.
   */
  write(): boolean {
    if (this.used > 0) {
      if (this.fd === undefined && !this.openSegment()) return false
      try {
        while (this.written < this.used) {
          const n = this.io.writeSync(this.fd!, this.buf, this.written, this.used - this.written)
          this.written += n
          this.current!.bytes += n
        }
      } catch (err) {
        this.fail(err as NodeJS.ErrnoException, 'write', this.current!.file)
        return false
      }
      this.used = 0
      this.written = 0
      if (this.failed?.op === 'write') this.recovered()
    }
    if (this.waiting) {
      this.unsynced.push(this.waiting)
      this.waiting = undefined
    }
    return true
  }

  /**
   * Starts a new segment for a checkpoint and returns the sequence number the checkpoint covers:
   * everything up to it is in the closed segments. Throws while the journal cannot write.
   */
  rotate(): number {
    if (!this.write()) throw new JournalUnavailableError(this.failure!)
    if (this.fd !== undefined) {
      try {
        this.syncNow()
      } catch (err) {
        this.fail(err as NodeJS.ErrnoException, 'sync', this.current!.file)
        throw new JournalUnavailableError(this.failure!)
      }
      this.closeSegment()
    }
    this.bytesSinceCheckpoint = 0
    this.segmentFirst = this.seq + 1
    this.salt = randomBytes(8)
    this.seed = crc32(this.salt)
    // If the disk refuses the new file now, the next write tries again.
    this.openSegment()
    return this.seq
  }

  /** Deletes the segments wholly covered by a committed checkpoint. */
  truncate(throughSeq: number): number {
    let removed = 0
    while (this.closedSegments.length > 0) {
      const s = this.closedSegments[0]!
      const nextFirst = this.closedSegments[1]?.first ?? this.segmentFirst
      if (nextFirst - 1 > throughSeq) break
      rmSync(s.file, { force: true })
      this.closedSegments.shift()
      removed++
    }
    return removed
  }

  stats(): { segments: number; bytes: number; lastSeq: number } {
    const closed = this.closedSegments.reduce((n, s) => n + s.bytes, 0)
    return {
      segments: this.closedSegments.length + (this.current ? 1 : 0),
      bytes: closed + (this.current?.bytes ?? 0) + this.used - this.written,
      lastSeq: this.seq,
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.retryTimer)
    if (this.fd === undefined) return
    // Records the disk would not take were never acknowledged; the publishers send them again.
    if (this.write()) {
      try {
        this.syncNow()
      } catch {}
    }
    closeSync(this.fd)
    this.fd = undefined
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, 2 * this.buf.length))
    this.buf.copy(next, 0, 0, this.used)
    this.buf = next
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      if (this.closed) return
      if (this.write()) this.sync()
    })
  }

  /** One fdatasync for everybody waiting; whoever arrives meanwhile waits for the next one. */
  private sync(): void {
    if (this.syncing || this.unsynced.length === 0 || this.fd === undefined) return
    this.syncing = true
    const batch = this.unsynced
    this.unsynced = []
    const file = this.current!.file
    this.io.fdatasync(this.fd, (err) => {
      this.syncing = false
      // After a failed fdatasync nobody can say what reached the disk: those messages are not
      // acknowledged (their publishers send them again), and the journal holds back until a sync works.
      if (err) this.fail(err, 'sync', file)
      else if (this.failed?.op === 'sync') this.recovered()
      for (const w of batch) w.settle(err ?? undefined)
      this.sync()
    })
  }

  private syncNow(): void {
    if (this.fd === undefined) return
    this.io.fdatasyncSync(this.fd)
    const batch = this.unsynced
    this.unsynced = []
    for (const w of batch) w.settle()
  }

  private closeSegment(): void {
    if (this.fd === undefined) return
    closeSync(this.fd)
    this.fd = undefined
    // A segment without records covers nothing: drop it rather than keep it.
    if (this.current!.bytes <= SEGMENT_HEADER) rmSync(this.current!.file, { force: true })
    else this.closedSegments.push(this.current!)
    this.current = undefined
  }

  /** Creates the next segment (never an existing file) with its header; false if the disk refuses. */
  private openSegment(): boolean {
    const first = this.segmentFirst
    const file = join(this.dir, segmentName(first))
    let fd: number | undefined
    try {
      fd = this.io.openSync(file, 'wx')
      const header = segmentHeader(this.salt)
      let off = 0
      while (off < header.length) off += this.io.writeSync(fd, header, off, header.length - off)
      syncFolder(this.dir)
    } catch (err) {
      if (fd !== undefined) {
        closeSync(fd)
        rmSync(file, { force: true })
      }
      this.fail(err as NodeJS.ErrnoException, 'open', file)
      return false
    }
    this.fd = fd
    this.current = { first, file, bytes: SEGMENT_HEADER }
    if (this.failed?.op === 'open') this.recovered()
    return true
  }

  private fail(err: NodeJS.ErrnoException, op: 'open' | 'write' | 'sync', path: string): void {
    const first = this.failed === undefined
    const code = err.code ?? 'EIO'
    this.failed = {
      op,
      path,
      code,
      message: err.message,
      diskFull: code === 'ENOSPC' || code === 'EDQUOT',
      since: this.failed?.since ?? Date.now(),
    }
    if (first) this.o.onFailure?.(this.failure)
    if (!this.retryTimer && !this.closed) {
      this.retryTimer = setTimeout(() => this.retry(), this.o.retryMs ?? RETRY_MS)
      this.retryTimer.unref()
    }
  }

  private retry(): void {
    this.retryTimer = undefined
    if (this.closed || !this.failed) return
    if (!this.write()) return
    if (this.fd === undefined && !this.openSegment()) return
    if (this.unsynced.length > 0) {
      this.sync()
      return
    }
    if (this.failed?.op !== 'sync') {
      this.recovered()
      return
    }
    // Nothing waits, but the last sync failed: see whether one works now.
    this.io.fdatasync(this.fd!, (err) => {
      if (err) this.fail(err, 'sync', this.current?.file ?? this.dir)
      else if (this.failed?.op === 'sync') this.recovered()
    })
  }

  private recovered(): void {
    if (!this.failed) return
    this.failed = undefined
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.o.onFailure?.(undefined)
  }

  /** A segment's records; its damage is reported (once) and its damaged tail copied aside. */
  private read(segment: Segment): JournalRecord[] {
    const bytes = readFileSync(segment.file)
    const { records, damage } = scanSegment(bytes, segment.first)
    if (damage.length > 0 && !this.reported.has(segment.file)) {
      this.reported.add(segment.file)
      const keptAt = keepAside(this.dir, segment.file, bytes, damage[0]!.offset)
      for (const d of damage)
        this.o.onDamage?.({ segment: segment.file, ...d, ...(keptAt ? { keptAt } : {}) })
    }
    return records
  }
}

/** `SMJ2`, the salt twice (a changed byte in one copy leaves the other), CRC-32 of `SMJ2` + salt. */
function segmentHeader(salt: Buffer): Buffer {
  const h = Buffer.alloc(SEGMENT_HEADER)
  SEGMENT_MAGIC.copy(h, 0)
  salt.copy(h, 4)
  salt.copy(h, 12)
  h.writeUInt32LE(crc32(h.subarray(0, 12)), 20)
  return h
}

/** The salt of a segment in the current format; undefined for the first format or a ruined header. */
function segmentSalt(b: Buffer): Buffer | undefined {
  if (b.length < SEGMENT_HEADER) return undefined
  const a = b.subarray(4, 12)
  const c = b.subarray(12, 20)
  if (a.equals(c)) return b.subarray(0, 4).equals(SEGMENT_MAGIC) || checks(a) ? Buffer.from(a) : undefined
  if (checks(a)) return Buffer.from(a)
  if (checks(c)) return Buffer.from(c)
  return undefined

  function checks(salt: Buffer): boolean {
    return crc32(salt, crc32(SEGMENT_MAGIC)) === b.readUInt32LE(20)
  }
}

type Damage = Omit<JournalDamage, 'segment' | 'keptAt'>

interface Scanned {
  records: JournalRecord[]
  damage: Damage[]
}

/**
 * The records of a segment file and the places where it is damaged. `first` is the seq its name
 * gives: every record of it has that seq or a higher one, each higher than the one before.
 */
export function scanSegment(b: Buffer, first: number): Scanned {
  const salt = segmentSalt(b)
  if (!salt) {
    if (b[0] === LEGACY_MAGIC) return scanLegacy(b, first)
    const torn = b.length < SEGMENT_HEADER && b.subarray(0, 4).equals(SEGMENT_MAGIC.subarray(0, b.length))
    return {
      records: [],
      damage: [{ offset: 0, bytes: b.length, reason: torn ? 'cut_short' : 'bad_header', recordsAfter: 0 }],
    }
  }
  const seed = crc32(salt)
  const records: JournalRecord[] = []
  const offsets: number[] = []
  const damage: Damage[] = []
  let last = first - 1
  let o = SEGMENT_HEADER
  while (o < b.length) {
    const r = parseRecord(b, o, seed, last)
    if (typeof r !== 'string') {
      records.push(r.record)
      offsets.push(o)
      last = r.record.seq
      o += r.size
      continue
    }
    // Look past the damage for the next record whose checksum holds and whose seq follows.
    let next = b.indexOf(MAGIC, o + 1)
    while (next >= 0 && typeof parseRecord(b, next, seed, last) === 'string')
      next = b.indexOf(MAGIC, next + 1)
    const end = next >= 0 ? next : b.length
    damage.push({ offset: o, bytes: end - o, reason: r, recordsAfter: 0 })
    o = end
  }
  return { records, damage: counted(damage, offsets) }
}

/** Each damaged place with the number of records after it in the same segment. */
function counted(damage: Damage[], offsets: number[]): Damage[] {
  for (const d of damage) d.recordsAfter = offsets.filter((x) => x > d.offset).length
  return damage
}

function parseRecord(
  b: Buffer,
  o: number,
  seed: number,
  last: number,
): { record: JournalRecord; size: number } | Damage['reason'] {
  if (b[o] !== MAGIC) return 'bad_record'
  if (o + HEADER > b.length) return 'cut_short'
  const size = b.readUInt32LE(o + 5)
  if (size < HEADER) return 'bad_record'
  if (o + size > b.length) return 'cut_short'
  if (crc32(b.subarray(o + 5, o + size), seed) !== b.readUInt32LE(o + 1)) return 'checksum_mismatch'
  const seq = b.readDoubleLE(o + 9)
  const topicBytes = b.readUInt16LE(o + 25)
  if (!(seq > last) || HEADER + topicBytes > size) return 'bad_record'
  return {
    record: {
      seq,
      receivedAt: b.readDoubleLE(o + 17),
      topic: b.toString('utf8', o + HEADER, o + HEADER + topicBytes),
      // A copy: the file's buffer is not kept alive by one message.
      payload: Buffer.from(b.subarray(o + HEADER + topicBytes, o + size)),
    },
    size,
  }
}

/**
 * Segments of the first format carry no checksum: reading stops at the first record that is cut
 * short or does not parse. One exception: that format's start reopened a segment whose first
 * record was torn and appended its own records behind it, the first of them with the torn
 * record's seq (and the torn record's length running into them). When reading from the start
 * breaks, a chain of records starting later with the segment's first seq is looked for, and read
 * instead if it holds more.
 */
function scanLegacy(b: Buffer, first: number): Scanned {
  const plain = scanLegacyFrom(b, 0, first)
  const broken = plain.damage[0]
  if (!broken) return plain
  for (let p = b.indexOf(LEGACY_MAGIC, 1); p >= 0 && p < broken.offset; p = b.indexOf(LEGACY_MAGIC, p + 1)) {
    if (parseLegacy(b, p)?.record.seq !== first) continue
    const behind = scanLegacyFrom(b, p, first)
    if (behind.records.length <= plain.records.length) continue
    const torn: Damage = { offset: 0, bytes: p, reason: 'cut_short', recordsAfter: behind.records.length }
    return { records: behind.records, damage: [torn, ...behind.damage] }
  }
  return plain
}

function scanLegacyFrom(b: Buffer, from: number, first: number): Scanned {
  const records: JournalRecord[] = []
  const offsets: number[] = []
  let o = from
  let last = first - 1
  while (o < b.length) {
    const r = parseLegacy(b, o)
    if (!r || !(r.record.seq > last)) break
    records.push(r.record)
    offsets.push(o)
    last = r.record.seq
    o += r.size
  }
  if (o >= b.length) return { records, damage: [] }
  const reason = tornLegacy(b, o) ? 'cut_short' : 'bad_record'
  return { records, damage: [{ offset: o, bytes: b.length - o, reason, recordsAfter: 0 }] }
}

/** A record of the first format whose header is there but whose bytes run past the end. */
function tornLegacy(b: Buffer, o: number): boolean {
  return b[o] === LEGACY_MAGIC && (o + LEGACY_HEADER > b.length || o + b.readUInt32LE(o + 1) + 5 > b.length)
}

function parseLegacy(b: Buffer, o: number): { record: JournalRecord; size: number } | undefined {
  if (b[o] !== LEGACY_MAGIC || o + LEGACY_HEADER > b.length) return undefined
  const size = b.readUInt32LE(o + 1) + 5
  if (size < LEGACY_HEADER || o + size > b.length) return undefined
  const topicBytes = b.readUInt16LE(o + 21)
  if (LEGACY_HEADER + topicBytes > size) return undefined
  return {
    record: {
      seq: b.readDoubleLE(o + 5),
      receivedAt: b.readDoubleLE(o + 13),
      topic: b.toString('utf8', o + LEGACY_HEADER, o + LEGACY_HEADER + topicBytes),
      payload: Buffer.from(b.subarray(o + LEGACY_HEADER + topicBytes, o + size)),
    },
    size,
  }
}

/** Copies a segment's bytes from `offset` on to `journal/damaged/`; the path, or undefined if it failed. */
function keepAside(dir: string, file: string, bytes: Buffer, offset: number): string | undefined {
  try {
    const folder = join(dir, 'damaged')
    mkdirSync(folder, { recursive: true })
    const copy = join(folder, `${basename(file, '.wal')}-at-${offset}.bin`)
    writeFileSync(copy, bytes.subarray(offset))
    return copy
  } catch {
    return undefined
  }
}

/** Makes a new file's name durable. */
function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Reads a segment's records (as a start would, without reporting its damage). */
export function readSegment(file: string): JournalRecord[] {
  const first = Number(basename(file, '.wal'))
  return scanSegment(readFileSync(file), Number.isFinite(first) ? first : 0).records
}
