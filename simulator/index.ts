/**
 * The simulator's library API: what the CLI, the tests, the benchmarks and the demo in
 * `npm start` use. The simulator is an MQTT client like any gateway: it knows the registry and
 * the contract, nothing of the service's inside.
 */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Calendars } from '../core/calendar.js'
import type { Registry } from '../core/registry.js'
import { sleep } from '../core/time.js'
import { type EncodeOptions, encode, SentStats, type SimMessage } from './encode.js'
import { type GroundTruth, Simulation, type SimulationOptions } from './engine.js'
import type { Publisher } from './publisher.js'
import { loadScenario, resolveScenario, type Scenario } from './scenario.js'

export { DemoService, type DemoServiceOptions } from './demo.js'
export { generateDistrict } from './district.js'
export {
  DISTRICT_KINDS,
  type DistrictKind,
  type GeneratedDistrict,
  generateKind,
  KIND_DESCRIPTIONS,
} from './districts.js'
export { encode, isoWithOffset, SentStats, type SimMessage } from './encode.js'
export {
  faultShowsOn,
  type GroundTruth,
  MALFORMED_REASONS,
  type SimOutput,
  Simulation,
} from './engine.js'
export { type FaultPlanOptions, planFaults } from './fault-plan.js'
export { Publisher, type PublisherOptions } from './publisher.js'
export {
  EXPECTED_RULE,
  FAULT_TYPES,
  type Fault,
  loadScenario,
  parseScenario,
  resolveScenario,
  type Scenario,
} from './scenario.js'
export { DEFAULT_SITE, type Site } from './site.js'

export const SCENARIOS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'scenarios')

/** A bundled scenario by name (demo, all-faults), or a scenario file. */
export function scenarioFile(nameOrPath: string): Scenario {
  return loadScenario(
    /^[a-z0-9-]+$/.test(nameOrPath) ? join(SCENARIOS_DIR, `${nameOrPath}.yaml`) : nameOrPath,
  )
}

export interface CreateOptions extends Omit<SimulationOptions, 'faults'> {
  scenario?: Scenario
  /** Relative fault times count from here (default: the start). */
  anchor?: number
}

export function createSimulation(o: CreateOptions): Simulation {
  const faults = o.scenario ? resolveScenario(o.scenario, o.registry, o.anchor ?? o.start) : []
  return new Simulation({ ...o, faults })
}

export function calendarsOf(registry: Registry) {
  const cals = new Calendars()
  return (school: string) => cals.for(registry.schools.get(school)!)
}

/** One-shot: everything the simulation sends up to `until`, as messages (no I/O). */
export function generate(
  sim: Simulation,
  registry: Registry,
  until: number,
  o: EncodeOptions = {},
  stats?: SentStats,
): SimMessage[] {
  return encode(sim.advance(until), calendarsOf(registry), o, stats)
}

export interface BackfillOptions extends EncodeOptions {
  /** Simulated time generated per round, ms (default 1 h). */
  chunkMs?: number
  stats?: SentStats
  signal?: AbortSignal
  onProgress?: (simNow: number, stats: SentStats) => void
}

/** Publishes history up to `until` as fast as the broker (and, at QoS 1, the service) accepts it. */
export async function backfill(
  sim: Simulation,
  registry: Registry,
  publisher: Publisher,
  until: number,
  o: BackfillOptions = {},
): Promise<SentStats> {
  const stats = o.stats ?? new SentStats()
  const cal = calendarsOf(registry)
  const chunk = o.chunkMs ?? 3_600_000
  while (sim.now + sim.stepMs <= until && !o.signal?.aborted) {
    const messages = encode(sim.advance(Math.min(sim.now + chunk, until)), cal, o, stats)
    await publisher.publish(messages)
    o.onProgress?.(sim.now, stats)
  }
  return stats
}

export interface RealtimeOptions extends EncodeOptions {
  /** Simulated seconds per wall-clock second (1 … 3600). */
  speed?: number
  /** Wall-clock ms between rounds (default 1000). */
  tickMs?: number
  until?: number
  stats?: SentStats
  signal?: AbortSignal
  /** Wall clock (tests). */
  now?: () => number
}

/**
 * Real time with a speed factor: simulated time runs `speed` times faster than the wall clock
 * from where the simulation stands, but never past the wall clock itself — readings from the
 * future would be refused — so a fast run started in the past catches up and then keeps pace.
 */
export async function realtime(
  sim: Simulation,
  registry: Registry,
  publisher: Publisher,
  o: RealtimeOptions = {},
): Promise<SentStats> {
  const stats = o.stats ?? new SentStats()
  const cal = calendarsOf(registry)
  const now = o.now ?? Date.now
  const speed = o.speed ?? 1
  const wall0 = now()
  const sim0 = sim.now
  const until = o.until ?? Number.POSITIVE_INFINITY
  while (!o.signal?.aborted && sim.now < until) {
    const wall = now()
    const target = Math.min(sim0 + (wall - wall0) * speed, wall, until)
    if (target >= sim.now + sim.stepMs) await publisher.publish(encode(sim.advance(target), cal, o, stats))
    await sleep(o.tickMs ?? 1000, o.signal)
  }
  return stats
}

export function writeGroundTruth(path: string, rows: GroundTruth[]): void {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''))
}
