import { loadConfigFile } from '../../core/config/load.js'
import type { ReadingValues } from '../../core/kinds.js'
import { createSimulation, type Scenario } from '../../simulator/index.js'

export const demoRegistry = loadConfigFile().registry

export interface Series {
  ts: number[]
  values: ReadingValues[]
}

/** Simulates the demo district (or some of its schools) and returns each meter's readings. */
export function simulate(o: {
  start: string
  days: number
  schools?: string[]
  scenario?: Scenario
  seed?: string
}) {
  const start = Date.parse(o.start)
  const sim = createSimulation({
    registry: demoRegistry,
    start,
    seed: o.seed ?? 'test',
    ...(o.schools ? { schools: o.schools } : {}),
    ...(o.scenario ? { scenario: o.scenario } : {}),
  })
  const outputs = sim.advance(start + o.days * 86_400_000)
  const byMeter = new Map<string, Series>()
  for (const out of outputs) {
    if (out.kind !== 'reading') continue
    let s = byMeter.get(out.meter.id)
    if (!s) {
      s = { ts: [], values: [] }
      byMeter.set(out.meter.id, s)
    }
    s.ts.push(out.ts)
    s.values.push(out.values)
  }
  return { sim, outputs, start, byMeter }
}

/**
 * Consumption of a register field in [from, to): the last value before `to` minus the last value
 * before `from` (or the first reading, when the series starts inside the range).
 */
export function used(s: Series, field: 'volume_m3' | 'energy_kwh', from: number, to: number): number {
  let a: number | undefined
  let b: number | undefined
  for (let i = 0; i < s.ts.length; i++) {
    const v = s.values[i]![field]!
    if (s.ts[i]! < from || a === undefined) a = v
    if (s.ts[i]! < to) b = v
  }
  return (b ?? 0) - (a ?? 0)
}

/** Mean of an instantaneous field over readings in [from, to). */
export function mean(s: Series, field: keyof ReadingValues, from: number, to: number): number {
  let sum = 0
  let n = 0
  for (let i = 0; i < s.ts.length; i++) {
    if (s.ts[i]! >= from && s.ts[i]! < to) {
      sum += s.values[i]![field] ?? 0
      n++
    }
  }
  return n ? sum / n : Number.NaN
}

export const HOUR = 3_600_000
export const DAY = 86_400_000
