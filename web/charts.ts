/**
 * What the pages draw: an evidence chart's data for the browser (web/client/chart.ts draws it with
 * ECharts) with a sentence a screen reader reads in its place, and sparklines drawn on the server as
 * tiny SVG lines, so a school page with a hundred meters costs no script at all.
 */
import type { MeterSeries } from '../api/index.js'
import { formatDateTime, formatNumber, type Locale, t } from '../core/i18n/index.js'

const HOUR = 3_600_000

export type RateUnitLabel = 'L_min' | 'kW' | 'degC' | 'L' | 'kWh'

export function unitLabel(locale: Locale, unit: string): string {
  return t(locale, 'web.unit', { unit: unit.replace('/', '_') })
}

export interface ChartData {
  locale: Locale
  zone: string
  from: number
  to: number
  /** [start of bucket, mean, highest] of the rate. */
  rate: [number, number, number][]
  /** [start of hour, used] when no rate was kept (before a restart, or a register-only meter). */
  use: [number, number][]
  fault?: [number, number]
  labels: { rate: string; use: string; fault: string; unit: string; useUnit: string }
  /** What the chart shows, in a sentence: its accessible name. */
  summary: string
}

/** The chart of a meter's series, the fault (event times) marked when given. */
export function chartData(
  locale: Locale,
  zone: string,
  s: MeterSeries,
  fault?: { from: number; to: number },
): ChartData {
  const rate = s.rate.points.map((p): [number, number, number] => [p.ts, round(p.mean), round(p.max)])
  const use = rate.length ? [] : (s.use?.points ?? []).map((p): [number, number] => [p.hour, round(p.used)])
  const unit = unitLabel(locale, s.rate.unit)
  const useUnit = s.use ? unitLabel(locale, s.use.unit) : ''
  const peak = rate.length
    ? Math.max(...rate.map((p) => p[2]))
    : use.length
      ? Math.max(...use.map((p) => p[1]))
      : undefined
  const hours = Math.round((s.to - s.from) / HOUR)
  const measure = t(locale, 'web.chart.measure', { kind: s.meter.kind, hourly: rate.length === 0 })
  return {
    locale,
    zone,
    from: s.from,
    to: s.to,
    rate,
    use,
    ...(fault
      ? { fault: [Math.max(fault.from, s.from), Math.min(Math.max(fault.to, fault.from), s.to)] }
      : {}),
    labels: {
      rate: measure,
      use: measure,
      fault: t(locale, 'web.chart.fault'),
      unit,
      useUnit,
    },
    summary:
      peak === undefined
        ? t(locale, 'web.chart.empty', { measure, hours })
        : t(locale, 'web.chart.summary', {
            measure,
            hours,
            peak: formatNumber(locale, peak, 1),
            unit: rate.length ? unit : useUnit,
            fault: fault !== undefined,
            since: fault ? formatDateTime(locale, fault.from, zone) : '',
          }),
  }
}

export interface Sparkline {
  points: string
  min: number
  max: number
  last: number
  width: number
  height: number
}

/** A polyline through the values, scaled to the box; undefined for fewer than two values. */
export function sparkline(values: number[], width = 120, height = 28): Sparkline | undefined {
  if (values.length < 2) return undefined
  const min = Math.min(...values)
  const max = Math.max(...values)
  const span = max - min || 1
  const step = width / (values.length - 1)
  const points = values
    .map((v, i) => `${round(i * step)},${round(height - 2 - ((v - min) / span) * (height - 4))}`)
    .join(' ')
  return { points, min, max, last: values[values.length - 1]!, width, height }
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}
