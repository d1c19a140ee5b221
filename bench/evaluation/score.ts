/**
 * Scoring a district's runs against the simulator's ground truth (definitions in
 * docs/rules.md, "Detection quality"):
 *
 * - A fault counts when it starts in the scored weeks and ends (an instant fault: a day after it
 *   starts) before the run does — a shortened window counts only the faults inside it.
 * - An alert is a true detection of a fault when its rule is one of the fault's expected rules,
 *   its meter is one the fault shows on (the fault's meter, a meter upstream of it, or a room a
 *   failing circuit heats), and it opens between a minute before the fault starts and GRACE
 *   after it ends (a day after it starts, for an instant fault). Any other alert is false.
 * - A fault is found when a true detection comes from any of its `expectedRules` — the people
 *   told of it do not care which rule told them (a running toilet that refills too rarely for
 *   the refill rule is a leak continuous flow finds); time to detect is from the fault's start to
 *   the first such alert. Faults are tabled under their expected rule (the first), and the JSON
 *   says which rule found each.
 * - False alerts per 1,000 meter-days: alerts of the fault-free run opened in the scored weeks,
 *   per meter-day of those weeks.
 * - Notifications per fault: messages to people (notifications.ts) about true detections of a
 *   fault, over the faults counted.
 */
import type { Alert } from '../../core/alert.js'
import type { Registry } from '../../core/registry.js'
import { faultShowsOn, type GroundTruth } from '../../simulator/index.js'
import { DAY, type RunResult } from './run.js'

/** After a fault ends, alerts may still open for this long: rules that judge a completed half-hour or hour. */
export const GRACE_MS = 60 * 60_000

export interface FaultOutcome {
  fault: GroundTruth
  found: boolean
  minutesToDetect: number | null
  /** The rule of the first true detection. */
  foundBy?: string
  notifications: number
}

export interface RuleRow {
  rule: string
  injected: number
  found: number
  recall: number | null
  medianMinutesToDetect: number | null
  maxMinutesToDetect: number | null
  falseAlerts: number
  falsePer1000MeterDays: number
  notificationsPerFault: number | null
  falseNotifications: number
  unexplainedInFaultyRun: number
}

export interface DistrictScore {
  district: string
  meters: number
  scoredDays: number
  meterDays: number
  rows: RuleRow[]
  outcomes: FaultOutcome[]
  /** Alerts of the fault-free run in the scored weeks: each one false. */
  falseAlerts: Alert[]
  /** Alerts of the faulty run that detect no fault. */
  unexplained: Alert[]
}

/** The faults a run scores: those inside its scored weeks. */
export function countedFaults(r: RunResult): GroundTruth[] {
  return r.truth.filter((t) => {
    if (!t.expectedRule || !t.meter) return false
    const start = Date.parse(t.start)
    const end = t.end && Date.parse(t.end) > start ? Date.parse(t.end) : start + DAY
    return start >= r.scoredFrom && end <= r.end
  })
}

function window(t: GroundTruth): [number, number] {
  const start = Date.parse(t.start)
  const end = t.end ? Date.parse(t.end) : start
  return [start - 60_000, end > start ? end + GRACE_MS : start + DAY]
}

export function scoreDistrict(registry: Registry, faulty: RunResult, clean: RunResult): DistrictScore {
  const faults = countedFaults(faulty)
  // Every fault of the run explains its alerts, counted or not (a fault started in the warm-up).
  const all = faulty.truth.filter((t) => t.meter && t.expectedRules.length)
  const shows = new Map(all.map((t) => [t, faultShowsOn(registry, t.meter!)]))
  const detects = (a: Alert, t: GroundTruth) => {
    const [from, to] = window(t)
    return (
      t.expectedRules.includes(a.rule) && shows.get(t)!.has(a.meter) && a.openedAt >= from && a.openedAt <= to
    )
  }
  const explained = new Set<number>()
  for (const a of faulty.alerts) if (all.some((t) => detects(a, t))) explained.add(a.id)
  const byId = new Map(faulty.alerts.map((a) => [a.id, a]))
  const outcomes: FaultOutcome[] = faults.map((t) => {
    const hits = faulty.alerts.filter((a) => detects(a, t))
    const first = hits.sort((a, b) => a.openedAt - b.openedAt)[0]
    const notifications = faulty.notices.filter((n) =>
      n.alerts.some((id) => {
        const a = byId.get(id)
        return a !== undefined && detects(a, t)
      }),
    ).length
    return {
      fault: t,
      found: first !== undefined,
      ...(first ? { foundBy: first.rule } : {}),
      minutesToDetect: first ? Math.round(((first.openedAt - Date.parse(t.start)) / 60_000) * 10) / 10 : null,
      notifications,
    }
  })
  const scoredDays = Math.round((clean.end - clean.scoredFrom) / DAY)
  const meterDays = clean.meters * scoredDays
  const falseAlerts = clean.alerts.filter((a) => a.openedAt >= clean.scoredFrom)
  const falseIds = new Set(falseAlerts.map((a) => a.id))
  const falseNotices = clean.notices.filter((n) => n.alerts.some((id) => falseIds.has(id)))
  const cleanById = new Map(clean.alerts.map((a) => [a.id, a]))
  const unexplained = faulty.alerts.filter((a) => !explained.has(a.id) && a.openedAt >= faulty.scoredFrom)
  const rules = new Set<string>([
    ...faults.map((t) => t.expectedRule!),
    ...falseAlerts.map((a) => a.rule),
    ...unexplained.map((a) => a.rule),
  ])
  const rows = [...rules]
    .sort()
    .map((rule) =>
      rowOf(
        rule,
        outcomes,
        falseAlerts,
        unexplained,
        meterDays,
        () => falseNotices.filter((n) => n.alerts.some((id) => cleanById.get(id)?.rule === rule)).length,
      ),
    )
  return {
    district: faulty.district,
    meters: clean.meters,
    scoredDays,
    meterDays,
    rows,
    outcomes,
    falseAlerts,
    unexplained,
  }
}

function rowOf(
  rule: string,
  outcomes: FaultOutcome[],
  falseAlerts: Alert[],
  unexplained: Alert[],
  meterDays: number,
  falseNotifications: () => number,
): RuleRow {
  const mine = outcomes.filter((o) => o.fault.expectedRule === rule)
  const found = mine.filter((o) => o.found)
  const times = found.map((o) => o.minutesToDetect!).sort((a, b) => a - b)
  const falseN = falseAlerts.filter((a) => a.rule === rule).length
  return {
    rule,
    injected: mine.length,
    found: found.length,
    recall: mine.length ? found.length / mine.length : null,
    medianMinutesToDetect: times.length ? median(times) : null,
    maxMinutesToDetect: times.length ? times[times.length - 1]! : null,
    falseAlerts: falseN,
    falsePer1000MeterDays: meterDays ? round2((falseN / meterDays) * 1000) : 0,
    notificationsPerFault: mine.length
      ? round2(mine.reduce((a, o) => a + o.notifications, 0) / mine.length)
      : null,
    falseNotifications: falseNotifications(),
    unexplainedInFaultyRun: unexplained.filter((a) => a.rule === rule).length,
  }
}

/** The districts together: faults and false alerts summed, rates over all meter-days. */
export function total(scores: DistrictScore[]): RuleRow[] {
  const meterDays = scores.reduce((a, s) => a + s.meterDays, 0)
  const rules = new Set(scores.flatMap((s) => s.rows.map((r) => r.rule)))
  return [...rules].sort().map((rule) => {
    const rows = scores.flatMap((s) => s.rows.filter((r) => r.rule === rule))
    const outcomes = scores.flatMap((s) => s.outcomes)
    const falseAlerts = scores.flatMap((s) => s.falseAlerts)
    const unexplained = scores.flatMap((s) => s.unexplained)
    return rowOf(rule, outcomes, falseAlerts, unexplained, meterDays, () =>
      rows.reduce((a, r) => a + r.falseNotifications, 0),
    )
  })
}

/** The whole of a table: every fault and every false alert, whatever the rule. */
export function overall(rows: RuleRow[], outcomes: FaultOutcome[], meterDays: number) {
  const injected = rows.reduce((a, r) => a + r.injected, 0)
  const found = rows.reduce((a, r) => a + r.found, 0)
  const falseAlerts = rows.reduce((a, r) => a + r.falseAlerts, 0)
  const counted = outcomes.filter((o) => o.fault.expectedRule)
  return {
    injected,
    found,
    recall: injected ? found / injected : null,
    falseAlerts,
    falsePer1000MeterDays: meterDays ? round2((falseAlerts / meterDays) * 1000) : 0,
    notificationsPerFault: counted.length
      ? round2(counted.reduce((a, o) => a + o.notifications, 0) / counted.length)
      : null,
    falseNotifications: rows.reduce((a, r) => a + r.falseNotifications, 0),
    meterDays,
  }
}

function median(sorted: number[]): number {
  const m = sorted.length >> 1
  return sorted.length % 2 ? sorted[m]! : Math.round(((sorted[m - 1]! + sorted[m]!) / 2) * 10) / 10
}

const round2 = (v: number) => Math.round(v * 100) / 100
