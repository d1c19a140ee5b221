/**
 * The web app at `/`, a fastify plugin the API registers: pages for caretakers (their open
 * incidents, one incident with its evidence and the buttons to act on it, phone first), facility
 * managers (the district, a school, a meter, data quality) and heads (savings, readiness). Pages are
 * rendered on the server (web/render.ts); writes are HTML forms, each checked for a CSRF token
 * (@fastify/csrf-protection, bound to the session or link) and for coming from this site.
 */
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { LiveDeps, SecurityOptions } from '../api/index.js'
import { type MessageKey, t } from '../core/i18n/index.js'
import type { LinkSigner } from '../core/links.js'
import type { Readiness } from '../reports/index.js'
import type { AlertManager } from '../rules/index.js'
import type { SessionLifetime, Store } from '../store/index.js'
import { Assets } from './assets.js'
import { districtPages } from './district.js'
import { incidentPages } from './incidents.js'
import { type PageContext, pageLocale, Views } from './render.js'
import { reportPages } from './reports.js'
import {
  ANONYMOUS_VIEWER,
  can,
  checkLogin,
  closeSession,
  DEFAULT_LIFETIME,
  LoginBackoff,
  openSession,
  type SessionDeps,
  secureRequest,
  sessionViewer,
  signInRequired,
  type Viewer,
  webSecret,
} from './session.js'

export interface WebOptions {
  /** Checks the signed links that notifications carry (core/links.ts). */
  links: LinkSigner
  /** Key of the CSRF tokens' HMAC (at least 32 bytes). */
  secret: Buffer
  /** Where people reach the app; https makes cookies Secure. */
  publicUrl?: string
  sessionLifetime?: SessionLifetime
  /** Where the static files are (tests); web/static and its build by default. */
  assets?: Assets
}

export interface WebDeps extends LiveDeps, WebOptions {
  alerts: AlertManager
  readiness?: Readiness
  log: Logger
  security?: SecurityOptions
}

export interface WebPagesOptions {
  store: Store
  alerts: AlertManager
  readiness?: Readiness
  log: Logger
  links: LinkSigner
  publicUrl?: string
  security?: SecurityOptions
  /** LINK_SECRET, when set: the form key is derived from it (the same on every worker). */
  linkSecret?: string
}

/**
 * The web app as the API serves it, beside its routes on the same port (api's `pages`): with the
 * live data the API reads. Its CSRF key is derived from LINK_SECRET, else made once and kept in the store.
 */
export function webPages(o: WebPagesOptions): (live: LiveDeps) => FastifyPluginAsync {
  const { store, publicUrl, linkSecret, ...rest } = o
  return (live) => async (app) => {
    await app.register(webApp, {
      ...live,
      ...rest,
      secret: webSecret({ LINK_SECRET: linkSecret }, store.meta),
      ...(publicUrl ? { publicUrl } : {}),
    })
  }
}

/** A page's policy: scripts and styles from this site only (ECharts sets inline styles on its nodes). */
export const WEB_CSP =
  "default-src 'self'; base-uri 'none'; connect-src 'self'; font-src 'self'; form-action 'self'; " +
  "frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; " +
  "script-src-attr 'none'; style-src 'self' 'unsafe-inline'"

declare module 'fastify' {
  interface FastifyRequest {
    /** The person (or link) a page is for; undefined until signed in. */
    viewer: Viewer | undefined
    /** What this request's CSRF token is bound to: the session, the link, or nobody yet. */
    csrfBinding: string
  }
}

/** What the page modules share. */
export interface Web {
  d: WebDeps
  views: Views
  /** The page context of a request (language, viewer, CSRF token). */
  context(req: FastifyRequest, reply: FastifyReply): Promise<PageContext>
  /** Runs before a page: sends to the sign-in when nobody is signed in; refuses a role too low. */
  guard(
    role?: 'viewer' | 'maintenance' | 'admin',
  ): (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>
  /** A page saying why something cannot be done. */
  refuse(
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    reason: RefusalReason,
  ): Promise<FastifyReply>
  /** Checks that a form was sent from this site with its token (preHandler of every write). */
  checkForm: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>
}

export type RefusalReason =
  | 'forbidden'
  | 'notFound'
  | 'badForm'
  | 'linkExpired'
  | 'linkInvalid'
  | 'linkOtherIncident'

/** The heading of each refusal page. */
const REFUSALS = {
  forbidden: 'web.refused.forbidden',
  notFound: 'web.refused.notFound',
  badForm: 'web.refused.badForm',
  linkExpired: 'web.refused.linkExpired',
  linkInvalid: 'web.refused.linkInvalid',
  linkOtherIncident: 'web.refused.linkOtherIncident',
} as const satisfies Record<RefusalReason, MessageKey>

const ROUTE = { config: { access: 'public' as const }, schema: { hide: true } }

export const webApp: FastifyPluginAsync<WebDeps> = async (app, d) => {
  await app.register(cookie)
  await app.register(formbody, { bodyLimit: 16 * 1024 })
  await app.register(csrf, {
    cookieKey: 'smt_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict' },
    getUserInfo: (req: FastifyRequest) => req.csrfBinding,
    getToken: (req: FastifyRequest) => (req.body as { _csrf?: string } | undefined)?._csrf,
    csrfOpts: { hmacKey: d.secret },
  })
  const assets = d.assets ?? new Assets()
  assets.register(app as FastifyInstance)
  const views = new Views(assets, { cache: process.env.NODE_ENV !== 'development' })
  const sessions: SessionDeps = {
    store: d.store,
    lifetime: d.sessionLifetime ?? DEFAULT_LIFETIME,
    ...(d.publicUrl ? { publicUrl: d.publicUrl } : {}),
    now: d.now,
  }
  // Five wrong passwords for one login from one address, or fifty from one address (a school's
  // pupils share one behind NAT: one of them guessing must not lock out the caretaker).
  const perLogin = new LoginBackoff({ max: 5, windowMs: 15 * 60_000, now: d.now })
  const perAddress = new LoginBackoff({ max: 50, windowMs: 15 * 60_000, now: d.now })

  app.decorateRequest('viewer', undefined)
  app.decorateRequest('csrfBinding', '')
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/assets/')) return
    reply.header('content-security-policy', WEB_CSP)
    reply.header('referrer-policy', 'no-referrer')
    req.viewer =
      (await sessionViewer(sessions, req)) ??
      ((await signInRequired(d.security, d.store)) ? undefined : ANONYMOUS_VIEWER)
    req.csrfBinding = req.viewer?.session ? `session:${req.viewer.session.id}` : 'nobody'
  })

  const context = async (req: FastifyRequest, reply: FastifyReply): Promise<PageContext> => ({
    locale: pageLocale(req, reply),
    ...(req.viewer ? { viewer: req.viewer } : {}),
    csrf: await reply.generateCsrf({ userInfo: req.csrfBinding, secure: secureRequest(req, d.publicUrl) }),
    path: req.url,
    now: d.now(),
  })

  const refuse: Web['refuse'] = async (req, reply, status, reason) => {
    const ctx = await context(req, reply)
    return views.page(reply, ctx, 'refused', {
      title: t(ctx.locale, REFUSALS[reason]),
      reason,
      httpStatus: status,
    })
  }

  const guard: Web['guard'] =
    (role = 'viewer') =>
    async (req, reply) => {
      if (!req.viewer) {
        const next = encodeURIComponent(req.url)
        return reply.redirect(`/login?next=${next}`, 303)
      }
      if (!can(req.viewer, role)) return refuse(req, reply, 403, 'forbidden')
      return undefined
    }

  const checkForm: Web['checkForm'] = async (req, reply) => {
    // Browsers say where a form came from; one from another site is refused before its token is read.
    const site = req.headers['sec-fetch-site']
    const origin = req.headers.origin
    const foreign =
      (typeof site === 'string' && site !== 'same-origin' && site !== 'none') ||
      (typeof origin === 'string' && origin !== 'null' && hostOf(origin) !== req.headers.host)
    if (foreign) return refuse(req, reply, 403, 'badForm')
    return new Promise<unknown>((resolve) => {
      app.csrfProtection(req, reply, (err?: Error) => {
        if (err) resolve(refuse(req, reply, 403, 'badForm'))
        else resolve(undefined)
      })
    })
  }

  const web: Web = { d, views, context, guard, refuse, checkForm }

  app.get('/', ROUTE, async (req, reply) => {
    if (!req.viewer) return reply.redirect('/login', 303)
    return reply.redirect(req.viewer.role === 'maintenance' ? '/incidents' : '/district', 303)
  })

  app.get('/login', ROUTE, async (req, reply) => {
    const q = req.query as { next?: string; failed?: string }
    const ctx = await context(req, reply)
    return views.page(reply, ctx, 'login', {
      title: t(ctx.locale, 'web.login.title'),
      next: safeNext(q.next),
      failed: q.failed === '1',
      wait: 0,
    })
  })

  app.post('/login', { ...ROUTE, preHandler: checkForm }, async (req, reply) => {
    const body = (req.body ?? {}) as { username?: string; password?: string; next?: string }
    const username = String(body.username ?? '').trim()
    const login = [`${username.toLowerCase()}|${req.ip}`]
    const address = [req.ip]
    const wait = Math.max(perLogin.wait(login), perAddress.wait(address))
    const next = safeNext(body.next)
    if (wait > 0) {
      d.log.warn({ ip: req.ip, username }, 'web sign-in refused: too many failures')
      const ctx = await context(req, reply)
      return views.page(reply, ctx, 'login', {
        title: t(ctx.locale, 'web.login.title'),
        next,
        failed: false,
        wait,
        httpStatus: 429,
      })
    }
    const user = await checkLogin(d.store, username, String(body.password ?? ''))
    if (!user) {
      perLogin.failed(login)
      perAddress.failed(address)
      d.log.info({ ip: req.ip, username }, 'web sign-in failed')
      const ctx = await context(req, reply)
      return views.page(reply, ctx, 'login', {
        title: t(ctx.locale, 'web.login.title'),
        next,
        failed: true,
        wait: 0,
        username,
        httpStatus: 401,
      })
    }
    perLogin.succeeded(login)
    await closeSession(sessions, req, reply)
    await openSession(sessions, req, reply, user.id)
    await d.store.audit.record({
      actor: user.username,
      action: 'web.sign_in',
      target: `user:${user.username}`,
    })
    return reply.redirect(next, 303)
  })

  app.post('/logout', { ...ROUTE, preHandler: checkForm }, async (req, reply) => {
    await closeSession(sessions, req, reply)
    return reply.redirect('/login', 303)
  })

  incidentPages(app as FastifyInstance, web)
  districtPages(app as FastifyInstance, web)
  reportPages(app as FastifyInstance, web)
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}

/** Only a path of this site: a `next` pointing elsewhere would make the sign-in an open redirect. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/'
}
