/** A long history at low resolution (`coarse`), as the demo backfills it, then full resolution. */
import { describe, expect, it } from 'vitest'
import { createSimulation } from '../../simulator/index.js'
import { demoRegistry } from '../helpers/simulated.js'

const start = Date.parse('2026-10-01T00:00:00+08:00')
const until = Date.parse('2026-10-03T07:22:40+08:00')
const QUARTER = 15 * 60_000

describe('coarse history', () => {
  const sim = createSimulation({
    registry: demoRegistry,
    start,
    seed: 'coarse',
    coarse: { until, stepMs: QUARTER, intervalMs: QUARTER },
  })
  const out = sim.advance(until + 2 * 3_600_000)
  const byMeter = new Map<string, number[]>()
  for (const o of out)
    if (o.kind === 'reading') byMeter.set(o.meter.id, [...(byMeter.get(o.meter.id) ?? []), o.ts])

  it('every meter reports each coarse interval (or its own, if longer), then on its own schedule', () => {
    expect(byMeter.size).toBe(demoRegistry.meters.size)
    for (const [id, ts] of byMeter) {
      const own = demoRegistry.meters.get(id)!.intervalSeconds * 1000
      const before = ts.filter((t) => t < until)
      const after = ts.filter((t) => t > until)
      for (let i = 1; i < before.length; i++)
        expect(before[i]! - before[i - 1]!, id).toBe(Math.max(own, QUARTER))
      for (let i = 1; i < after.length; i++) expect(after[i]! - after[i - 1]!, id).toBe(own)
    }
  })

  it('no gap longer than the coarse interval where the history meets full resolution', () => {
    for (const [id, ts] of byMeter) {
      const own = demoRegistry.meters.get(id)!.intervalSeconds * 1000
      for (let i = 1; i < ts.length; i++)
        expect(ts[i]! - ts[i - 1]!, `${id} at ${new Date(ts[i]!).toISOString()}`).toBeLessThanOrEqual(
          Math.max(own, QUARTER),
        )
      expect(ts).toContain(until)
    }
  })
})
