/**
 * Pages are rendered on the server with Eta templates (web/views), every sentence from the message
 * catalogues through `it.t(key, params)` and every number, date and quantity through `Intl` for the
 * reader's locale. A page is readable and its forms work before (and without) any script.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Eta } from 'eta'
import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  formatDateTime,
  formatDuration,
  formatMoney,
  formatNumber,
  formatQuantity,
  LOCALES,
  type Locale,
  type MessageKey,
  type MessageParams,
  negotiate,
  t,
  type Unit,
} from '../core/i18n/index.js'
import type { Assets } from './assets.js'
import type { Viewer } from './session.js'

export const VIEWS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'views')

export const LANG_COOKIE = 'smt_lang'

/** The reader's language: `?lang=` (remembered in a cookie), the cookie, Accept-Language, the district's. */
export function pageLocale(req: FastifyRequest, reply?: FastifyReply): Locale {
  const asked = (req.query as Record<string, unknown> | undefined)?.lang
  if (typeof asked === 'string' && asked) {
    const locale = negotiate(asked, req.locale)
    reply?.setCookie(LANG_COOKIE, locale, {
      path: '/',
      sameSite: 'lax',
      httpOnly: true,
      maxAge: 365 * 86_400,
    })
    return locale
  }
  const kept = req.cookies?.[LANG_COOKIE]
  if (kept && (LOCALES as readonly string[]).includes(kept)) return kept as Locale
  return req.locale
}

export type NavItem = 'incidents' | 'district' | 'quality' | 'savings' | 'readiness'

export interface PageContext {
  locale: Locale
  viewer?: Viewer
  /** The CSRF token for this page's forms. */
  csrf: string
  /** The current path, for the language switch and the sign-in's way back. */
  path: string
  now: number
}

/** What every template gets as `it`, besides its own data. */
function helpers(ctx: PageContext, assets: Assets) {
  const { locale } = ctx
  return {
    locale,
    viewer: ctx.viewer,
    csrf: ctx.csrf,
    path: ctx.path,
    now: ctx.now,
    otherLocale: locale === 'zh-CN' ? 'en' : 'zh-CN',
    t: (key: MessageKey, params?: MessageParams) => t(locale, key, params),
    num: (n: number, digits = 1) => formatNumber(locale, n, digits),
    qty: (n: number, unit: Unit, digits = 1) => formatQuantity(locale, n, unit, digits),
    money: (n: number, currency?: string) => formatMoney(locale, n, currency),
    pct: (share: number, digits = 0) =>
      new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: digits }).format(share),
    when: (ms: number, zone: string) => formatDateTime(locale, ms, zone),
    ago: (ms: number) => formatDuration(locale, Math.max(0, ctx.now - ms)),
    duration: (ms: number) => formatDuration(locale, Math.max(0, ms)),
    asset: (name: string) => assets.url(name),
    /** A URL with the same path and another query value, for links that keep the page's filters. */
    withQuery: (params: Record<string, string | undefined>) => {
      const u = new URL(ctx.path, 'http://x')
      for (const [k, v] of Object.entries(params)) {
        if (v === undefined) u.searchParams.delete(k)
        else u.searchParams.set(k, v)
      }
      return `${u.pathname}${u.search}`
    },
    json: (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c'),
  }
}

export type Helpers = ReturnType<typeof helpers>

export class Views {
  private readonly eta: Eta

  constructor(
    private readonly assets: Assets,
    o: { cache: boolean },
  ) {
    this.eta = new Eta({ views: VIEWS_DIR, cache: o.cache, autoEscape: true, autoTrim: [false, 'nl'] })
  }

  /** A whole page: the view in the layout. */
  page(
    reply: FastifyReply,
    ctx: PageContext,
    view: string,
    data: { title: string; nav?: NavItem; scripts?: string[]; httpStatus?: number } & Record<string, unknown>,
  ): FastifyReply {
    const html = this.eta.render(`./${view}`, { ...helpers(ctx, this.assets), ...data })
    return reply
      .code(data.httpStatus ?? 200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(html)
  }
}
