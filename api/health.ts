/** The service's own routes: health for load balancers and containers, Prometheus metrics. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { render } from '../core/i18n/index.js'
import type { Metrics } from '../core/metrics.js'
import { Health } from './schemas.js'
import type { ApiDeps, PartHealth } from './server.js'

interface Deps {
  health: ApiDeps['health']
  metrics: Metrics
  version: string
  /** `/metrics` needs no token. */
  metricsPublic: boolean
}

export const serviceRoutes: FastifyPluginAsyncTypebox<Deps> = async (
  app,
  { health, metrics, version, metricsPublic },
) => {
  const started = Date.now()

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
      const h = await health()
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
        version: version,
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
      config: { access: metricsPublic ? 'public' : 'viewer' },
      schema: { tags: ['service'], summary: 'Prometheus text exposition', response: { 200: Type.String() } },
    },
    async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType)
      return metrics.registry.metrics()
    },
  )
}
