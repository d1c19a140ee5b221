/**
 * The journal's faults with the service as a real process: kill -9 under QoS 1 load, a record cut
 * short at the start of the newest segment (as a crash in its first write leaves it), then another
 * run and another kill; then a changed byte in the middle of a segment. Checkpoints are held off
 * (CHECKPOINT_SECONDS=3600), so what each start knows comes from the journal alone, and no
 * InfluxDB is configured: the readings counted per meter are what the journal gave back.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { readSegment } from '../../ingest/journal.js'
import { kill9, killChildren, QosLoad, startChild, stopChild } from '../helpers/child.js'
import { freePort } from '../helpers/ports.js'
import { bulkConfig } from '../helpers/registry.js'
import { getJson } from '../helpers/service.js'

const METERS = Array.from({ length: 20 }, (_, i) => `BW${i}`)
const SCHOOL = 'bulk-school'

afterEach(() => killChildren())

async function storedReadings(api: string): Promise<number> {
  let n = 0
  for (const m of METERS) n += (await getJson(`${api}/api/v1/meters/${m}`)).body.readings ?? 0
  return n
}

const segments = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.wal'))
    .sort()

describe('the journal under kill -9, with damage on disk', () => {
  it('a torn first record, then a changed byte: nothing acknowledged is lost but the record the byte hit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-journal-crash-'))
    writeFileSync(join(dir, 'district.yaml'), bulkConfig(METERS.length, SCHOOL))
    const env = {
      CONFIG: join(dir, 'district.yaml'),
      DATA_DIR: dir,
      DEMO: '0',
      HTTP_PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      CHECKPOINT_SECONDS: '3600',
      MQTT_MAX_MESSAGES_PER_SECOND: '0',
    }
    const api = `http://127.0.0.1:${env.HTTP_PORT}`
    const journal = join(dir, 'journal')
    let child = await startChild(env)
    const client = await connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`, {
      clientId: 'gw-journal',
      clean: false,
      reconnectPeriod: 200,
    })
    const load = new QosLoad(client, SCHOOL, METERS)

    // Run 1, killed; then the newest segment's first record torn, as a crash in its first write
    // leaves it (the next segment a checkpoint would have started).
    await load.run(2000)
    await load.settle()
    await kill9(child)
    const newest = segments(journal).at(-1)!
    const last = readSegment(join(journal, newest)).at(-1)!.seq + 1
    const template = readFileSync(join(journal, newest))
    const headerBytes = template.subarray(0, 4).toString() === 'SMJ2' ? 24 : 0
    writeFileSync(
      join(journal, `${String(last).padStart(16, '0')}.wal`),
      template.subarray(0, headerBytes + 20),
    )

    // Run 2 acknowledges as many again and is killed before any checkpoint.
    child = await startChild(env)
    await load.run(4000)
    await load.settle()
    await kill9(child)
    child = await startChild(env)
    const afterTorn = await storedReadings(api)
    const output = child.output()
    console.log(
      `FAULT ${JSON.stringify({
        fault: 'kill -9, a torn first record at the start of the newest segment, another run, kill -9',
        acked: load.acked,
        stored: afterTorn,
        ackedButLost: load.acked - afterTorn,
      })}`,
    )
    expect(load.acked).toBe(4000)
    expect(afterTorn).toBe(4000)
    expect(output).toMatch(/ingest journal segment .* is damaged at byte \d+ \(cut_short/)

    // A changed byte in the middle of the biggest segment (a failing disk): only its record is lost.
    await kill9(child)
    const biggest = segments(journal)
      .map((f) => ({ f, size: readFileSync(join(journal, f)).length }))
      .sort((a, b) => b.size - a.size)[0]!
    const bytes = readFileSync(join(journal, biggest.f))
    const at = Math.floor(bytes.length / 2)
    bytes[at] = bytes[at]! ^ 0x04
    writeFileSync(join(journal, biggest.f), bytes)
    child = await startChild(env)
    const afterFlip = await storedReadings(api)
    console.log(
      `FAULT ${JSON.stringify({
        fault: `one byte changed in the middle of a ${bytes.length}-byte journal segment`,
        acked: load.acked,
        stored: afterFlip,
        ackedButLost: load.acked - afterFlip,
      })}`,
    )
    expect(child.output()).toMatch(/is damaged at byte \d+ \(checksum_mismatch/)
    // One message carried one reading here: the record the byte hit; everything after it replays.
    expect(afterFlip).toBe(4000 - 1)
    await client.endAsync()
    await stopChild(child)
  }, 240_000)
})
