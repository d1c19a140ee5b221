/**
 * What the fuzz run (fuzz.test.ts) found in decoding, pinned as plain unit tests: hostile
 * payloads decode without throwing, into the reason docs/contract.md gives.
 */

import { describe, expect, it } from 'vitest'
import { type Message, render } from '../../core/i18n/index.js'
import { decodeMessage, parseTimestamp } from '../../ingest/decode.js'
import { testRegistry } from '../helpers/registry.js'

const registry = testRegistry()
const now = Date.parse('2026-11-26T08:00:00Z')
const ts = now - 3_600_000
const decode = (topic: string, payload: string) => decodeMessage(topic, Buffer.from(payload), now, registry)
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
const W1 = 'schools/test-school/meters/W1'
const GW = 'schools/test-school/gateways/gw-1'

/** A refusal as an English reader sees it. */
const said = (v: number | Message) => (typeof v === 'number' ? v : render('en', v))

describe('hostile payloads', () => {
  it.each(['ts', 'volume_m3', 'estimated', 'meter'])(
    'a value nested 50,000 deep in %s is one bad_schema rejection, and the readings beside it stay',
    (field) => {
      const bad =
        field === 'ts'
          ? `{"meter":"W1","ts":${deep(50_000)},"volume_m3":1}`
          : `{"meter":"W1","ts":${ts},"${field}":${deep(50_000)}}`
      const d = decode(
        GW,
        `[{"meter":"W1","ts":${ts},"volume_m3":5},${bad},{"meter":"W1","ts":${ts + 60_000},"volume_m3":5.01}]`,
      )
      expect(d.readings.map((r) => r.ts)).toEqual([ts, ts + 60_000])
      expect(d.rejections.map((r) => [r.reason, r.index])).toEqual([['bad_schema', 1]])
      expect(render('en', d.rejections[0]!.detail)).toMatch(/nested too deeply to print/)
    },
  )

  it('100,000 nested arrays are one bad_schema rejection', () => {
    expect(decode(W1, deep(100_000)).rejections.map((r) => r.reason)).toEqual(['bad_schema'])
  })

  it('a finite number where a string or boolean belongs is bad_schema, not implausible_value', () => {
    for (const body of [
      `{"ts":${ts},"volume_m3":1,"meter":42}`,
      `{"ts":${ts},"volume_m3":1,"estimated":1}`,
    ]) {
      expect(
        decode(W1, body).rejections.map((r) => r.reason),
        body,
      ).toEqual(['bad_schema'])
    }
  })

  it('a ts of 1e999 (Infinity once parsed) is bad_timestamp; a field of 1e999 stays implausible_value', () => {
    expect(decode(W1, '{"ts":1e999,"volume_m3":1}').rejections.map((r) => r.reason)).toEqual([
      'bad_timestamp',
    ])
    expect(decode(W1, '{"ts":-1e999,"volume_m3":1}').rejections.map((r) => r.reason)).toEqual([
      'bad_timestamp',
    ])
    expect(decode(W1, `{"ts":${ts},"volume_m3":1e999}`).rejections.map((r) => r.reason)).toEqual([
      'implausible_value',
    ])
  })

  it('a day the month does not have is not rolled over into the next month', () => {
    for (const s of [
      '2025-02-29T08:00:00Z',
      '2025-02-30T08:00:00+08:00',
      '2026-04-31T08:00:00Z',
      '2026-11-31T00:00Z',
    ]) {
      expect(said(parseTimestamp(s)), s).toMatch(/not a real date/)
    }
    expect(parseTimestamp('2024-02-29T08:00:00Z')).toBe(Date.parse('2024-02-29T08:00:00Z'))
    expect(parseTimestamp('2026-01-31T23:59:59.999+0800')).toBe(Date.parse('2026-01-31T23:59:59.999+08:00'))
    expect(parseTimestamp('2026-12-31T00:00:00Z')).toBe(Date.parse('2026-12-31T00:00:00Z'))
  })
})
