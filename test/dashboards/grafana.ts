/**
 * What Grafana does to a dashboard's InfluxQL before InfluxDB sees it, for the query test:
 * time ranges (`now-7d`, `now/M`, panel relative times) in the dashboard's time zone, the
 * interval (`$__interval`), the InfluxQL macros the InfluxDB data source replaces
 * (`$timeFilter`), global variables (`${__from}`, `${__to}`) and template variables, multi-value
 * ones as a regex alternation (`/^(a|b)$/`).
 *
 * Sources: Grafana's InfluxDB data source (pkg/tsdb/influxdb/models/query.go: `$timeFilter` →
 * `time >= <from>ms and time <= <to>ms`; `interpolateQueryExpr` for multi-value and regex use),
 * gtime / rangeutil for the interval, and datemath for relative times. Anything else Grafana
 * would leave in place is reported, so a dashboard cannot rely on something not emulated here.
 */
import { DateTime, type DateTimeUnit } from 'luxon'

export interface Range {
  from: number
  to: number
}

const UNITS: Record<string, DateTimeUnit> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  M: 'month',
  y: 'year',
}

/** Grafana datemath: `now`, `now-7d`, `now/M`, `now-1d/d`; `/unit` rounds down (from) or up (to). */
export function dateMath(expr: string, now: number, zone: string, roundUp: boolean): number {
  const m = /^now((?:[+-]\d+[smhdwMy])*)(?:\/([smhdwMy]))?$/.exec(expr)
  if (!m) throw new Error(`time expression "${expr}" is not emulated`)
  let t = DateTime.fromMillis(now, { zone })
  for (const [, sign, n, unit] of (m[1] ?? '').matchAll(/([+-])(\d+)([smhdwMy])/g)) {
    const amount = Number(n) * (sign === '-' ? -1 : 1)
    t = t.plus({ [`${UNITS[unit!]}s`]: amount })
  }
  if (m[2]) t = roundUp ? t.endOf(UNITS[m[2]]!) : t.startOf(UNITS[m[2]]!)
  return t.toMillis()
}

/** A panel's range: its relative time (`timeFrom`) replaces the dashboard's, as Grafana does. */
export function panelRange(
  dashboard: Range,
  panel: { timeFrom?: string; timeShift?: string },
  now: number,
  zone: string,
): Range {
  if (panel.timeShift) throw new Error('panel time shift is not emulated')
  if (!panel.timeFrom) return dashboard
  // rangeutil.describeTextRange: "15m" means now-15m … now; "now/d" is "Today so far".
  const from = panel.timeFrom.startsWith('now') ? panel.timeFrom : `now-${panel.timeFrom}`
  return { from: dateMath(from, now, zone, false), to: now }
}

/** gtime.RoundInterval: the interval Grafana picks for (to − from) / max data points. */
export function roundInterval(ms: number): number {
  const steps: [upTo: number, interval: number][] = [
    [10, 1],
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1500, 1000],
    [3500, 2000],
    [7500, 5000],
    [12500, 10000],
    [17500, 15000],
    [25000, 20000],
    [45000, 30000],
    [90000, 60000],
    [210000, 120000],
    [450000, 300000],
    [750000, 600000],
    [1050000, 900000],
    [1500000, 1200000],
    [2700000, 1800000],
    [5400000, 3600000],
    [9000000, 7200000],
    [16200000, 10800000],
    [32400000, 21600000],
    [86400000, 43200000],
    [172800000, 86400000],
    [604800000, 86400000],
    [1814400000, 604800000],
  ]
  for (const [upTo, interval] of steps) if (ms <= upTo) return interval
  return ms < 3628800000 ? 2592000000 : 31536000000
}

/** A duration such as `1m`, `15m`, `10s` in milliseconds. */
export function durationMs(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(s)
  if (!m) throw new Error(`interval "${s}" is not emulated`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2]!]!
  return Number(m[1]) * unit
}

/** rangeutil.secondsToHms: how Grafana writes an interval into `$__interval`. */
export function formatInterval(ms: number): string {
  const units: [string, number][] = [
    ['y', 31536000000],
    ['d', 86400000],
    ['h', 3600000],
    ['m', 60000],
    ['s', 1000],
  ]
  for (const [u, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${u}`
  return `${ms}ms`
}

/**
 * The panel's interval: the range over its data points, rounded, and never below the panel's
 * min interval or else the data source's. Grafana uses the panel's width in pixels when
 * maxDataPoints is unset; a 24-column row is about 1900 px wide.
 */
export function panelInterval(
  range: Range,
  panel: { interval?: string; maxDataPoints?: number; gridPos?: { w: number } },
  dataSourceMinInterval?: string,
): { ms: number; text: string } {
  const points = panel.maxDataPoints ?? Math.round(((panel.gridPos?.w ?? 24) * 1900) / 24)
  let ms = roundInterval((range.to - range.from) / points)
  const low = panel.interval ?? dataSourceMinInterval
  if (low) ms = Math.max(ms, durationMs(low))
  return { ms, text: formatInterval(ms) }
}

export interface VariableValue {
  name: string
  /** Selected values; several for multi-value variables and "All". */
  values: string[]
  multi: boolean
}

/** @grafana/data escapeRegex: what a variable value becomes inside /…/. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&')
}

// Grafana's variable syntax: $name, [[name]], ${name} and ${name:format}.
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g
const REGEX_USE = /(=|!)~\s*\/((?:[^\n[/\\]|\\.|\[(?:[^\n\]\\]|\\.)*\])+)\//g

export interface Interpolation {
  text: string
  /** Variables that Grafana would leave in place because nothing defines them. */
  unresolved: string[]
}

/**
 * Replaces macros and variables in one query as Grafana does for the InfluxDB data source.
 * Multi-value variables become `(a|b)` with each value regex-escaped; a single value is escaped
 * only where it is used inside a regex.
 */
export function interpolate(
  query: string,
  o: { range: Range; interval?: { ms: number; text: string }; variables: Map<string, VariableValue> },
): Interpolation {
  const { from, to } = o.range
  const globals: Record<string, string> = {
    __from: String(from),
    __to: String(to),
    ...(o.interval ? { __interval: o.interval.text, __interval_ms: String(o.interval.ms) } : {}),
  }
  const inRegex = new Set<string>()
  for (const m of query.matchAll(REGEX_USE)) for (const v of m[2]!.matchAll(VARIABLE)) inRegex.add(v[0])
  const unresolved: string[] = []
  // The data source's own macro first (the backend replaces it), then everything templateSrv does.
  let text = query.replaceAll('$timeFilter', `time >= ${from}ms and time <= ${to}ms`)
  text = text.replace(VARIABLE, (match, a, b, _bf, c, format) => {
    const name = (a ?? b ?? c) as string
    if (format) throw new Error(`variable format ${match} is not emulated`)
    if (name in globals) return globals[name]!
    const v = o.variables.get(name)
    if (!v) {
      unresolved.push(match)
      return match
    }
    if (v.multi) return `(${v.values.map(escapeRegex).join('|')})`
    const value = v.values[0] ?? ''
    return inRegex.has(match) ? escapeRegex(value) : value
  })
  return { text, unresolved }
}

/** Every variable reference in a text: what the dashboard must define (or Grafana provides). */
export function variableNames(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((m) => (m[1] ?? m[2] ?? m[4]) as string)
}

/**
 * Names Grafana or its InfluxDB data source fill in without a dashboard variable, and that the
 * emulation above fills the same way. (`$__range_s` is left out on purpose: Grafana documents it
 * for Prometheus and Loki only.)
 */
export const BUILT_IN = new Set(['timeFilter', '__interval', '__interval_ms', '__from', '__to'])
