import { appendFileSync, mkdtempSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Journal } from '../../ingest/journal.js'

const dirOf = () => join(mkdtempSync(join(tmpdir(), 'schoolmeter-journal-')), 'journal')
const payload = (i: number) => Buffer.from(JSON.stringify({ ts: i, volume_m3: i / 1000 }))
const replayAll = (dir: string, after: number) => {
  const j = new Journal(dir)
  j.open(after)
  const records = [...j.replay(after)]
  j.close()
  return records
}

describe('Journal', () => {
  it('replays what was appended after the checkpoint, in order, across restarts', async () => {
    const dir = dirOf()
    const j = new Journal(dir)
    expect(j.open(0).lastSeq).toBe(0)
    for (let i = 1; i <= 10; i++) j.append(`schools/s/meters/m${i % 3}`, payload(i), 1000 + i)
    await j.durable()
    j.close()
    const all = replayAll(dir, 0)
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(all[4]).toEqual({ seq: 5, receivedAt: 1005, topic: 'schools/s/meters/m2', payload: payload(5) })
    expect(replayAll(dir, 7).map((r) => r.seq)).toEqual([8, 9, 10])
  })

  it('a checkpoint rotates the segment and truncation deletes only covered segments', async () => {
    const dir = dirOf()
    const j = new Journal(dir)
    j.open(0)
    for (let i = 1; i <= 5; i++) j.append('t', payload(i), i)
    const seq = j.rotate()
    expect(seq).toBe(5)
    for (let i = 6; i <= 8; i++) j.append('t', payload(i), i)
    await j.durable()
    expect(readdirSync(dir)).toHaveLength(2)
    expect(j.truncate(seq)).toBe(1)
    expect(readdirSync(dir)).toHaveLength(1)
    j.close()
    // Numbering goes on after a restart; the covered records are gone, the others replay.
    const again = new Journal(dir)
    expect(again.open(5).lastSeq).toBe(8)
    expect([...again.replay(5)].map((r) => r.seq)).toEqual([6, 7, 8])
    expect(again.append('t', payload(9), 9)).toBe(9)
    again.close()
  })

  it('a record cut short by a crash ends the segment; the rest is intact', async () => {
    const dir = dirOf()
    const j = new Journal(dir)
    j.open(0)
    for (let i = 1; i <= 3; i++) j.append('t', payload(i), i)
    j.close()
    const file = join(dir, readdirSync(dir)[0]!)
    const size = statSync(file).size
    // Half a record, as a process killed in the middle of a write would leave.
    appendFileSync(file, Buffer.from([0xa7, 200, 0, 0, 0, 1, 2, 3]))
    expect(statSync(file).size).toBe(size + 8)
    expect(replayAll(dir, 0).map((r) => r.seq)).toEqual([1, 2, 3])
  })

  it('durable() resolves for many waiters with few fdatasyncs, and payloads larger than the buffer fit', async () => {
    const dir = dirOf()
    const j = new Journal(dir)
    j.open(0)
    const waits: Promise<void>[] = []
    for (let i = 1; i <= 2000; i++) {
      j.append('t', payload(i), i)
      waits.push(j.durable())
    }
    const big = Buffer.alloc(3 * 1024 * 1024, 0x41)
    j.append('big', big, 1)
    waits.push(j.durable())
    await Promise.all(waits)
    j.close()
    const all = replayAll(dir, 0)
    expect(all).toHaveLength(2001)
    expect(all[2000]!.payload.equals(big)).toBe(true)
  })
})
