/**
 * Human text: every sentence a person reads comes from the message catalogues in this folder
 * (`en.ts`, `zh-CN.ts`; ICU MessageFormat through FormatJS' intl-messageformat), and numbers,
 * dates, units and money are formatted with `Intl` for the reader's locale. Code passes a key and
 * its parameters; it never joins words itself. API field names and error codes stay English
 * identifiers; their `message` is rendered here.
 */
import { IntlMessageFormat } from 'intl-messageformat'
import { en } from './en.js'
import { zhCN } from './zh-CN.js'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
/** The district's language when the registry names none: the users are a Chinese district. */
export const DEFAULT_LOCALE: Locale = 'zh-CN'

export type MessageKey = keyof typeof en
/**
 * A list (`readonly string[]`) is joined for the locale: `a, b, c` / `a、b、c`; a Message is
 * rendered in the same locale first (a phrase inside a sentence: what was expected, a cause).
 */
export type MessageParam = string | number | boolean | Date | readonly string[] | Message
export type MessageParams = { [name: string]: MessageParam }

/** A sentence not yet rendered: stored and sent as data, rendered for each reader's locale. */
export interface Message {
  key: MessageKey
  params?: MessageParams
}

export const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN }

const compiled = new Map<string, IntlMessageFormat>()

function format(locale: Locale, key: MessageKey): IntlMessageFormat {
  const id = `${locale}\u0000${key}`
  let f = compiled.get(id)
  if (!f) {
    const source = CATALOGUES[locale][key] ?? en[key]
    if (source === undefined) throw new Error(`no message "${key}" in the catalogues`)
    f = new IntlMessageFormat(source, locale, undefined, { ignoreTag: true })
    compiled.set(id, f)
  }
  return f
}

/**
 * A sentence for the operators' log, which stays English (pino lines), where the log call cannot
 * hold it itself: a reason worked out in one place and logged in another. Never shown to a
 * person; test/core/prose.test.ts lets these through, so it is for nothing else.
 */
export function logLine(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) out += String(values[i]) + (strings[i + 1] ?? '')
  return out
}

/** The sentence `key` in `locale`, its `{placeholders}` filled from `params`. */
export function t(locale: Locale, key: MessageKey, params?: MessageParams): string {
  const out = format(locale, key).format(params && withLists(locale, params))
  return Array.isArray(out) ? out.join('') : String(out)
}

function withLists(locale: Locale, params: MessageParams): Record<string, string | number | boolean | Date> {
  const out: Record<string, string | number | boolean | Date> = {}
  for (const [k, v] of Object.entries(params))
    out[k] = isList(v) ? formatList(locale, v) : isMessage(v) ? render(locale, v) : v
  return out
}

function isList(v: MessageParam): v is readonly string[] {
  return Array.isArray(v)
}

export function isMessage(v: unknown): v is Message {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && 'key' in v
}

/** Names or ids listed as the reader lists them: `water, heat` / `water、heat`. */
export function formatList(locale: Locale, items: readonly string[]): string {
  return new Intl.ListFormat(locale, { type: 'conjunction', style: 'narrow' }).format(items)
}

/** A stored message rendered for one reader. */
export function render(locale: Locale, m: Message): string {
  return t(locale, m.key, m.params)
}

/** A message's key and parameters, as code passes them around before a reader is known. */
export function msg(key: MessageKey, params?: MessageParams): Message {
  return params ? { key, params } : { key }
}

export function isLocale(s: unknown): s is Locale {
  return typeof s === 'string' && (LOCALES as readonly string[]).includes(s)
}

/**
 * The best of our locales for an `Accept-Language` header (or a `?lang=` value): `zh`, `zh-Hans`,
 * `zh-CN` → zh-CN; `en-GB` → en; otherwise the fallback.
 */
export function negotiate(header: string | undefined, fallback: Locale = DEFAULT_LOCALE): Locale {
  if (!header) return fallback
  const ranges = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...attrs] = part.trim().split(';')
      const q = attrs.map((a) => a.trim()).find((a) => a.startsWith('q='))
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1, i }
    })
    .filter((r) => r.tag && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
  for (const { tag } of ranges) {
    if (tag === 'zh' || tag.startsWith('zh-')) {
      // Traditional-script Chinese readers are still better served by zh-CN than by English.
      return 'zh-CN'
    }
    if (tag === 'en' || tag.startsWith('en-')) return 'en'
    if (tag === '*') return fallback
  }
  return fallback
}

/** A number for the locale, with at most `digits` decimals. */
export function formatNumber(locale: Locale, n: number, digits = 1): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n)
}

/** Money in the school's currency (CNY when none is registered). */
export function formatMoney(locale: Locale, amount: number, currency = 'CNY'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount)
}

/** An instant as the reader reads dates and times, in the school's time zone. */
export function formatDateTime(locale: Locale, ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(ms)
}

/** A local date (YYYY-MM-DD) as the reader reads it. */
export function formatDate(locale: Locale, isoDate: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(
    Date.parse(`${isoDate}T00:00:00Z`),
  )
}

/**
 * Units the service writes. Those Intl knows (litres, °C, durations) are formatted by Intl itself;
 * the others take the number from Intl and the unit's spelling from the catalogue (`unit.*`).
 */
export type Unit = 'L' | 'L/h' | 'L/min' | 'm3' | 'kWh' | 'kW' | 'W' | 'degC' | 'K' | 'min' | 'h' | 'd' | '%'

const INTL_UNITS: Partial<Record<Unit, string>> = {
  L: 'liter',
  'L/h': 'liter-per-hour',
  'L/min': 'liter-per-minute',
  degC: 'celsius',
  min: 'minute',
  h: 'hour',
  d: 'day',
  '%': 'percent',
}
const CATALOGUE_UNITS = {
  m3: 'unit.m3',
  kWh: 'unit.kWh',
  kW: 'unit.kW',
  W: 'unit.W',
  K: 'unit.K',
} as const satisfies Partial<Record<Unit, MessageKey>>

/** `12.5 L` / `12.5升`, `3 kWh` / `3 千瓦时`: a quantity with its unit for the reader. */
export function formatQuantity(locale: Locale, value: number, unit: Unit, digits = 1): string {
  const intl = INTL_UNITS[unit]
  if (intl)
    return new Intl.NumberFormat(locale, { style: 'unit', unit: intl, maximumFractionDigits: digits }).format(
      value,
    )
  return t(locale, CATALOGUE_UNITS[unit as keyof typeof CATALOGUE_UNITS], {
    value: formatNumber(locale, value, digits),
  })
}

/** How long something lasted, in its largest whole unit: `45 min`, `2.5 hr`, `3 days`. */
export function formatDuration(locale: Locale, ms: number): string {
  const minutes = ms / 60_000
  if (minutes < 90) return formatQuantity(locale, Math.round(minutes), 'min', 0)
  const hours = minutes / 60
  if (hours < 48) return formatQuantity(locale, hours, 'h', 1)
  return formatQuantity(locale, hours / 24, 'd', 1)
}

/** A whole number of days from today: `in 7 days`, `tomorrow` / `7天后`, `明天`. */
export function formatDaysFromNow(locale: Locale, days: number): string {
  return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(days, 'day')
}
