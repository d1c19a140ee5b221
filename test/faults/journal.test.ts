/**
 * The journal against damage on disk: records cut short (a crash or a full disk in the middle of
 * a write) and bytes changed (a failing disk), at every position of a small journal. Whatever is
 * damaged, no record comes back altered, nothing acknowledged before the damage is lost, and the
 * next run never writes behind the damage.
 */
import {
  cpSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { diskFull } from '../../app/disk.js'
import {
  Journal,
  type JournalDamage,
  type JournalFailure,
  type JournalIo,
  type JournalRecord,
  JournalUnavailableError,
} from '../../ingest/journal.js'

const base = () => mkdtempSync(join(tmpdir(), 'schoolmeter-journal-faults-'))
const payload = (i: number) => Buffer.from(JSON.stringify({ ts: 1_790_000_000_000 + i, volume_m3: i / 1000 }))
const topic = (i: number) => `schools/s/meters/m${i % 3}`
const segments = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.wal'))
    .sort()

/** Opens the journal as a start would, replays what follows `after`, and leaves it open. */
function start(dir: string, after = 0, damage: JournalDamage[] = []) {
  const j = new Journal(dir, { onDamage: (d) => damage.push(d) })
  j.open(after)
  const records = [...j.replay(after)]
  return { j, records, damage }
}

/** Appends records and waits for their fdatasync: what a QoS 1 PUBACK waits for. */
async function acknowledged(j: Journal, from: number, count: number): Promise<JournalRecord[]> {
  const out: JournalRecord[] = []
  for (let i = from; i < from + count; i++) {
    const seq = j.append(topic(i), payload(i), 1000 + i)
    out.push({ seq, receivedAt: 1000 + i, topic: topic(i), payload: payload(i) })
  }
  await j.durable()
  return out
}

const view = (records: JournalRecord[]) =>
  records.map((r) => `${r.seq}|${r.receivedAt}|${r.topic}|${r.payload.toString('hex')}`)

/** A small journal of one segment: the records and where each ends in the file. */
async function smallJournal(count: number) {
  const dir = join(base(), 'journal')
  const j = new Journal(dir)
  j.open(0)
  const records: JournalRecord[] = []
  const ends: number[] = []
  for (let i = 1; i <= count; i++) {
    records.push(...(await acknowledged(j, i, 1)))
    j.write()
    ends.push(j.stats().bytes)
  }
  j.close()
  const [name] = segments(dir)
  // Every record here has the same size; the first starts after the segment's header.
  const starts = [ends[0]! - (ends[1]! - ends[0]!), ...ends.slice(0, -1)]
  return { dir, file: join(dir, name!), records, starts, ends }
}

describe('a record cut short at the start of a segment', () => {
  it('the next run does not write behind it, and a crash after that loses nothing acknowledged', async () => {
    const dir = join(base(), 'journal')
    // Run 1: readings, a checkpoint (a new segment), and a crash in the middle of the new
    // segment's first record.
    const run1 = start(dir)
    const before = await acknowledged(run1.j, 1, 5)
    const checkpoint = run1.j.rotate()
    run1.j.append(topic(6), payload(6), 1006)
    run1.j.write()
    const torn = join(dir, segments(dir).at(-1)!)
    truncateSync(torn, readFileSync(torn).length - 10)
    // Run 2 starts after the checkpoint: nothing to replay; its readings are acknowledged, then
    // it crashes before its own checkpoint.
    const run2 = start(dir, checkpoint)
    expect(run2.records).toEqual([])
    const during = await acknowledged(run2.j, 7, 50)
    // Run 3 gets back everything run 2 acknowledged.
    const run3 = start(dir, checkpoint)
    expect(view(run3.records)).toEqual(view(during))
    expect(run3.damage.map((d) => d.reason)).toEqual(['cut_short'])
    run3.j.close()
    expect(before).toHaveLength(5)
  })
})

describe('damage at every position of a small journal', () => {
  it('a tear at any byte: every whole record before it replays, and the next run is kept', async () => {
    const { dir, file, records, starts, ends } = await smallJournal(4)
    const size = readFileSync(file).length
    for (let at = 0; at < size; at++) {
      const copy = join(base(), 'journal')
      cpSync(dir, copy, { recursive: true })
      truncateSync(join(copy, file.slice(dir.length + 1)), at)
      const run = start(copy)
      const whole = records.filter((_, i) => ends[i]! <= at)
      expect(view(run.records), `torn at ${at}`).toEqual(view(whole))
      // Only a partial record (or header) is damage; a tear between records says nothing.
      const partial = at > 0 && !ends.includes(at) && at !== starts[0]
      expect(run.damage.length, `damage reported for a tear at ${at}`).toBe(partial ? 1 : 0)
      const next = await acknowledged(run.j, 100, 3)
      const again = start(copy)
      expect(view(again.records), `torn at ${at}, then three more`).toEqual(view([...whole, ...next]))
      again.j.close()
      rmSync(copy, { recursive: true, force: true })
    }
  })

  it('a changed byte anywhere: no record comes back altered, and only the record it hit is lost', async () => {
    const { dir, file, records, starts, ends } = await smallJournal(4)
    const original = readFileSync(file)
    for (let at = 0; at < original.length; at++) {
      const copy = join(base(), 'journal')
      mkdirSync(copy, { recursive: true })
      const damaged = Buffer.from(original)
      damaged[at] = damaged[at]! ^ 0x10
      writeFileSync(join(copy, file.slice(dir.length + 1)), damaged)
      const run = start(copy)
      // A byte of the segment's header (kept twice) costs nothing; a byte of a record, that record.
      const hit = ends.findIndex((end, i) => at >= starts[i]! && at < end)
      const recordStart = starts[hit] ?? 0
      const expected = records.filter((_, i) => i !== hit)
      expect(view(run.records), `byte ${at} changed`).toEqual(view(expected))
      if (expected.length < records.length) {
        expect(run.damage.length, `damage reported at byte ${at}`).toBeGreaterThan(0)
        expect(run.damage[0]!.segment).toContain(copy)
        expect(run.damage[0]!.offset).toBe(recordStart)
      }
      run.j.close()
      rmSync(copy, { recursive: true, force: true })
    }
  })
})

describe('what is done with damage', () => {
  it('says where it is and keeps the damaged bytes aside for inspection', async () => {
    const { dir, file, ends } = await smallJournal(4)
    const bytes = readFileSync(file)
    truncateSync(file, ends[2]! + 7)
    const run = start(dir)
    expect(run.records.map((r) => r.seq)).toEqual([1, 2, 3])
    expect(run.damage).toHaveLength(1)
    const d = run.damage[0]!
    expect(d).toMatchObject({
      segment: file,
      offset: ends[2],
      bytes: 7,
      reason: 'cut_short',
      recordsAfter: 0,
    })
    expect(existsSync(d.keptAt!)).toBe(true)
    expect(readFileSync(d.keptAt!).equals(bytes.subarray(ends[2]!, ends[2]! + 7))).toBe(true)
    // The next run's records go to a segment of their own, never behind the damage.
    const next = await acknowledged(run.j, 10, 2)
    run.j.close()
    expect(readFileSync(file).length).toBe(ends[2]! + 7)
    expect(segments(dir)).toHaveLength(2)
    expect(start(dir).records.map((r) => r.seq)).toEqual([1, 2, 3, ...next.map((r) => r.seq)])
  })
})

/** A record as the journal's first format wrote it (no checksum, no segment header). */
function legacyRecord(seq: number, i: number): Buffer {
  const t = Buffer.from(topic(i))
  const p = payload(i)
  const b = Buffer.alloc(23 + t.length + p.length)
  b[0] = 0xa7
  b.writeUInt32LE(b.length - 5, 1)
  b.writeDoubleLE(seq, 5)
  b.writeDoubleLE(1000 + i, 13)
  b.writeUInt16LE(t.length, 21)
  t.copy(b, 23)
  p.copy(b, 23 + t.length)
  return b
}
const legacyView = (seqs: number[]) =>
  seqs.map((seq) => `${seq}|${1000 + seq}|${topic(seq)}|${payload(seq).toString('hex')}`)

describe('journals of the first format (before checksums)', () => {
  it('replay after an upgrade; new records go to a segment of the current format', async () => {
    const dir = join(base(), 'journal')
    mkdirSync(dir)
    writeFileSync(
      join(dir, '0000000000000001.wal'),
      Buffer.concat([1, 2, 3, 4, 5].map((i) => legacyRecord(i, i))),
    )
    writeFileSync(join(dir, '0000000000000006.wal'), Buffer.concat([6, 7].map((i) => legacyRecord(i, i))))
    const run = start(dir, 2)
    expect(view(run.records)).toEqual(legacyView([3, 4, 5, 6, 7]))
    expect(run.damage).toEqual([])
    const next = await acknowledged(run.j, 8, 2)
    expect(next.map((r) => r.seq)).toEqual([8, 9])
    run.j.close()
    expect(readFileSync(join(dir, '0000000000000008.wal')).subarray(0, 4).toString()).toBe('SMJ2')
    expect(view(start(dir, 2).records)).toEqual([...legacyView([3, 4, 5, 6, 7]), ...view(next)])
  })

  it('find the records that start of theirs wrote behind a torn first record', () => {
    // The first format's start reopened a segment whose first record was torn and appended its
    // own records behind it, numbered from the torn record's seq: those are acknowledged readings.
    const dir = join(base(), 'journal')
    mkdirSync(dir)
    writeFileSync(join(dir, '0000000000000001.wal'), Buffer.concat([1, 2, 3].map((i) => legacyRecord(i, i))))
    const torn = legacyRecord(4, 99).subarray(0, 30)
    writeFileSync(
      join(dir, '0000000000000004.wal'),
      Buffer.concat([torn, ...[4, 5, 6, 7].map((i) => legacyRecord(i, i))]),
    )
    const run = start(dir, 3)
    expect(view(run.records)).toEqual(legacyView([4, 5, 6, 7]))
    expect(run.damage).toMatchObject([{ offset: 0, bytes: 30, reason: 'cut_short', recordsAfter: 4 }])
    run.j.close()
  })
})

describe('a disk that refuses writes (ENOSPC at the file-system seam)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  /** Writes through to the disk until `room` bytes are used up, then fails as a full disk does. */
  function fillingDisk() {
    const disk = { room: Number.POSITIVE_INFINITY }
    const io: JournalIo = {
      openSync,
      fdatasync,
      fdatasyncSync,
      writeSync: (fd, buffer, offset, length) => {
        if (disk.room <= 0)
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
        const n = writeSync(fd, buffer, offset, Math.min(length, disk.room))
        disk.room -= n
        return n
      },
    }
    return { disk, io }
  }

  it('holds acknowledgements while the disk is full and gives them once it has room; nothing lost', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const dir = join(base(), 'journal')
    const { disk, io } = fillingDisk()
    const failures: (JournalFailure | undefined)[] = []
    const j = new Journal(dir, { io, retryMs: 1000, onFailure: (f) => failures.push(f) })
    j.open(0)
    const before = await acknowledged(j, 1, 10)
    // Room for half a record: the write stops in the middle of one.
    disk.room = 30
    const during: JournalRecord[] = []
    for (let i = 11; i <= 20; i++) {
      const seq = j.append(topic(i), payload(i), 1000 + i)
      during.push({ seq, receivedAt: 1000 + i, topic: topic(i), payload: payload(i) })
    }
    let acked = false
    const waiting = j.durable().then(() => {
      acked = true
    })
    for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r))
    expect(acked).toBe(false)
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({ code: 'ENOSPC', diskFull: true })
    expect(failures[0]!.path).toContain(dir)
    expect(j.failure?.diskFull).toBe(true)
    // A checkpoint cannot start a new segment meanwhile.
    expect(() => j.rotate()).toThrow(JournalUnavailableError)
    // Still full at the next try; then space comes back.
    vi.advanceTimersByTime(1000)
    expect(acked).toBe(false)
    disk.room = Number.POSITIVE_INFINITY
    vi.advanceTimersByTime(1000)
    await waiting
    expect(failures).toEqual([failures[0], undefined])
    expect(j.failure).toBeUndefined()
    j.close()
    const again = start(dir)
    expect(view(again.records)).toEqual(view([...before, ...during]))
    expect(again.damage).toEqual([])
    again.j.close()
  })

  it('a start that cannot create its segment says the disk is full, as a start on a full disk must', () => {
    const dir = join(base(), 'journal')
    const io: JournalIo = {
      fdatasync,
      fdatasyncSync,
      writeSync: (fd, buffer, offset, length) => writeSync(fd, buffer, offset, length),
      openSync: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, open'), { code: 'ENOSPC' })
      },
    }
    const err = (() => {
      try {
        new Journal(dir, { io }).open(0)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(JournalUnavailableError)
    expect(diskFull(err, dir)).toBeDefined()
  })

  it('a crash while the disk is full loses nothing that was acknowledged', async () => {
    const dir = join(base(), 'journal')
    const { disk, io } = fillingDisk()
    const j = new Journal(dir, { io })
    j.open(0)
    const before = await acknowledged(j, 1, 10)
    disk.room = 30
    for (let i = 11; i <= 20; i++) j.append(topic(i), payload(i), 1000 + i)
    expect(j.write()).toBe(false)
    // The process dies here: a partial record ends the segment, nothing after it was acknowledged.
    const after = start(dir)
    expect(view(after.records)).toEqual(view(before))
    expect(after.damage).toMatchObject([{ reason: 'cut_short', bytes: 30 }])
    after.j.close()
  })
})
