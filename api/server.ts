/**
 * The HTTP API (fastify): health, metrics, the registry with live meter status, OpenAPI at /docs.
 * Routes are plain functions of the parts passed in; the server owns no state of its own. Who may
 * call what is api/security.ts; each route only names the role it needs.
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import type { Logger } from 'pino'
import Type from 'typebox'
import { type Locale, type Message, render, t } from '../core/i18n/index.js'
import { KINDS } from '../core/kinds.js'
import type { Metrics } from '../core/metrics.js'
import type { Meter, Registry, School } from '../core/registry.js'
import { formatInstant } from '../core/time.js'
import type { RecentReadings, RejectionTally } from '../ingest/index.js'
import type { MeterStatus } from '../ingest/pipeline.js'
import {
  MONTHLY_COLUMNS,
  type MonthlyReports,
  RANKING_COLUMNS,
  type Readiness,
  rankingView,
  toCsv,
} from '../reports/index.js'
import type { AlertManager } from '../rules/alerts.js'
import type { Store } from '../store/index.js'
import { type WebOptions, webApp } from '../web/index.js'
import { alertRoutes } from './alerts.js'
import { type Actor, ANONYMOUS } from './auth.js'
import { districtRoutes } from './district.js'
import { describeRequestError, type RequestError } from './errors.js'
import { liveRoutes, silenceLimitMs } from './live.js'
import { registerLocale } from './locale.js'
import {
  AlertBody,
  ErrorBody,
  Health,
  IncidentBody,
  MeterParams,
  MeterView,
  MonthlyQuery,
  MonthlyRowBody,
  RankingQuery,
  RankingRowBody,
  ReadinessBody,
  SchoolDetail,
  SchoolParams,
  SchoolSummary,
  TokenBody,
} from './schemas.js'
import { DOCS_CSP, registerSecurity, type SecurityOptions } from './security.js'
import { tokenRoutes } from './tokens.js'

export interface PartHealth {
  ok: boolean
  /** Rendered for each reader. */
  detail: Message
}

export interface ApiDeps {
  registry: Registry
  metrics: Metrics
  log: Logger
  version: string
  /** Last reading of a meter, from ingest. */
  meterStatus(meterId: string): MeterStatus | undefined
  health(): {
    ingest: PartHealth
    store: PartHealth
    influx: PartHealth
    archive: boolean
    /** A sentence for people when something needs them (e.g. a full disk), rendered per reader. */
    message?: Message
  }
  /** The alert lifecycle; the alert routes are served when given. */
  alerts?: AlertManager
  store?: Store
  /** Monthly savings, ranking and readiness; the report routes are served when given. */
  reports?: MonthlyReports
  readiness?: Readiness
  /** Wall clock, replaceable in tests. */
  now?: () => number
  /** Tokens, roles, rate limit, CORS (needs `store`); without it every request acts as `anonymous`. */
  security?: SecurityOptions & { metricsPublic: boolean }
  /** Each meter's last 48 hours, for series and sparklines. */
  recent?: RecentReadings
  /** Rejected readings by school and reason, for data quality. */
  rejections?: RejectionTally
  /** Writes the rollups still in memory (series and reports then count the last hour). */
  flushRollups?: () => void
  /** The web app at `/` (web/): served when given. */
  web?: WebOptions
}

export function meterState(meter: Meter, status: MeterStatus | undefined, now: number) {
  if (!status) return 'never_reported' as const
  return now - status.lastReceivedAt > silenceLimitMs(meter) ? ('offline' as const) : ('ok' as const)
}

export async function buildApi(deps: ApiDeps) {
  const app = Fastify({
    loggerInstance: deps.log,
    // Requests are not logged one by one; errors are, by the error handler below.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>()
  const now = deps.now ?? Date.now
  const started = Date.now()

  registerLocale(app as unknown as FastifyInstance, deps.registry.locale)
  // Before anything else is registered, so that its hooks see every route, Swagger UI's too.
  if (deps.security && deps.store) {
    await registerSecurity(app as unknown as FastifyInstance, {
      tokens: deps.store.apiTokens,
      log: deps.log,
      options: deps.security,
    })
  } else {
    app.decorateRequest('actor', null as unknown as Actor)
    app.addHook('onRequest', async (req) => {
      req.actor = ANONYMOUS
    })
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'schoolmeter',
        version: deps.version,
        description:
          'Water, electricity and heating of schools: the registry with live meter status, health and metrics. ' +
          'The MQTT contract is in docs/contract.md. Sentences in answers (error messages, details, CSV headers) ' +
          'are in the language of ?lang= or Accept-Language (zh-CN, en), else the district one; codes and field names never change.',
      },
      tags: [
        { name: 'service', description: 'health and metrics' },
        { name: 'registry', description: 'schools, buildings, spaces and meters' },
        { name: 'alerts', description: 'maintenance alerts and their lifecycle' },
        { name: 'reports', description: 'monthly savings, the district ranking, start-of-term readiness' },
        { name: 'security', description: 'API tokens and the audit log (admin)' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'smt_<id>_<secret>, from `npm run admin -- token add`; needed when the API listens beyond loopback or any token exists',
          },
        },
      },
      security: [{ bearer: [] }],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP })
  app.addSchema(ErrorBody)
  app.addSchema(TokenBody)
  app.addSchema(MeterView)
  app.addSchema(AlertBody)
  app.addSchema(IncidentBody)
  app.addSchema(MonthlyRowBody)

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({
      error: 'not_found',
      message: t(req.locale, 'api.error.noRoute', { method: req.method, path: req.url.split('?')[0] ?? '' }),
    })
  })
  app.setErrorHandler((err: RequestError, req, reply) => {
    const status = err.statusCode ?? 500
    if (status >= 500) deps.log.error({ err }, 'request failed')
    reply.code(status).send({
      error: status >= 500 ? 'internal' : (err.code ?? 'bad_request').toLowerCase(),
      message: status >= 500 ? t(req.locale, 'api.error.internal') : describeRequestError(req, err),
    })
  })
  const notFound = (
    reply: { code(n: number): { send(b: unknown): unknown } },
    locale: Locale,
    what: 'school' | 'meter',
    id: string,
  ) =>
    reply.code(404).send({ error: 'not_found', message: t(locale, 'api.error.notInRegistry', { what, id }) })

  const meterView = (meter: Meter) => {
    const status = deps.meterStatus(meter.id)
    const tz = meter.school.timezone
    const used = KINDS[meter.kind].used
    return {
      id: meter.id,
      kind: meter.kind,
      ...(meter.name ? { name: meter.name } : {}),
      school: meter.school.id,
      building: meter.building.id,
      ...(meter.space ? { space: meter.space.id } : {}),
      ...(meter.parent ? { parent: meter.parent.id } : {}),
      intervalSeconds: meter.intervalSeconds,
      ...(meter.config.registerDigits !== undefined ? { registerDigits: meter.config.registerDigits } : {}),
      ...(meter.config.nominalFlowM3h !== undefined ? { nominalFlowM3h: meter.config.nominalFlowM3h } : {}),
      ...(meter.tariff !== undefined ? { tariff: meter.tariff } : {}),
      status: meterState(meter, status, now()),
      readings: status?.readings ?? 0,
      ...(status
        ? {
            lastReading: {
              ts: formatInstant(status.lastTs, tz),
              receivedAt: formatInstant(status.lastReceivedAt, tz),
              estimated: status.lastEstimated,
              values: status.lastValues as Record<string, number>,
              ...(status.lastUsed !== undefined && used
                ? { used: status.lastUsed, usedUnit: used.unit }
                : {}),
            },
          }
        : {}),
    }
  }

  const schoolSummary = (s: School) => {
    const counts = { total: 0, ok: 0, offline: 0, neverReported: 0 }
    for (const m of s.meters.values()) {
      counts.total++
      const st = meterState(m, deps.meterStatus(m.id), now())
      if (st === 'ok') counts.ok++
      else if (st === 'offline') counts.offline++
      else counts.neverReported++
    }
    return {
      id: s.id,
      name: s.name,
      timezone: s.timezone,
      ...(s.pupils !== undefined ? { pupils: s.pupils } : {}),
      ...(s.floorAreaM2 !== undefined ? { floorAreaM2: s.floorAreaM2 } : {}),
      meters: counts,
    }
  }

  app.get(
    '/health',
    {
      // Open to anyone and never rate-limited: load balancers and container health checks poll it.
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['service'],
        summary:
          '200 when ingest, store and (if configured) InfluxDB are healthy; 503 naming the failing part',
        response: { 200: Health, 503: Health },
      },
    },
    async (req, reply) => {
      const h = deps.health()
      const view = (p: PartHealth) => ({ ok: p.ok, detail: render(req.locale, p.detail) })
      const parts = { ingest: view(h.ingest), store: view(h.store), influx: view(h.influx) }
      const failing = Object.entries(parts)
        .filter(([, p]) => !p.ok)
        .map(([k]) => k)
      reply.code(failing.length ? 503 : 200)
      return {
        status: failing.length ? ('unhealthy' as const) : ('ok' as const),
        failing,
        parts,
        archive: h.archive,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        version: deps.version,
        ...(h.message
          ? {
              message: render(req.locale, h.message),
            }
          : {}),
      }
    },
  )

  app.get(
    '/metrics',
    {
      config: { access: deps.security?.metricsPublic ? 'public' : 'viewer' },
      schema: { tags: ['service'], summary: 'Prometheus text exposition', response: { 200: Type.String() } },
    },
    async (_req, reply) => {
      reply.header('content-type', deps.metrics.registry.contentType)
      return deps.metrics.registry.metrics()
    },
  )

  app.get(
    '/api/v1/schools',
    {
      schema: {
        tags: ['registry'],
        summary: 'All schools, with how many of their meters are reporting',
        response: { 200: Type.Array(SchoolSummary) },
      },
    },
    async () => [...deps.registry.schools.values()].map(schoolSummary),
  )

  app.get(
    '/api/v1/schools/:school',
    {
      schema: {
        tags: ['registry'],
        summary: 'One school: buildings, spaces and meters with their last reading and status',
        params: SchoolParams,
        response: { 200: SchoolDetail, 404: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const s = deps.registry.schools.get(req.params.school)
      if (!s) return notFound(reply, req.locale, 'school', req.params.school)
      return {
        ...schoolSummary(s),
        buildings: [...s.buildings.values()].map((b) => ({
          id: b.id,
          ...(b.name ? { name: b.name } : {}),
          use: b.use,
          ...(b.config.floorAreaM2 !== undefined ? { floorAreaM2: b.config.floorAreaM2 } : {}),
          spaces: [...b.spaces.values()].map((sp) => ({
            id: sp.id,
            ...(sp.name ? { name: sp.name } : {}),
            use: sp.use,
            ...(sp.config.appliancePolicy ? { appliancePolicy: sp.config.appliancePolicy } : {}),
            ...(sp.config.roomLimitW !== undefined ? { roomLimitW: sp.config.roomLimitW } : {}),
          })),
          meters: b.meters.map(meterView),
        })),
      }
    },
  )

  app.get(
    '/api/v1/meters/:meter',
    {
      schema: {
        tags: ['registry'],
        summary: 'One meter with its last reading and status',
        params: MeterParams,
        response: { 200: Type.Ref('Meter'), 404: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const m = deps.registry.meters.get(req.params.meter)
      if (!m) return notFound(reply, req.locale, 'meter', req.params.meter)
      return meterView(m)
    },
  )

  if (deps.alerts && deps.store)
    await app.register(alertRoutes, { alerts: deps.alerts, store: deps.store, registry: deps.registry })

  if (deps.store) await app.register(tokenRoutes, { store: deps.store })
  if (deps.store)
    await app.register(districtRoutes, {
      registry: deps.registry,
      store: deps.store,
      ...(deps.flushRollups ? { flushRollups: deps.flushRollups } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    })

  const live = deps.store
    ? {
        registry: deps.registry,
        store: deps.store,
        meterStatus: deps.meterStatus,
        now,
        ...(deps.reports ? { reports: deps.reports } : {}),
        ...(deps.recent ? { recent: deps.recent } : {}),
        ...(deps.rejections ? { rejections: deps.rejections } : {}),
        ...(deps.flushRollups ? { flushRollups: deps.flushRollups } : {}),
      }
    : undefined
  if (live) await app.register(liveRoutes, live)
  if (live && deps.web && deps.alerts)
    await app.register(webApp, {
      ...live,
      alerts: deps.alerts,
      log: deps.log,
      ...(deps.readiness ? { readiness: deps.readiness } : {}),
      ...deps.web,
      ...(deps.security ? { security: deps.security } : {}),
    })

  const reports = deps.reports
  if (reports) {
    const wantsCsv = (format: string | undefined, accept: string | undefined) =>
      format === 'csv' || (format === undefined && /text\/csv/.test(accept ?? ''))
    const thisMonth = () => {
      const first = [...deps.registry.schools.values()][0]
      return formatInstant(now(), first?.timezone ?? 'UTC').slice(0, 7)
    }
    const names = (rows: { school: string }[]) =>
      rows.map((r) => ({ ...r, name: deps.registry.schools.get(r.school)?.name ?? r.school }))

    app.get(
      '/api/v1/reports/monthly',
      {
        schema: {
          tags: ['reports'],
          summary:
            'Monthly rows per school and utility: actual, expected, savings, per pupil and m², coverage. ?format=csv or Accept: text/csv for CSV',
          querystring: MonthlyQuery,
          response: { 200: Type.Array(Type.Ref('MonthlyRow')), 404: Type.Ref('Error') },
        },
      },
      async (req, reply) => {
        if (req.query.school && !deps.registry.schools.has(req.query.school))
          return notFound(reply, req.locale, 'school', req.query.school)
        const month = req.query.month ?? thisMonth()
        const rows = reports.monthly(month, req.query.school)
        if (wantsCsv(req.query.format, req.headers.accept)) {
          return reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="schoolmeter-monthly-${month}.csv"`)
            .serializer((x: unknown) => x as string)
            .send(
              toCsv(names(rows), MONTHLY_COLUMNS, {
                locale: req.locale,
                headers: req.query.headers ?? 'names',
              }),
            )
        }
        return rows
      },
    )

    app.get(
      '/api/v1/reports/ranking',
      {
        schema: {
          tags: ['reports'],
          summary: 'Schools ranked by adjusted savings %; rows under 90 % coverage are listed without a rank',
          querystring: RankingQuery,
          response: { 200: Type.Array(RankingRowBody) },
        },
      },
      async (req, reply) => {
        const month = req.query.month ?? thisMonth()
        const rows = rankingView(req.locale, reports.ranking(month, req.query.utility ?? 'water'))
        if (wantsCsv(req.query.format, req.headers.accept)) {
          return reply
            .header('content-type', 'text/csv; charset=utf-8')
            .serializer((x: unknown) => x as string)
            .send(
              toCsv(rows as unknown as Record<string, unknown>[], RANKING_COLUMNS, {
                locale: req.locale,
                headers: req.query.headers ?? 'names',
              }) as never,
            )
        }
        return rows
      },
    )
  }

  const readiness = deps.readiness
  if (readiness) {
    app.get(
      '/api/v1/reports/readiness',
      {
        schema: {
          tags: ['reports'],
          summary:
            'Start-of-term checklist per school for its next term: meters reporting, no open critical alert, heating reaching setpoint',
          querystring: Type.Object({ school: Type.Optional(Type.String({ maxLength: 64 })) }),
          response: { 200: Type.Array(ReadinessBody) },
        },
      },
      async (req) =>
        [...deps.registry.schools.values()]
          .filter((s) => !req.query.school || s.id === req.query.school)
          .map((s) => readiness.check(s, now(), req.locale))
          .filter((r) => r !== undefined),
    )
  }

  return app
}
