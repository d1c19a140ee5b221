/**
 * The rules engine: every accepted reading goes, in event time, to the rules of its meter's kind,
 * with the context they share (occupancy, day type, heating season, the school's outdoor
 * temperature, whether the building's heating is on). Verdict changes become alert transitions.
 * Per-meter rule state is snapshotted to SQLite and restored on start, so a restart mid-window
 * neither loses nor repeats an alert.
 *
 * Each school has an event-time clock (the newest reading time seen there): once a minute of it,
 * incidents quiet for their hold-off are closed — so a replay, a backfill or a test of a week of
 * data gives the same incidents as living through that week. meter.offline is judged live on the
 * wall clock (`checkOffline`), and a gap in a meter's readings that nobody saw live is recorded
 * in event time when the meter's next reading comes.
 */
import type { Logger } from 'pino'
import type { Bus } from '../core/bus.js'
import { Calendars, type SchoolCalendar } from '../core/calendar.js'
import { Changes, type Checkpointed, type StateCapture, type StateRow } from '../core/checkpoint.js'
import { ConfigError, type ConfigProblem } from '../core/errors.js'
import { msg } from '../core/i18n/index.js'
import type { Metrics } from '../core/metrics.js'
import type { Reading, RegisterAnomaly } from '../core/reading.js'
import {
  type Building,
  heatingCircuit,
  type Meter,
  type Registry,
  type School,
  servedBuildings,
} from '../core/registry.js'
import type { Store } from '../store/index.js'
import type { AlertManager } from './alerts.js'
import { RULES } from './catalogue.js'
import { offlineAfterMs, silence } from './meter/offline.js'
import { anomalyVerdict } from './meter/register-anomaly.js'
import { resolveParams } from './params.js'
import {
  HOUR,
  MINUTE,
  placeName,
  RULE_IDS,
  type Rule,
  type RuleId,
  type RuleInput,
  SEVERITY_RANK,
  type Severity,
  type Verdict,
} from './types.js'

interface Slot {
  rule: Rule
  /** Position of the rule in RULE_IDS, for the evaluation counters. */
  index: number
  params: Record<string, unknown>
  state: unknown
  active: boolean
}

interface MeterRules {
  meter: Meter
  slots: Slot[]
  /** Buildings whose use shows on this meter: its own, and those of its sub-meters. */
  serves: readonly Building[]
  calendar: SchoolCalendar
  /** Whether any building the meter serves is occupied at an instant: made once, not per reading. */
  occupiedAt: (ms: number) => boolean
  /** Whether every building it serves is (a main incomer: the dormitory and the teaching blocks). */
  allOccupiedAt: (ms: number) => boolean
  /** The heat meter of the circuit heating its building (core/registry.ts `heatingCircuit`). */
  circuit?: Meter
  /** Where it measures, as people name it, and its own name. */
  place: string
  name: string
  /** Event time of its newest reading (not saved: a gap across a restart is the restart's, not the meter's). */
  lastTs?: number
}

/** A school's event-time clock: the newest reading time seen there, and when its incidents were last looked at. */
interface SchoolClock {
  school: School
  now: number
  judgedAt: number
}

export interface RuleEngineOptions {
  registry: Registry
  store: Store
  bus: Bus
  alerts: AlertManager
  log: Logger
  metrics?: Metrics
  /** When each meter was last heard from (wall clock), for meter.offline. */
  lastReceivedAt: (meterId: string) => number | undefined
  now?: () => number
  /** How often rule state is saved; 0 when the service's checkpoints save it (through `capture`). */
  snapshotIntervalMs?: number
}

const OUTDOOR_MAX_AGE_MS = 2 * HOUR
/** A heat meter's last word on whether the heating is on counts for this long. */
const HEAT_SUPPLY_MAX_AGE_MS = 2 * HOUR
/** How often, in a school's event time, its quiet incidents are looked at. */
const TICK_MS = MINUTE

/** The part name of the engine's rows in `meter_state`. */
export const RULES_PART = 'rules'

export class RuleEngine implements Checkpointed {
  readonly part = RULES_PART
  private readonly meters = new Map<string, MeterRules>()
  private readonly calendars = new Calendars()
  private readonly outdoor = new Map<string, { ts: number; c: number }>()
  /** Per heat meter: whether it last said the heating was on, and when. */
  private readonly heatSupply = new Map<Meter, { ts: number; on: boolean }>()
  private readonly clocks = new Map<string, SchoolClock>()
  /** Meters changed since the last capture; one still pending in a capture is saved before it changes. */
  private readonly changes = new Changes(saveRuleState)
  private readonly off: (() => void)[] = []
  private timer: NodeJS.Timeout | undefined
  private startedAt = 0
  private readonly now: () => number
  /**
   * Evaluations per rule (indexed as RULE_IDS), counted here and handed to Prometheus when
   * scraped: a labelled inc — or even a Map update — per reading and rule showed in profiles.
   */
  private readonly evaluations = new Float64Array(RULE_IDS.length)

  constructor(private readonly o: RuleEngineOptions) {
    this.now = o.now ?? Date.now
    o.metrics?.onCollect(() => {
      this.evaluations.forEach((n, i) => {
        if (n > 0) o.metrics!.ruleEvaluations.inc({ rule: RULE_IDS[i]! }, n)
      })
      this.evaluations.fill(0)
    })
    const problems: ConfigProblem[] = []
    const serves = servedBuildings(o.registry)
    // Worked out once, not per meter (100,000 meters: the engine is built on every start).
    const rulesOf = new Map<string, { rule: Rule; index: number }[]>()
    const occupiedAt = new Map<readonly Building[], (ms: number) => boolean>()
    const allOccupiedAt = new Map<readonly Building[], (ms: number) => boolean>()
    for (const meter of o.registry.meters.values()) {
      let candidates = rulesOf.get(meter.kind)
      if (!candidates) {
        candidates = Object.values(RULES)
          .filter((rule) => rule.kinds.includes(meter.kind))
          .map((rule) => ({ rule, index: RULE_IDS.indexOf(rule.id) }))
        rulesOf.set(meter.kind, candidates)
      }
      const slots: Slot[] = []
      for (const { rule, index } of candidates) {
        if (rule.appliesTo && !rule.appliesTo(meter)) continue
        const { enabled, params } = resolveParams(rule, meter, problems)
        if (enabled) slots.push({ rule, index, params, state: rule.init(meter, params), active: false })
      }
      const served = serves.get(meter.id) ?? [meter.building]
      const calendar = this.calendars.for(meter.school)
      // Meters of one building share the list of buildings they serve, and so this function.
      let occupied = occupiedAt.get(served)
      if (!occupied) {
        occupied = (ms: number) => served.some((b) => calendar.occupancy(b, ms).occupied)
        occupiedAt.set(served, occupied)
      }
      let all = allOccupiedAt.get(served)
      if (!all) {
        all =
          served.length === 1
            ? occupied
            : (ms: number) => served.every((b) => calendar.occupancy(b, ms).occupied)
        allOccupiedAt.set(served, all)
      }
      const m: MeterRules = {
        meter,
        slots,
        serves: served,
        calendar,
        occupiedAt: occupied,
        allOccupiedAt: all,
        ...(meter.kind === 'temperature' ? { circuit: heatingCircuit(meter.building) } : {}),
        place: placeName(meter, served),
        name: meter.name ?? meter.id,
      }
      this.meters.set(meter.id, m)
      if (!this.clocks.has(meter.school.id))
        this.clocks.set(meter.school.id, {
          school: meter.school,
          now: Number.NEGATIVE_INFINITY,
          judgedAt: Number.NEGATIVE_INFINITY,
        })
    }
    if (problems.length) throw new ConfigError(msg('config.source.ruleParams'), problems)
  }

  /** Restores rule state, listens to readings and register anomalies, snapshots periodically. */
  async start(): Promise<{ restored: number }> {
    let restored = 0
    for (const [meterId, json] of this.o.store.meterState.load(RULES_PART)) {
      const m = this.meters.get(meterId)
      if (!m) continue
      const byRule = JSON.parse(json) as Record<string, { s?: unknown; a?: boolean } | null>
      for (const ruleId of Object.keys(byRule)) {
        const slot = slotOf(m, ruleId)
        const v = byRule[ruleId]
        if (!slot || typeof v !== 'object' || v === null || !('s' in v)) continue
        slot.state = slot.rule.restore ? slot.rule.restore(v.s) : v.s
        slot.active = v.a === true
        restored++
      }
    }
    // Alerts still active in the store are the truth about what is active.
    for (const a of await this.o.store.alerts.list({ status: 'active', limit: 1_000_000 })) {
      const m = this.meters.get(a.meter)
      const slot = m && slotOf(m, a.rule)
      if (slot) slot.active = true
    }
    this.startedAt = this.now()
    this.off.push(this.o.bus.on('reading', (r) => this.onReading(r)))
    this.off.push(this.o.bus.on('anomaly', (a) => this.onAnomaly(a)))
    const every = this.o.snapshotIntervalMs ?? 5000
    if (every > 0) {
      this.timer = setInterval(() => this.snapshot(), every)
      this.timer.unref()
    }
    return { restored }
  }

  stop(): void {
    for (const f of this.off.splice(0)) f()
    if (this.timer) clearInterval(this.timer)
    // With the service's checkpoints (interval 0) the final checkpoint saves the state.
    if (this.o.snapshotIntervalMs !== 0) this.snapshot()
  }

  snapshot(): number {
    if (this.changes.size === 0) return 0
    return this.o.store.meterState.save(RULES_PART, this.changes.takeAll())
  }

  /** The rule state of every meter that changed since the last capture, as of now (for a checkpoint). */
  capture(): StateCapture {
    return this.changes.capture()
  }

  onReading(r: Reading): void {
    const m = this.meters.get(r.meter.id)
    if (!m || r.late) return
    this.changes.touch(m)
    const meter = r.meter
    const cal = m.calendar
    if (
      meter.kind === 'temperature' &&
      meter.config.placement === 'outdoor' &&
      r.values.temp_c !== undefined
    ) {
      const prev = this.outdoor.get(meter.school.id)
      if (!prev || r.ts >= prev.ts) this.outdoor.set(meter.school.id, { ts: r.ts, c: r.values.temp_c })
    }
    if (meter.kind === 'heat') {
      const on = (r.values.power_kw ?? 0) > 0 || (r.values.flow_m3h ?? 0) > 0 || (r.used ?? 0) > 0
      const known = r.values.power_kw !== undefined || r.values.flow_m3h !== undefined || r.used !== undefined
      const prev = this.heatSupply.get(meter)
      if (known && (!prev || r.ts >= prev.ts)) this.heatSupply.set(meter, { ts: r.ts, on })
    }
    const local = cal.local(r.ts)
    const outdoor = this.outdoor.get(meter.school.id)
    const supply = m.circuit && this.heatSupply.get(m.circuit)
    const own = cal.occupancy(meter.building, r.ts)
    const occupancy = own.occupied || m.serves.length === 1 ? own : { ...own, occupied: m.occupiedAt(r.ts) }
    // One object of one shape per reading (optional fields left undefined rather than spread in):
    // spreads made a new hidden class and several temporary objects per reading.
    const input: RuleInput = {
      meter,
      ts: r.ts,
      values: r.values,
      used: r.used,
      usedFrom: r.usedFrom,
      estimated: r.estimated,
      occupancy,
      occupiedAt: m.occupiedAt,
      allOccupiedAt: m.allOccupiedAt,
      local,
      heatingSeason: cal.heatingSeason(local.date),
      outdoorC: outdoor && Math.abs(r.ts - outdoor.ts) <= OUTDOOR_MAX_AGE_MS ? outdoor.c : undefined,
      calendar: cal,
      heatingOn: supply && Math.abs(r.ts - supply.ts) <= HEAT_SUPPLY_MAX_AGE_MS ? supply.on : undefined,
      place: m.place,
      meterName: m.name,
    }
    if (m.lastTs !== undefined && r.ts > m.lastTs) this.gap(m, m.lastTs, r.ts)
    m.lastTs = m.lastTs === undefined ? r.ts : Math.max(m.lastTs, r.ts)
    const suppressed = cal.suppressedRules(meter, r.ts)
    const slots = m.slots
    let raised: [Slot, Verdict][] | undefined
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!
      // Inside a planned-use window a rule it names does not watch at all: the pool's top-up is
      // neither counted into a run of flow that would alert the moment the window closes, nor
      // learned as the meter's normal. (The meter rules still hear every reading.)
      if (
        suppressed !== undefined &&
        !slot.rule.id.startsWith('meter.') &&
        isSuppressed(suppressed, slot.rule.id)
      )
        continue
      const v = slot.rule.evaluate(slot.state, input, slot.params)
      this.evaluations[slot.index]!++
      if (!v) continue
      // Estimated readings never raise or clear a leak alert.
      if (slot.rule.leak && r.estimated) continue
      if (
        v.active &&
        isSuppressed(v.period ? suppressedDuring(cal, meter, v.period) : suppressed, slot.rule.id)
      )
        continue
      if (v.active && !slot.active) {
        raised ??= []
        raised.push([slot, v])
      } else this.apply(m, slot, v, r.ts)
    }
    // Alerts that open on one reading open the most severe first: a burst that also trips
    // after-hours flow opens its incident as critical, rather than as a warning made worse.
    if (raised) {
      if (raised.length > 1)
        raised.sort(([, a], [, b]) => SEVERITY_RANK[severityOf(b)] - SEVERITY_RANK[severityOf(a)])
      for (const [slot, v] of raised) this.apply(m, slot, v, r.ts)
    }
    this.changes.add(m)
    const clock = this.clocks.get(meter.school.id)!
    if (r.ts > clock.now) clock.now = r.ts
    if (clock.now - clock.judgedAt >= TICK_MS) this.tick(clock)
  }

  /** A minute of a school's event time has passed: incidents whose faults did not come back within their hold-off close. */
  private tick(clock: SchoolClock): void {
    clock.judgedAt = clock.now
    this.record(this.o.alerts.closeQuiet(clock.school.id, clock.now))
  }

  /**
   * A change handed to the alert lifecycle, which takes it in its turn while the engine goes on
   * (`alerts.idle()` waits for them). One the store refuses is logged, and `undo` puts the rule
   * back as it was, so that its next verdict asks again.
   */
  private record(change: Promise<unknown>, undo?: () => void): void {
    change.catch((err) => {
      this.o.log.error({ err }, 'cannot record an alert change; the next verdict tries again')
      undo?.()
    })
  }

  /**
   * A gap in a meter's readings longer than its offline limit that nobody saw live (the service was
   * down, or the readings come from a backfill or a replay): recorded as the offline episode it was,
   * from when it became one to this reading, without telling people of a silence already over.
   */
  private gap(m: MeterRules, prevTs: number, ts: number): void {
    const slot = slotOf(m, 'meter.offline')
    if (!slot || slot.active) return
    const p = slot.params as { intervals: number; minMinutes: number }
    const limit = offlineAfterMs(m.meter, p)
    if (ts - prevTs <= limit) return
    const v = silence(m.meter, m.place, prevTs, ts, p)
    if (v?.active) this.apply(m, slot, { ...v, past: true }, prevTs + limit)
  }

  onAnomaly(a: RegisterAnomaly): void {
    const m = this.meters.get(a.meter.id)
    const slot = m && slotOf(m, 'meter.register_anomaly')
    if (!m || !slot) return
    this.changes.touch(m)
    this.apply(m, slot, anomalyVerdict(slot.state as Parameters<typeof anomalyVerdict>[0], a), a.ts)
    this.changes.add(m)
  }

  /**
   * meter.offline, on the wall clock: a meter silent for max(3 × its interval, 15 min) is
   * offline. Nothing is judged until the service itself has been up that long — its own
   * downtime is not the meters' fault.
   */
  checkOffline(): number {
    const now = this.now()
    let raised = 0
    for (const m of this.meters.values()) {
      const slot = slotOf(m, 'meter.offline')
      if (!slot || slot.active) continue
      const last = this.o.lastReceivedAt(m.meter.id)
      if (last === undefined) continue
      const v = silence(
        m.meter,
        m.place,
        Math.max(last, this.startedAt),
        now,
        slot.params as { intervals: number; minMinutes: number },
      )
      if (!v) continue
      this.changes.touch(m)
      this.apply(m, slot, v, now)
      this.changes.add(m)
      raised++
    }
    return raised
  }

  private apply(m: MeterRules, slot: Slot, v: Verdict, ts: number): void {
    const id = slot.rule.id
    if (v.active) {
      if (slot.active) this.record(this.o.alerts.update(id, m.meter, v, ts))
      else
        this.record(this.o.alerts.raise(id, m.meter, v, ts), () => {
          slot.active = false
        })
      slot.active = true
    } else if (slot.active) {
      slot.active = false
      this.record(this.o.alerts.clear(id, m.meter, ts), () => {
        slot.active = true
      })
    }
  }

  /** Which rules watch a meter (for the API and tests). */
  rulesOf(meterId: string): RuleId[] {
    return this.meters.get(meterId)?.slots.map((s) => s.rule.id) ?? []
  }
}

/** One meter's rule state as saved: `{ [rule]: { s: state, a: active } }`. */
function saveRuleState(m: MeterRules): StateRow {
  // Built as a string, without objects made only to be stringified.
  let json = '{'
  for (let i = 0; i < m.slots.length; i++) {
    const s = m.slots[i]!
    const state = JSON.stringify(s.state)
    json += `${i ? ',' : ''}${JSON.stringify(s.rule.id)}:{${state === undefined ? '' : `"s":${state},`}"a":${s.active}}`
  }
  return [m.meter.id, `${json}}`]
}

const severityOf = (v: Verdict): Severity => (v.active ? v.severity : 'info')

const isSuppressed = (s: Set<string> | 'all' | undefined, rule: string): boolean =>
  s === 'all' || (s?.has(rule) ?? false)

/**
 * The planned-use windows open during a judged period (a completed half-hour, say): checked at its
 * start, middle and last instant, so a window that covers any of it covers the verdict.
 */
function suppressedDuring(
  cal: SchoolCalendar,
  meter: Meter,
  period: { from: number; to: number },
): Set<string> | 'all' | undefined {
  let out: Set<string> | undefined
  for (const at of [period.from, (period.from + period.to) / 2, period.to - 1]) {
    const s = cal.suppressedRules(meter, at)
    if (s === 'all') return 'all'
    if (s) out = new Set([...(out ?? []), ...s])
  }
  return out
}

/** A meter's slot for a rule: a few slots, searched in place (a Map per meter cost ~0.5 KB of memory). */
function slotOf(m: MeterRules, id: string): Slot | undefined {
  for (const s of m.slots) if (s.rule.id === id) return s
  return undefined
}
