/**
 * The facility manager's pages: every school with its live status (meters reporting, silent or
 * stale; open incidents by severity; this month's use against the expected), a school's buildings
 * and meters with their last reading and a sparkline of the last day, one meter with its chart,
 * and data quality (silent and stale meters, rejected readings by reason).
 */
import type { FastifyInstance } from 'fastify'
import { hourlyUse, liveState, meterSeries, qualityMeters, schoolStatus } from '../api/index.js'
import { type Locale, render, t } from '../core/i18n/index.js'
import { KINDS } from '../core/kinds.js'
import type { Meter } from '../core/registry.js'
import type { RatePoint } from '../ingest/index.js'
import { chartData, sparkline, unitLabel } from './charts.js'
import { byUrgency, placeOf } from './incidents.js'
import type { Web } from './index.js'

const HOUR = 3_600_000

export function districtPages(app: FastifyInstance, web: Web): void {
  const { d, views } = web
  const route = { config: { access: 'public' as const }, schema: { hide: true }, preHandler: web.guard() }

  app.get('/district', route, async (req, reply) => {
    const ctx = await web.context(req, reply)
    const schools = await Promise.all([...d.registry.schools.values()].map((s) => schoolStatus(d, s)))
    const totals = { meters: 0, silent: 0, stale: 0, critical: 0, warning: 0, info: 0 }
    for (const s of schools) {
      totals.meters += s.meters.total
      totals.silent += s.meters.offline + s.meters.never_reported
      totals.stale += s.meters.stale
      totals.critical += s.incidents.critical
      totals.warning += s.incidents.warning
      totals.info += s.incidents.info
    }
    return views.page(reply, ctx, 'district', {
      title: t(ctx.locale, 'web.district.title'),
      nav: 'district',
      district: d.registry.district?.name,
      schools,
      totals,
    })
  })

  const rateUnit = (m: Meter) => (m.kind === 'water' ? 'L/min' : m.kind === 'temperature' ? 'degC' : 'kW')

  /** Each meter's last day of rate, up to its newest bucket. */
  const lastDays = async (meters: Meter[]): Promise<Map<string, RatePoint[]>> => {
    const windows = meters.flatMap((m) => {
      const newest = d.recent?.newest(m.id)
      return newest !== undefined ? [{ meterId: m.id, from: newest - 24 * HOUR, to: newest }] : []
    })
    return (await d.recent?.windows(windows)) ?? new Map()
  }

  /** A meter's last reading and its last day as a sparkline: the recent rate, else hourly use. */
  const meterRow = (
    locale: Locale,
    m: Meter,
    use: Map<string, { hour: number; used: number }[]>,
    rates: Map<string, RatePoint[]>,
  ) => {
    const status = d.meterStatus(m.id)
    const rate = rates.get(m.id) ?? []
    const fromRate = rate.length >= 2
    const line = fromRate
      ? sparkline(rate.map((p) => p.mean))
      : sparkline((use.get(m.id) ?? []).map((h) => h.used))
    return {
      meter: m,
      state: liveState(m, status, d.now()),
      status,
      spark: line,
      sparkUnit: unitLabel(locale, fromRate ? rateUnit(m) : (KINDS[m.kind].used?.unit ?? '')),
    }
  }

  app.get('/schools/:id', route, async (req, reply) => {
    const school = d.registry.schools.get((req.params as { id: string }).id)
    if (!school) return web.refuse(req, reply, 404, 'notFound')
    const ctx = await web.context(req, reply)
    const meters = [...school.meters.values()]
    const to = Math.ceil(d.now() / HOUR) * HOUR
    const newestTs = Math.max(0, ...meters.map((m) => d.meterStatus(m.id)?.lastTs ?? 0))
    const end = newestTs ? Math.ceil(newestTs / HOUR) * HOUR : to
    const use = await hourlyUse(d, meters, end - 24 * HOUR, end)
    const rates = await lastDays(meters)
    const status = await schoolStatus(d, school)
    const incidents = (
      await d.store.incidents.list({ school: school.id, status: 'active', limit: 1000 })
    ).sort(byUrgency)
    return views.page(reply, ctx, 'school', {
      title: school.name,
      nav: 'district',
      school,
      status,
      incidents: incidents.map((i) => ({ incident: i, place: placeOf(d.registry, i) })),
      buildings: [...school.buildings.values()].map((b) => ({
        building: b,
        meters: b.meters.map((m) => meterRow(ctx.locale, m, use, rates)),
      })),
    })
  })

  app.get('/meters/:id', route, async (req, reply) => {
    const meter = d.registry.meters.get((req.params as { id: string }).id)
    if (!meter) return web.refuse(req, reply, 404, 'notFound')
    const ctx = await web.context(req, reply)
    const status = d.meterStatus(meter.id)
    const series = await meterSeries(d, meter)
    const chart = chartData(ctx.locale, meter.school.timezone, series)
    const incidents = await d.store.incidents.list({ meter: meter.id, limit: 20 })
    return views.page(reply, ctx, 'meter', {
      title: meter.name ?? meter.id,
      nav: 'district',
      scripts: ['chart.js'],
      meter,
      state: liveState(meter, status, d.now()),
      status,
      chart,
      incidents: incidents.map((i) => ({ incident: i, place: placeOf(d.registry, i) })),
    })
  })

  app.get('/quality', route, async (req, reply) => {
    const ctx = await web.context(req, reply)
    const q = (req.query ?? {}) as { school?: string }
    const school = q.school ? d.registry.schools.get(q.school) : undefined
    const meters = qualityMeters(d, school)
    return views.page(reply, ctx, 'quality', {
      title: t(ctx.locale, 'web.quality.title'),
      nav: 'quality',
      schools: [...d.registry.schools.values()],
      school,
      silent: meters.filter((m) => m.state !== 'stale'),
      stale: meters.filter((m) => m.state === 'stale'),
      rejected: (d.rejections?.list(school?.id) ?? []).map((r) => ({
        ...r,
        schoolName: d.registry.schools.get(r.school)?.name ?? '',
        zone: d.registry.schools.get(r.school)?.timezone ?? 'UTC',
        detail: render(ctx.locale, r.lastDetail),
      })),
      since: d.rejections?.since,
    })
  })
}
