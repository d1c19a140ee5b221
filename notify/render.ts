/**
 * The words of a notification, shared by every channel people read: each channel lays them out in
 * its platform's format (WeCom and DingTalk markdown, a Feishu card, an e-mail). Every sentence
 * comes from the catalogues (core/i18n), times and numbers from Intl for the reader's language.
 */
import type { Severity } from '../core/alert.js'
import { formatDateTime, formatList, formatNumber, type Locale, render, t } from '../core/i18n/index.js'
import type { Registry, School } from '../core/registry.js'
import type { DigestKind, Notice, Reader } from './channel.js'
import type { Contact } from './contacts.js'

/** A glance at the severity before a word is read. */
export const SEVERITY_MARK: Record<Severity, string> = { critical: '🔴', warning: '🟠', info: '🔵' }
export const RESOLVED_MARK = '✅'

export interface IncidentText {
  /** "New fault · Critical". */
  headline: string
  mark: string
  school: string
  /** The building and space. */
  place: string
  /** The incident's own sentence. */
  sentence: string
  /** Facts, a line each: meter, since when, how often, who took it on, the note. */
  facts: string[]
  /** The signed link to the incident's page, or, without PUBLIC_URL, how to get one. */
  url?: string
  linkLabel: string
  noLink?: string
  severity: Severity
  resolved: boolean
}

/** The name of the school, building and space where an incident is. */
export function placeOf(
  registry: Registry,
  notice: Notice,
  locale: Locale,
): { school: School | undefined; place: string } {
  const i = notice.incident
  const school = registry.schools.get(i.school)
  const building = school?.buildings.get(i.building)
  const space = i.space ? building?.spaces.get(i.space) : undefined
  const buildingName = building?.name ?? i.building
  const place = i.space
    ? t(locale, 'notify.place.space', {
        building: buildingName,
        space: space?.name ?? i.space,
      })
    : buildingName
  return { school, place }
}

/** The incident's sentence for a reader. */
export function sentenceOf(notice: Notice, locale: Locale): string {
  return notice.incident.text ? render(locale, notice.incident.text) : notice.incident.message
}

export function incidentText(notice: Notice, reader: Reader, linkTo: string): IncidentText {
  const { locale, registry } = reader
  const i = notice.incident
  const { school, place } = placeOf(registry, notice, locale)
  const zone = school?.timezone ?? 'UTC'
  const meter = registry.meters.get(i.meter)
  const facts = [
    meter?.name
      ? t(locale, 'notify.meterNamed', { name: meter.name, id: i.meter })
      : t(locale, 'notify.meter', { meter: i.meter }),
    t(locale, 'notify.since', { time: formatDateTime(locale, i.openedAt, zone) }),
  ]
  if (i.occurrences > 1) facts.push(t(locale, 'notify.seen', { count: i.occurrences }))
  const by = notice.by ?? i.acknowledgedBy ?? 'anonymous'
  if (notice.transition === 'acknowledged') facts.push(t(locale, 'notify.acknowledged', { by }))
  if (notice.transition === 'assigned')
    facts.push(t(locale, 'notify.assigned', { to: notice.note ?? i.assignedTo ?? '' }))
  if (notice.transition === 'escalated')
    facts.push(t(locale, 'notify.escalated', { time: formatDateTime(locale, i.openedAt, zone) }))
  if (notice.transition === 'resolved')
    facts.push(
      notice.by === 'rule' || notice.by === undefined
        ? t(locale, 'notify.resolvedByRule')
        : t(locale, 'notify.resolved', { by: notice.by, falseAlarm: i.falsePositive }),
    )
  if (notice.note && notice.transition !== 'assigned' && notice.by !== 'rule' && notice.by !== 'escalation')
    facts.push(t(locale, 'notify.note', { note: notice.note }))
  const url = reader.link(i.id, linkTo)
  return {
    headline: t(locale, 'notify.headline', {
      transition: t(locale, 'notify.transition', { transition: notice.transition }),
      severity: t(locale, 'notify.severity', { severity: i.severity }),
    }),
    mark: notice.transition === 'resolved' ? RESOLVED_MARK : SEVERITY_MARK[i.severity],
    school: school?.name ?? i.school,
    place,
    sentence: sentenceOf(notice, locale),
    facts,
    ...(url ? { url } : { noLink: t(locale, 'notify.link.missing') }),
    linkLabel: t(locale, 'notify.link.label'),
    severity: i.severity,
    resolved: notice.transition === 'resolved',
  }
}

/** The on-duty line: "On duty: Wang, Li", names written by each platform's mention syntax. */
export function onDutyLine(locale: Locale, names: readonly string[]): string | undefined {
  return names.length ? t(locale, 'notify.onDuty', { names: formatList(locale, names) }) : undefined
}

/** The people to @-mention for some notices: on duty now, in the roles the notices concern. */
export function mentionsFor(notices: readonly Notice[], reader: Reader): Contact[] {
  const out = new Map<string, Contact>()
  for (const n of notices) {
    const school = reader.registry.schools.get(n.incident.school)
    if (!school) continue
    for (const c of reader.onDuty(school, n.roles)) out.set(`${c.name}\u0000${c.email ?? ''}`, c)
  }
  return [...out.values()]
}

/** Whom a group's link is signed for: the one person on duty it calls, else the group. */
export function linkRecipient(mentioned: readonly Contact[], group: string): string {
  return mentioned.length === 1 ? mentioned[0]!.name : group
}

export interface DigestText {
  title: string
  /** Counts by severity (storms), or the span of time (history, daily). */
  summary?: string
  lines: { incident: number; text: string; url?: string; severity: Severity }[]
  noLink?: string
  linkShort: string
}

/**
 * The words of a summary of many notices: one line per incident (its latest notice), most severe
 * first, each with its link.
 */
export function digestText(
  kind: DigestKind,
  notices: readonly Notice[],
  reader: Reader,
  linkTo: string,
): DigestText {
  const { locale, registry } = reader
  const latest = new Map<number, Notice>()
  for (const n of notices) latest.set(n.incident.id, n)
  const rank = { critical: 2, warning: 1, info: 0 }
  const items = [...latest.values()].sort(
    (a, b) => rank[b.incident.severity] - rank[a.incident.severity] || a.incident.id - b.incident.id,
  )
  const count = items.length
  const first = Math.min(...notices.map((n) => n.at))
  const last = Math.max(...notices.map((n) => n.at))
  const zone = registry.schools.get(items[0]?.incident.school ?? '')?.timezone ?? 'UTC'
  const span = t(locale, 'notify.digest.span', {
    from: formatDateTime(locale, first, zone),
    to: formatDateTime(locale, last, zone),
  })
  const title =
    kind === 'storm'
      ? t(locale, 'notify.digest.storm', { count, minutes: Math.max(1, Math.ceil((last - first) / 60_000)) })
      : kind === 'history'
        ? t(locale, 'notify.digest.history', { count })
        : t(locale, 'notify.digest.daily', { count })
  const bySeverity = { critical: 0, warning: 0, info: 0 }
  for (const n of items) bySeverity[n.incident.severity]++
  let noLink: string | undefined
  const lines = items.map((n) => {
    const { school, place } = placeOf(registry, n, locale)
    const url = reader.link(n.incident.id, linkTo)
    if (!url) noLink = t(locale, 'notify.link.missing')
    return {
      incident: n.incident.id,
      severity: n.incident.severity,
      text: t(locale, 'notify.digest.item', {
        mark:
          kind !== 'history' && n.transition === 'resolved'
            ? RESOLVED_MARK
            : SEVERITY_MARK[n.incident.severity],
        school: school?.name ?? n.incident.school,
        place,
        sentence: sentenceOf(n, locale),
      }),
      ...(url ? { url } : {}),
    }
  })
  return {
    title,
    summary: kind === 'storm' ? t(locale, 'notify.digest.counts', bySeverity) : span,
    lines,
    ...(noLink ? { noLink } : {}),
    linkShort: t(locale, 'notify.link.short'),
  }
}

/** Evidence values as the reader reads numbers. */
export function evidenceValue(locale: Locale, v: unknown): string {
  return typeof v === 'number' ? formatNumber(locale, v, 2) : typeof v === 'string' ? v : JSON.stringify(v)
}

/** UTF-8 length: the platforms count bytes. */
export const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

/**
 * Lines packed into one message of at most `maxBytes`: the head always, then as many items as
 * fit, then "… and N more". Returns the message and how many items it holds (at least one, cut
 * to fit when a single item is too long).
 */
export function packLines(
  head: string,
  items: readonly string[],
  tail: string,
  maxBytes: number,
  more: (left: number) => string,
): { text: string; taken: number } {
  let text = head
  let taken = 0
  for (const item of items) {
    const left = items.length - taken - 1
    const reserve = left > 0 ? bytes(`\n${more(left)}`) : 0
    if (bytes(`${text}\n${item}${tail}`) + reserve > maxBytes) break
    text += `\n${item}`
    taken++
  }
  if (taken === 0 && items.length) {
    // One item longer than a whole message: cut it, by characters, to what fits.
    const room = maxBytes - bytes(`${text}\n${tail}`) - bytes(`\n${more(items.length - 1)}`) - 3
    let cut = items[0]!
    while (bytes(cut) > room && cut.length > 0) cut = cut.slice(0, Math.floor(cut.length * 0.9))
    text += `\n${cut}…`
    taken = 1
  }
  if (taken < items.length) text += `\n${more(items.length - taken)}`
  return { text: text + tail, taken }
}
