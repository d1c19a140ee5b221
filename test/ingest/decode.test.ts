import { describe, expect, it } from 'vitest'
import { type Message, render } from '../../core/i18n/index.js'
import { DEFAULT_LIMITS, decodeMessage, parseTimestamp } from '../../ingest/decode.js'
import { matchTopic } from '../../ingest/topics.js'
import { testRegistry } from '../helpers/registry.js'

const registry = testRegistry()
const NOW = Date.parse('2026-11-26T08:05:00+08:00')
const decode = (topic: string, payload: unknown, limits = DEFAULT_LIMITS) =>
  decodeMessage(
    topic,
    Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    NOW,
    registry,
    limits,
  )
const W1 = 'schools/test-school/meters/W1'
const ts = '2026-11-26T08:00:00+08:00'

/** A refusal as an English reader sees it. */
const said = (v: number | Message) => (typeof v === 'number' ? v : render('en', v))

describe('topics', () => {
  it('recognises meter and gateway topics', () => {
    expect(matchTopic('schools/test-school/meters/W1')).toEqual({
      kind: 'meter',
      school: 'test-school',
      meter: 'W1',
    })
    expect(matchTopic('schools/a-1/gateways/gw.01_x')).toEqual({
      kind: 'gateway',
      school: 'a-1',
      gateway: 'gw.01_x',
    })
  })
  it('ignores topics outside schools/ and our own output topics', () => {
    expect(matchTopic('$SYS/broker/uptime').kind).toBe('ignore')
    expect(matchTopic('other/thing').kind).toBe('ignore')
    expect(matchTopic('schools/a/rejected').kind).toBe('ignore')
    expect(matchTopic('schools/a/alerts').kind).toBe('ignore')
  })
  it('reports malformed topics under schools/', () => {
    expect(matchTopic('schools/Bad_School/meters/W1')).toMatchObject({ kind: 'bad' })
    expect(matchTopic('schools/a/meter/W1')).toMatchObject({ kind: 'bad', school: 'a' })
    expect(matchTopic('schools/a/meters/W1/extra')).toMatchObject({ kind: 'bad', school: 'a' })
    expect(matchTopic('schools/a/meters/-W1')).toMatchObject({ kind: 'bad', school: 'a' })
    expect(matchTopic(`schools/a/meters/${'x'.repeat(129)}`)).toMatchObject({ kind: 'bad' })
  })
})

describe('timestamps', () => {
  it('accepts ISO-8601 with an offset and epoch milliseconds', () => {
    expect(parseTimestamp('2026-11-26T08:00:00+08:00')).toBe(Date.UTC(2026, 10, 26, 0, 0))
    expect(parseTimestamp('2026-11-26T00:00:00Z')).toBe(Date.UTC(2026, 10, 26, 0, 0))
    expect(parseTimestamp('2026-11-26T08:00:00.250+0800')).toBe(Date.UTC(2026, 10, 26, 0, 0, 0, 250))
    expect(parseTimestamp('2026-11-26T08:00+08:00')).toBe(Date.UTC(2026, 10, 26, 0, 0))
    expect(parseTimestamp(1795651200000)).toBe(1795651200000)
  })
  it('refuses timestamps without an offset, epoch seconds and nonsense, saying why', () => {
    expect(said(parseTimestamp('2026-11-26T08:00:00'))).toMatch(/not ISO-8601 with an offset/)
    expect(said(parseTimestamp('2026-11-26'))).toMatch(/not ISO-8601/)
    expect(said(parseTimestamp(1795651200))).toMatch(/epoch seconds/)
    expect(said(parseTimestamp('2026-13-45T08:00:00+08:00'))).toMatch(/not a real date/)
    expect(said(parseTimestamp(-5))).toMatch(/before the year 2000/)
  })
})

describe('decodeMessage', () => {
  it('decodes a single reading into the fields of its kind', () => {
    const d = decode(W1, { ts, volume_m3: 1234.567, flow_lpm: 3.2, power_w: 5, note: 'ignored' })
    expect(d.rejections).toEqual([])
    expect(d.readings).toHaveLength(1)
    const r = d.readings[0]!
    expect(r.meter.id).toBe('W1')
    expect(r.ts).toBe(Date.parse(ts))
    expect(r.receivedAt).toBe(NOW)
    expect(r.estimated).toBe(false)
    expect(r.values).toEqual({ volume_m3: 1234.567, flow_lpm: 3.2 })
  })

  it('decodes an array on a meter topic and a gateway batch with meter fields', () => {
    const arr = decode(W1, [
      { ts, volume_m3: 1 },
      { ts: Date.parse(ts) + 60_000, volume_m3: 2, estimated: true },
    ])
    expect(arr.readings.map((r) => r.values.volume_m3)).toEqual([1, 2])
    expect(arr.readings[1]!.estimated).toBe(true)
    const gw = decode('schools/test-school/gateways/gw1', [
      { meter: 'W1', ts, volume_m3: 1 },
      { meter: 'E1', ts, energy_kwh: 10, power_w: 1200, pf: 0.98 },
      { meter: 'T1', ts, temp_c: -3.5 },
    ])
    expect(gw.rejections).toEqual([])
    expect(gw.readings.map((r) => r.meter.id)).toEqual(['W1', 'E1', 'T1'])
  })

  it('ignores topics that are not ours', () => {
    expect(decode('schools/test-school/rejected', 'anything')).toMatchObject({
      ignored: true,
      readings: [],
      rejections: [],
    })
  })

  const cases: [string, string, unknown, RegExp][] = [
    ['bad_topic', 'schools/test-school/meter/W1', { ts, volume_m3: 1 }, /expected schools/],
    ['unknown_school', 'schools/nowhere/meters/W1', { ts, volume_m3: 1 }, /not in the registry/],
    ['unknown_meter', 'schools/test-school/meters/NOPE', { ts, volume_m3: 1 }, /NOPE.*not registered/],
    [
      'unknown_meter',
      'schools/other-school/meters/W1',
      { ts, volume_m3: 1 },
      /not registered at school other-school/,
    ],
    ['bad_json', W1, '{"ts": ', /JSON/],
    ['bad_schema', W1, '"just a string"', /must be a JSON object/],
    ['bad_schema', W1, { volume_m3: 1 }, /ts/],
    ['bad_schema', W1, { ts, volume_m3: 'NaN' }, /volume_m3.*"NaN"/],
    ['bad_schema', W1, { ts, volume_m3: 1, estimated: 'yes' }, /estimated/],
    ['bad_schema', W1, { ts, meter: 'W2', volume_m3: 1 }, /names meter "W2"/],
    ['bad_schema', W1, { ts }, /no measurement/],
    ['bad_schema', W1, [], /empty array/],
    ['bad_schema', 'schools/test-school/gateways/gw1', { ts, volume_m3: 1 }, /JSON array/],
    ['bad_schema', 'schools/test-school/gateways/gw1', [{ ts, volume_m3: 1 }], /needs a "meter"/],
    ['wrong_kind_fields', W1, { ts, power_w: 2000 }, /water meter.*power_w \(electricity\)/],
    ['bad_timestamp', W1, { ts: '2026-11-26 08:00', volume_m3: 1 }, /ISO-8601/],
    ['bad_timestamp', W1, { ts: '2026-11-26T08:11:00+08:00', volume_m3: 1 }, /360 s in the future/],
    ['implausible_value', W1, { ts, volume_m3: -1 }, /volume_m3=-1/],
    ['implausible_value', W1, `{"ts":"${ts}","volume_m3":1e400}`, /volume_m3=Infinity/],
    ['bad_schema', W1, { ts, volume_m3: null }, /volume_m3/],
    ['implausible_value', 'schools/test-school/meters/T1', { ts, temp_c: 250 }, /temp_c=250/],
    ['implausible_value', 'schools/test-school/meters/E1', { ts, pf: 1.5 }, /pf=1.5/],
  ]
  for (const [reason, topic, payload, detail] of cases) {
    it(`rejects ${reason}: ${typeof payload === 'string' ? payload : JSON.stringify(payload)} on ${topic}`, () => {
      const d = decode(topic, payload)
      expect(d.readings).toEqual([])
      expect(d.rejections).toHaveLength(1)
      expect(d.rejections[0]).toMatchObject({ reason, topic, receivedAt: NOW })
      expect(render('en', d.rejections[0]!.detail)).toMatch(detail)
    })
  }

  it('rejects too_large payloads and batches', () => {
    const limits = { ...DEFAULT_LIMITS, maxPayloadBytes: 300, maxBatchReadings: 3 }
    const big = decode(W1, { ts, volume_m3: 1, pad: 'x'.repeat(400) }, limits)
    expect(big.rejections[0]).toMatchObject({ reason: 'too_large' })
    const many = decode(
      W1,
      Array.from({ length: 4 }, (_, i) => ({ ts: Date.parse(ts) + i, volume_m3: i })),
      limits,
    )
    expect(many.rejections[0]).toMatchObject({ reason: 'too_large' })
    expect(render('en', many.rejections[0]!.detail)).toMatch(/4 readings exceeds 3/)
  })

  it('a bad reading in a batch never stops the ones beside it', () => {
    const d = decode('schools/test-school/gateways/gw1', [
      { meter: 'W1', ts, volume_m3: 1 },
      { meter: 'GHOST', ts, volume_m3: 1 },
      'garbage',
      { meter: 'W1', ts: 'yesterday', volume_m3: 1 },
      { meter: 'E1', ts, energy_kwh: 5 },
    ])
    expect(d.readings.map((r) => r.meter.id)).toEqual(['W1', 'E1'])
    expect(d.rejections.map((r) => [r.reason, r.index])).toEqual([
      ['unknown_meter', 1],
      ['bad_schema', 2],
      ['bad_timestamp', 3],
    ])
    expect(d.rejections[0]).toMatchObject({ school: 'test-school', meter: 'GHOST' })
  })

  it('cuts the echoed payload to 1 KiB', () => {
    const d = decode(W1, `{"ts": ${'1'.repeat(5000)}`)
    expect(d.rejections[0]!.reason).toBe('bad_json')
    expect(d.rejections[0]!.payload.length).toBe(1024)
  })

  it('survives deeply nested and binary payloads', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    expect(decode(W1, deep, { ...DEFAULT_LIMITS, maxPayloadBytes: 1e6 }).rejections[0]!.reason).toMatch(
      /bad_json|bad_schema|too_large/,
    )
    const binary = decodeMessage(W1, Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]), NOW, registry)
    expect(binary.rejections[0]!.reason).toBe('bad_json')
  })
})
