/**
 * The district as it is now, over HTTP: every school's live status (meters reporting, silent or
 * stale; open incidents by severity; this month's use against the expected), data quality (silent
 * and stale meters, rejected readings by school and reason), and a meter's recent series (its rate
 * in 10-minute buckets from the last 48 hours, and its hourly use from the rollups). None of it
 * needs InfluxDB. The web app renders the same functions.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { Severity } from '../core/alert.js'
import { type Locale, render, t } from '../core/i18n/index.js'
import { KINDS } from '../core/kinds.js'
import type { Meter, Registry, School } from '../core/registry.js'
import { formatInstant } from '../core/time.js'
import {
  type MeterStatus,
  RATES,
  type RatePoint,
  type RateSource,
  RECENT_HOURS,
  type RejectionSource,
} from '../ingest/index.js'
import type { MonthlyReports, MonthlyRow } from '../reports/index.js'
import { offlineLimitMs } from '../rules/index.js'
import type { HourRollup, Store } from '../store/index.js'

const HOUR = 3_600_000

export type MeterState = 'ok' | 'offline' | 'never_reported' | 'stale'

/** How long a meter may stay quiet (wall clock) or lag behind (event time) before it is called so. */
export function silenceLimitMs(meter: Meter): number {
  return offlineLimitMs(meter)
}

/**
 * ok; offline (nothing arrived for max(3 × interval, 15 min), or as the meter.offline rule is set for the meter); never_reported; stale (still
 * arriving, but its newest reading was already older than that when it came: a gateway sending a
 * backlog, or a clock that is wrong).
 */
export function liveState(meter: Meter, status: MeterStatus | undefined, now: number): MeterState {
  if (!status) return 'never_reported'
  const limit = silenceLimitMs(meter)
  if (now - status.lastReceivedAt > limit) return 'offline'
  if (status.lastReceivedAt - status.lastTs > limit) return 'stale'
  return 'ok'
}

export interface LiveDeps {
  /**
   * The schools whose meters this service answers for: the district, or on a sharded worker whose
   * meters' status is not shared (no DATABASE_URL) its shard.
   */
  registry: Registry
  /** The whole district when `registry` is one shard of it: incidents are shown for every school. */
  district?: Registry
  store: Store
  meterStatus(meterId: string): MeterStatus | undefined
  now: () => number
  reports?: MonthlyReports
  /** Meters' recent rates: from memory, and on a sharded worker other shards' as their owners share them. */
  recent?: RateSource
  rejections?: RejectionSource
  /** Writes the rollups still in memory, so that the last hour counts. */
  flushRollups?: () => void
}

/** The month (YYYY-MM) it is now at a school. */
export function monthAt(school: School | undefined, now: number): string {
  return formatInstant(now, school?.timezone ?? 'UTC').slice(0, 7)
}

export interface SchoolStatus {
  school: School
  meters: Record<MeterState | 'total', number>
  incidents: Record<Severity | 'total', number>
  month: string
  use: MonthlyRow[]
}

export async function schoolStatus(d: LiveDeps, school: School): Promise<SchoolStatus> {
  const now = d.now()
  const meters = { total: 0, ok: 0, offline: 0, never_reported: 0, stale: 0 }
  for (const m of school.meters.values()) {
    meters.total++
    meters[liveState(m, d.meterStatus(m.id), now)]++
  }
  const incidents = { total: 0, critical: 0, warning: 0, info: 0 }
  for (const i of await d.store.incidents.list({ school: school.id, status: 'active', limit: 10_000 })) {
    incidents.total++
    incidents[i.severity]++
  }
  const month = monthAt(school, now)
  return { school, meters, incidents, month, use: (await d.reports?.monthly(month, school.id)) ?? [] }
}

export interface QualityMeter {
  meter: Meter
  state: Exclude<MeterState, 'ok'>
  status?: MeterStatus
}

/** The meters that are not ok, silent ones first, then by school and id. */
export function qualityMeters(d: LiveDeps, school?: School): QualityMeter[] {
  const now = d.now()
  const order = { offline: 0, never_reported: 1, stale: 2 }
  const out: QualityMeter[] = []
  for (const s of school ? [school] : d.registry.schools.values())
    for (const m of s.meters.values()) {
      const status = d.meterStatus(m.id)
      const state = liveState(m, status, now)
      if (state !== 'ok') out.push({ meter: m, state, ...(status ? { status } : {}) })
    }
  return out.sort(
    (a, b) =>
      order[a.state] - order[b.state] ||
      a.meter.school.id.localeCompare(b.meter.school.id) ||
      a.meter.id.localeCompare(b.meter.id),
  )
}

export interface MeterSeries {
  meter: Meter
  from: number
  to: number
  rate: { unit: (typeof RATES)[keyof typeof RATES]['unit']; field: string; points: RatePoint[] }
  use?: { unit: 'L' | 'kWh'; points: HourRollup[] }
}

/**
 * A meter's series over `hours` ending at `to` (default: its newest reading, event time): the
 * rate from memory (the last 48 hours) and, for meters with a register, hourly use from the store.
 */
export async function meterSeries(
  d: LiveDeps,
  meter: Meter,
  o: { to?: number; hours?: number } = {},
): Promise<MeterSeries> {
  const hours = o.hours ?? RECENT_HOURS
  const newest = d.recent?.newest(meter.id) ?? d.meterStatus(meter.id)?.lastTs
  const to =
    o.to ?? (newest !== undefined ? Math.ceil(newest / HOUR) * HOUR : Math.ceil(d.now() / HOUR) * HOUR)
  const from = to - hours * HOUR
  const spec = RATES[meter.kind]
  const used = KINDS[meter.kind].used
  let use: MeterSeries['use']
  if (used) {
    d.flushRollups?.()
    use = { unit: used.unit, points: await d.store.history.hours([meter.id], from, to) }
  }
  return {
    meter,
    from,
    to,
    rate: {
      unit: spec.unit,
      field: spec.field,
      points: (await d.recent?.windows([{ meterId: meter.id, from, to }]))?.get(meter.id) ?? [],
    },
    ...(use ? { use } : {}),
  }
}

/** Hourly use of many meters at once (sparklines of a school page), by meter id. */
export async function hourlyUse(
  d: LiveDeps,
  meters: Meter[],
  from: number,
  to: number,
): Promise<Map<string, HourRollup[]>> {
  d.flushRollups?.()
  const out = new Map<string, HourRollup[]>()
  for (const r of await d.store.history.hours(
    meters.map((m) => m.id),
    from,
    to,
  )) {
    const list = out.get(r.meterId) ?? []
    list.push(r)
    out.set(r.meterId, list)
  }
  return out
}

const Counts = (keys: string[]) => Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Integer()])))

const StatusBody = Type.Object({
  school: Type.String(),
  name: Type.String(),
  meters: Counts(['total', 'ok', 'offline', 'never_reported', 'stale']),
  incidents: Counts(['total', 'critical', 'warning', 'info']),
  month: Type.String({ description: 'this month at the school, YYYY-MM' }),
  use: Type.Array(
    Type.Object({
      utility: Type.String(),
      unit: Type.String(),
      actual: Type.Number(),
      expected: Type.Optional(Type.Number()),
      savingsPct: Type.Optional(Type.Number()),
      coverage: Type.Number(),
    }),
    { description: 'this month to date, per utility, as in the monthly report' },
  ),
})

const QualityBody = Type.Object({
  meters: Type.Array(
    Type.Object({
      meter: Type.String(),
      name: Type.Optional(Type.String()),
      kind: Type.String(),
      school: Type.String(),
      building: Type.String(),
      state: Type.Enum(['offline', 'never_reported', 'stale']),
      lastTs: Type.Optional(Type.String({ description: 'event time of its newest reading' })),
      lastReceivedAt: Type.Optional(Type.String({ description: 'when that reading arrived' })),
    }),
  ),
  rejected: Type.Array(
    Type.Object({
      school: Type.String({ description: "'' when the topic named no school of the registry" }),
      reason: Type.String(),
      count: Type.Integer(),
      lastAt: Type.String(),
      lastMeter: Type.Optional(Type.String()),
      lastTopic: Type.String(),
      lastDetail: Type.String({ description: "the latest one's detail, in the reader's language" }),
    }),
  ),
  rejectedSince: Type.String({
    description:
      "rejections are counted since the service started (a sharded district's: since the earliest of its workers)",
  }),
})

const SeriesBody = Type.Object({
  meter: Type.String(),
  kind: Type.String(),
  from: Type.String(),
  to: Type.String(),
  rate: Type.Object({
    field: Type.String({ description: 'the reading field drawn (or derived from consumption)' }),
    unit: Type.Enum(['L/min', 'kW', 'degC']),
    stepSeconds: Type.Integer(),
    points: Type.Array(Type.Object({ ts: Type.String(), mean: Type.Number(), max: Type.Number() }), {
      description: '10-minute buckets from the readings of the last 48 hours (kept in memory)',
    }),
  }),
  use: Type.Optional(
    Type.Object({
      unit: Type.Enum(['L', 'kWh']),
      points: Type.Array(
        Type.Object({
          ts: Type.String(),
          used: Type.Number(),
          usedEstimated: Type.Number(),
          coverage: Type.Number({ description: 'share of the hour real readings covered' }),
        }),
      ),
    }),
  ),
})

/** Needs the `Error` schema on the parent instance. */
export const liveRoutes: FastifyPluginAsyncTypebox<LiveDeps> = async (app, d) => {
  const notFound = (
    reply: { code(n: number): { send(b: unknown): unknown } },
    locale: Locale,
    what: 'school' | 'meter',
    id: string,
  ) =>
    reply.code(404).send({ error: 'not_found', message: t(locale, 'api.error.notInRegistry', { what, id }) })

  app.get(
    '/api/v1/status',
    {
      schema: {
        tags: ['registry'],
        summary:
          "Every school's live status: meters reporting, silent or stale; open incidents by severity; this month's use against the expected",
        querystring: Type.Object({ school: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.Array(StatusBody), 404: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const one = req.query.school
      if (one && !d.registry.schools.has(one)) return notFound(reply, req.locale, 'school', one)
      const schools = [...d.registry.schools.values()].filter((s) => !one || s.id === one)
      return Promise.all(
        schools.map(async (s) => {
          const st = await schoolStatus(d, s)
          return {
            school: s.id,
            name: s.name,
            meters: st.meters,
            incidents: st.incidents,
            month: st.month,
            use: st.use.map((r) => ({
              utility: r.utility,
              unit: r.unit,
              actual: r.actual,
              ...(r.expected !== undefined ? { expected: r.expected } : {}),
              ...(r.savingsPct !== undefined ? { savingsPct: r.savingsPct } : {}),
              coverage: r.coverage,
            })),
          }
        }),
      )
    },
  )

  app.get(
    '/api/v1/quality',
    {
      schema: {
        tags: ['registry'],
        summary:
          'Data quality: silent (offline, never reported) and stale meters; rejected readings by school and reason',
        querystring: Type.Object({ school: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: QualityBody, 404: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const one = req.query.school
      const school = one ? d.registry.schools.get(one) : undefined
      if (one && !school) return notFound(reply, req.locale, 'school', one)
      const zone = (id: string) => d.registry.schools.get(id)?.timezone ?? 'UTC'
      return {
        meters: qualityMeters(d, school).map((q) => ({
          meter: q.meter.id,
          ...(q.meter.name ? { name: q.meter.name } : {}),
          kind: q.meter.kind,
          school: q.meter.school.id,
          building: q.meter.building.id,
          state: q.state,
          ...(q.status
            ? {
                lastTs: formatInstant(q.status.lastTs, q.meter.school.timezone),
                lastReceivedAt: formatInstant(q.status.lastReceivedAt, q.meter.school.timezone),
              }
            : {}),
        })),
        rejected: (d.rejections?.list(one) ?? []).map((r) => ({
          school: r.school,
          reason: r.reason,
          count: r.count,
          lastAt: formatInstant(r.lastAt, zone(r.school)),
          ...(r.lastMeter !== undefined ? { lastMeter: r.lastMeter } : {}),
          lastTopic: r.lastTopic,
          lastDetail: render(req.locale, r.lastDetail),
        })),
        rejectedSince: formatInstant(d.rejections?.since ?? d.now(), 'UTC'),
      }
    },
  )

  app.get(
    '/api/v1/meters/:meter/series',
    {
      schema: {
        tags: ['registry'],
        summary:
          "A meter's recent series: its rate in 10-minute buckets (last 48 h, from memory) and its hourly use (from the rollups)",
        params: Type.Object({ meter: Type.String({ maxLength: 128 }) }),
        querystring: Type.Object({
          to: Type.Optional(
            Type.String({
              description: 'end, ISO-8601 with offset; default: the newest reading, rounded up to the hour',
            }),
          ),
          hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 31, default: RECENT_HOURS })),
        }),
        response: { 200: SeriesBody, 400: Type.Ref('Error'), 404: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const meter = d.registry.meters.get(req.params.meter)
      if (!meter) return notFound(reply, req.locale, 'meter', req.params.meter)
      let to: number | undefined
      if (req.query.to !== undefined) {
        to = /[zZ]|[+-]\d{2}:\d{2}$/.test(req.query.to) ? Date.parse(req.query.to) : Number.NaN
        if (Number.isNaN(to))
          return reply
            .code(400)
            .send({ error: 'bad_query', message: t(req.locale, 'api.error.badInstant', { name: 'to' }) })
      }
      const s = await meterSeries(d, meter, {
        ...(to !== undefined ? { to } : {}),
        hours: req.query.hours ?? RECENT_HOURS,
      })
      const iso = (ms: number) => formatInstant(ms, meter.school.timezone)
      return {
        meter: meter.id,
        kind: meter.kind,
        from: iso(s.from),
        to: iso(s.to),
        rate: {
          field: s.rate.field,
          unit: s.rate.unit,
          stepSeconds: 600,
          points: s.rate.points.map((p) => ({ ts: iso(p.ts), mean: round(p.mean), max: round(p.max) })),
        },
        ...(s.use
          ? {
              use: {
                unit: s.use.unit,
                points: s.use.points.map((p) => ({
                  ts: iso(p.hour),
                  used: round(p.used),
                  usedEstimated: round(p.usedEstimated),
                  coverage: Math.round((p.coveredMs / HOUR) * 1000) / 1000,
                })),
              },
            }
          : {}),
      }
    },
  )
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000
}
