import { describe, expect, it } from 'vitest'
import type { Reading } from '../../core/reading.js'
import { meterSeriesKey, readingLine, seriesKey, usedLine } from '../../ingest/influx/lineProtocol.js'
import { testRegistry } from '../helpers/registry.js'

const registry = testRegistry()
const m = (id: string) => registry.meters.get(id)!
const ts = Date.UTC(2026, 10, 26)

const reading = (id: string, values: Reading['values'], extra: Partial<Reading> = {}): Reading => ({
  meter: m(id),
  ts,
  receivedAt: ts,
  estimated: false,
  values,
  ...extra,
})

describe('line protocol', () => {
  it('builds the series key of CONTRACT.md with sorted tags', () => {
    expect(meterSeriesKey(m('W1'))).toBe('water,building=main,meter=W1,school=test-school')
    expect(meterSeriesKey(m('E-R101'))).toBe(
      'electricity,building=main,meter=E-R101,school=test-school,space=r101',
    )
  })

  it('escapes tag values and measurement names', () => {
    expect(seriesKey('a b,c', { z: 'x=y', a: 'p q,r', empty: '' })).toBe('a\\ b\\,c,a=p\\ q\\,r,z=x\\=y')
  })

  it('writes the kind fields, the consumption and the timestamp in ms', () => {
    const series = meterSeriesKey(m('W1'))
    expect(readingLine(series, reading('W1', { volume_m3: 1234.567, flow_lpm: 3 }, { used: 100 }))).toBe(
      `water,building=main,meter=W1,school=test-school volume_m3=1234.567,flow_lpm=3,used_l=100 ${ts}`,
    )
    expect(
      readingLine(
        meterSeriesKey(m('E1')),
        reading('E1', { energy_kwh: 10, power_w: 1500, pf: 0.99 }, { used: 0.25, estimated: true }),
      ),
    ).toBe(
      `electricity,building=main,meter=E1,school=test-school energy_kwh=10,power_w=1500,pf=0.99,used_kwh=0.25,estimated=true ${ts}`,
    )
    expect(readingLine(meterSeriesKey(m('T1')), reading('T1', { temp_c: -3.5 }))).toBe(
      `temperature,building=main,meter=T1,school=test-school temp_c=-3.5 ${ts}`,
    )
  })

  it('rewrites only the consumption field for a revision', () => {
    expect(usedLine(meterSeriesKey(m('H1')), m('H1'), ts, 2.5)).toBe(
      `heat,building=main,meter=H1,school=test-school used_kwh=2.5 ${ts}`,
    )
    expect(usedLine(meterSeriesKey(m('T1')), m('T1'), ts, 1)).toBeUndefined()
  })
})
