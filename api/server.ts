/**
 * The HTTP API (fastify): health, metrics, the registry with live meter status, OpenAPI at /docs.
 * Routes are plain functions of the parts passed in; the server owns no state of its own. Who may
 * call what is api/security.ts; each route only names the role it needs.
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyPluginAsync, LogController } from 'fastify'
import type { Logger } from 'pino'
import { type Message, t } from '../core/i18n/index.js'
import type { Metrics } from '../core/metrics.js'
import type { Registry } from '../core/registry.js'
import type { MeterStatus, RateSource, RejectionSource } from '../ingest/index.js'
import type { MonthlyReports, Readiness } from '../reports/index.js'
import type { AlertManager } from '../rules/index.js'
import type { Store } from '../store/index.js'
import { alertRoutes } from './alerts.js'
import { type Actor, ANONYMOUS } from './auth.js'
import { districtRoutes } from './district.js'
import { describeRequestError, type RequestError } from './errors.js'
import { serviceRoutes } from './health.js'
import { type LiveDeps, liveRoutes } from './live.js'
import { registerLocale } from './locale.js'
import { registryRoutes } from './registry.js'
import { reportRoutes } from './reports.js'
import { AlertBody, ErrorBody, IncidentBody, MeterView, MonthlyRowBody, TokenBody } from './schemas.js'
import { DOCS_CSP, registerSecurity, type SecurityOptions } from './security.js'
import { tokenRoutes } from './tokens.js'

export interface PartHealth {
  ok: boolean
  /** Rendered for each reader. */
  detail: Message
}

export interface ServiceHealth {
  ingest: PartHealth
  store: PartHealth
  influx: PartHealth
  archive: boolean
  /** A sentence for people when something needs them (e.g. a full disk), rendered per reader. */
  message?: Message
}

export interface ApiDeps {
  /**
   * The schools whose meters' live state this service answers for: the district, or a sharded
   * worker's shard when meters' status is not shared among the workers (no DATABASE_URL).
   */
  registry: Registry
  /**
   * The whole district, when `registry` is one shard of it (SHARD): incidents and alerts live in
   * the store every worker shares, and are served for every school (docs/scaling.md).
   */
  district?: Registry
  metrics: Metrics
  log: Logger
  version: string
  /** Last reading of a meter, from ingest (on a sharded worker, other shards' as their owners share them). */
  meterStatus(meterId: string): MeterStatus | undefined
  /** The health of each part, now (the store's answers come asynchronously). */
  health(): ServiceHealth | Promise<ServiceHealth>
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
  recent?: RateSource
  /** Rejected readings by school and reason, for data quality. */
  rejections?: RejectionSource
  /** Writes the rollups still in memory (series and reports then count the last hour). */
  flushRollups?: () => void
  /**
   * Pages served beside the API on the same port (the web app at `/`, web/): registered on the
   * server with the live data the API reads. The app wires them; the API knows nothing of them.
   */
  pages?: (live: LiveDeps) => FastifyPluginAsync
}

export { meterState } from './registry.js'

export async function buildApi(deps: ApiDeps) {
  const app = Fastify({
    loggerInstance: deps.log,
    // Requests are not logged one by one; errors are, by the error handler below.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>()
  const now = deps.now ?? Date.now

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
  await app.register(serviceRoutes, {
    health: deps.health,
    metrics: deps.metrics,
    version: deps.version,
    metricsPublic: deps.security?.metricsPublic ?? false,
  })
  await app.register(registryRoutes, { registry: deps.registry, meterStatus: deps.meterStatus, now })

  if (deps.alerts && deps.store)
    await app.register(alertRoutes, {
      alerts: deps.alerts,
      store: deps.store,
      registry: deps.district ?? deps.registry,
    })

  if (deps.store) await app.register(tokenRoutes, { store: deps.store })
  if (deps.store)
    await app.register(districtRoutes, {
      // The report history is read from the store, every worker's mirrored there with DATABASE_URL
      // (store/mirror.ts): district reports cover the whole district on any worker.
      registry: deps.district ?? deps.registry,
      store: deps.store,
      ...(deps.flushRollups ? { flushRollups: deps.flushRollups } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    })

  const live = deps.store
    ? {
        registry: deps.registry,
        ...(deps.district ? { district: deps.district } : {}),
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
  // biome-ignore lint/nursery/noMisusedPromises: fastify awaits an async plugin it registers.
  if (live && deps.pages) await app.register(deps.pages(live))

  if (deps.reports || deps.readiness)
    await app.register(reportRoutes, {
      registry: deps.district ?? deps.registry,
      now,
      ...(deps.reports ? { reports: deps.reports } : {}),
      ...(deps.readiness ? { readiness: deps.readiness } : {}),
    })

  return app
}
