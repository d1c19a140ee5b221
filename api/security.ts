/**
 * The API's front door, in the order a request meets it: security headers (helmet), CORS (only
 * for the origins configured), the rate limit, then the bearer token and the role the route needs.
 * A route declares what it needs once, as `config: { access }`; GET routes default to `viewer`,
 * every other method to `admin`.
 */
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import Type from 'typebox'
import { type Env, flag } from '../core/config/env.js'
import { ConfigError, ENVIRONMENT } from '../core/errors.js'
import { msg, t } from '../core/i18n/index.js'
import type { ApiTokenStore, Role } from '../store/index.js'
import { type Actor, ANONYMOUS, allows, bearer, isLoopback, TokenVerifier } from './auth.js'

/**
 * What a route needs: a role; `public` (no token, ever: /health, and /metrics with
 * METRICS_PUBLIC=1); `docs` (the OpenAPI pages: open to clients on this machine, `viewer` otherwise).
 */
export type Access = Role | 'public' | 'docs'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    /** Who is asking, set before any handler runs. */
    actor: Actor
  }
}

export interface SecurityOptions {
  /** The API listens on loopback addresses only. */
  loopbackOnly: boolean
  /**
   * ALLOW_ANONYMOUS: `always` (1) never asks for a token; `never` (0) always does; `auto` (unset)
   * asks when the API listens beyond loopback or when the store holds an active token.
   */
  anonymous: 'always' | 'never' | 'auto'
  /** Requests a minute per token, or per client address until a token is verified; 0 = no limit. */
  rateLimitPerMinute: number
  /** Browser origins allowed to call the API; empty = no CORS headers at all. */
  corsOrigins: string[]
  /** How long a verified token is remembered (tests). */
  tokenCacheMs?: number
}

/** Swagger UI loads its scripts and styles from /docs/static and sets inline styles. */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'self'; " +
  "frame-ancestors 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; " +
  "script-src-attr 'none'; style-src 'self' 'unsafe-inline'"

/** Whether requests must bring a token, on the store as it is now. */
export async function authRequired(
  o: Pick<SecurityOptions, 'loopbackOnly' | 'anonymous'>,
  tokens: ApiTokenStore,
): Promise<boolean> {
  if (o.anonymous !== 'auto') return o.anonymous === 'never'
  return !o.loopbackOnly || (await tokens.hasActive())
}

/**
 * The API's security from the environment. Refuses an API that would have to ask for tokens while
 * none exists (it listens beyond loopback, or ALLOW_ANONYMOUS=0): it would answer nobody.
 */
export async function apiSecurityFromEnv(
  env: Env,
  tokens: ApiTokenStore,
): Promise<SecurityOptions & { metricsPublic: boolean }> {
  const options = {
    loopbackOnly: isLoopback(env.HTTP_HOST),
    anonymous:
      env.ALLOW_ANONYMOUS === undefined
        ? ('auto' as const)
        : flag(env.ALLOW_ANONYMOUS)
          ? ('always' as const)
          : ('never' as const),
    rateLimitPerMinute: env.API_RATE_LIMIT,
    corsOrigins: parseOrigins(env.CORS_ORIGINS),
    metricsPublic: flag(env.METRICS_PUBLIC),
  }
  const mustAsk = options.anonymous === 'never' || (options.anonymous === 'auto' && !options.loopbackOnly)
  if (mustAsk && !(await tokens.hasActive())) {
    throw new ConfigError(ENVIRONMENT, [
      {
        path: options.loopbackOnly ? 'ALLOW_ANONYMOUS' : 'HTTP_HOST',
        value: options.loopbackOnly ? env.ALLOW_ANONYMOUS : env.HTTP_HOST,
        expected: msg(
          options.loopbackOnly ? 'config.expected.tokenFirstAsked' : 'config.expected.tokenFirstExposed',
          {
            host: env.HTTP_HOST,
            dataDir: env.DATA_DIR,
          },
        ),
      },
    ])
  }
  return options
}

export function parseOrigins(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

const READ_METHODS = new Set(['GET', 'HEAD'])

function accessOf(req: FastifyRequest): Access {
  const declared = req.routeOptions.config.access
  if (declared) return declared
  // Unknown routes answer 404 to anyone with a valid token, of any role.
  if (req.is404) return 'viewer'
  const url = req.routeOptions.url ?? ''
  if (url === '/docs' || url.startsWith('/docs/')) return 'docs'
  return READ_METHODS.has(req.method) ? 'viewer' : 'admin'
}

const REALM = 'Bearer realm="schoolmeter"'

function deny(reply: FastifyReply, status: 401 | 403, error: string, message: string, challenge: string) {
  return reply.code(status).header('www-authenticate', challenge).send({ error, message })
}

/** Adds the hooks to `app` itself (not to an encapsulated child), so every route gets them. */
export async function registerSecurity(
  app: FastifyInstance,
  deps: { tokens: ApiTokenStore; log: Logger; options: SecurityOptions },
): Promise<void> {
  const { tokens, log, options } = deps
  const verifier = new TokenVerifier(tokens, {
    ...(options.tokenCacheMs !== undefined ? { cacheMs: options.tokenCacheMs } : {}),
  })

  // A JSON API: nothing may be loaded, framed or run from its answers (Swagger UI sets its own
  // policy, DOCS_CSP). HSTS is left to the TLS-terminating proxy: this server speaks plain HTTP.
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: false,
  })

  if (options.corsOrigins.length) {
    await app.register(cors, {
      origin: options.corsOrigins.includes('*') ? '*' : options.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
      exposedHeaders: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
      // Tokens travel in a header, never in cookies.
      credentials: false,
      maxAge: 600,
    })
  }

  await app.register(rateLimit, { global: false })
  const limit =
    options.rateLimitPerMinute > 0
      ? app.rateLimit({
          max: options.rateLimitPerMinute,
          timeWindow: 60_000,
          // A verified token has its own allowance wherever it calls from; everything else (no
          // token, a token not yet verified, a wrong one) counts against the client's address.
          keyGenerator: (req) => {
            const token = bearer(req.headers.authorization)
            const id = token ? verifier.recentId(token) : undefined
            return id ? `token:${id}` : `ip:${req.ip}`
          },
          errorResponseBuilder: (req, ctx) =>
            Object.assign(
              new Error(
                t(req.locale, 'api.error.rateLimited', {
                  max: ctx.max,
                  seconds: Math.max(1, Math.ceil(ctx.ttl / 1000)),
                }),
              ),
              { statusCode: ctx.statusCode, code: ctx.ban ? 'BANNED' : 'RATE_LIMITED' },
            ),
        })
      : undefined

  app.decorateRequest('actor', null as unknown as Actor)

  app.addHook('onRequest', async (req, reply) => {
    // A CORS preflight was answered by the CORS hook.
    if (reply.sent) return reply
    const access = accessOf(req)
    if (limit && req.routeOptions.config.rateLimit !== false) await limit.call(app, req, reply)
    if (access === 'public') {
      req.actor = { name: 'anonymous', role: 'viewer' }
      return
    }
    const token = bearer(req.headers.authorization)
    let actor: Actor | undefined
    if (token !== undefined) {
      actor = token ? await verifier.verify(token) : undefined
      if (!actor) {
        log.warn({ ip: req.ip, url: req.url.split('?')[0] }, 'API request with an invalid bearer token')
        return deny(
          reply,
          401,
          'invalid_token',
          t(req.locale, 'api.error.invalidToken'),
          `${REALM}, error="invalid_token"`,
        )
      }
    } else if (
      !(await authRequired(options, tokens)) ||
      (access === 'docs' && isLoopback(req.socket.remoteAddress))
    ) {
      req.actor = ANONYMOUS
      return
    } else {
      return deny(reply, 401, 'unauthorized', t(req.locale, 'api.error.unauthorized'), REALM)
    }
    const needed: Role = access === 'docs' ? 'viewer' : access
    if (!allows(actor.role, needed)) {
      const route = `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`
      log.info({ token: actor.tokenId, role: actor.role, route }, 'API request refused: role too low')
      return deny(
        reply,
        403,
        'forbidden',
        t(req.locale, 'api.error.forbidden', { name: actor.name, role: actor.role, route, needed }),
        `${REALM}, error="insufficient_scope"`,
      )
    }
    req.actor = actor
  })

  // The OpenAPI document says, per route, that a token is needed and what a refusal looks like.
  app.addHook('onRoute', (route) => {
    const schema = route.schema as
      | (Record<string, unknown> & { response?: Record<string, unknown> })
      | undefined
    if (!schema || schema.hide) return
    const refusals: Record<number, unknown> = { 429: Type.Ref('Error') }
    if (route.config?.access === 'public') schema.security = []
    else Object.assign(refusals, { 401: Type.Ref('Error'), 403: Type.Ref('Error') })
    if (route.config?.rateLimit === false) delete refusals[429]
    schema.response = { ...refusals, ...schema.response }
  })
}
