/**
 * The leak dossier: for a resolved water incident, one PDF a person can hand to an insurer or the
 * district — what happened and how fast the school acted. The timeline (the first abnormal flow,
 * each alert, each notification and who it went to, acknowledgement, assignment, repair and
 * resolution), the volume lost and its cost, the evidence chart of the meter's hourly use, and the
 * meter and its place; in zh-CN or en. Drawn with pdfkit in Noto Sans CJK (Debian's
 * fonts-noto-cjk), so Chinese text is real text, searchable and copyable.
 */
import { existsSync } from 'node:fs'
import PDFDocument from 'pdfkit'
import type { Incident } from '../core/alert.js'
import { SchoolmeterError } from '../core/errors.js'
import {
  formatDateTime,
  formatDuration,
  formatMoney,
  formatNumber,
  formatQuantity,
  type Locale,
  msg,
  t,
} from '../core/i18n/index.js'
import type { Registry } from '../core/registry.js'
import { incidentView } from '../core/views.js'
import type { Store } from '../store/index.js'

const HOUR = 3_600_000
/** How far back the first abnormal flow is looked for before the first alert. */
const LOOK_BACK_MS = 14 * 24 * HOUR
/** An hour counts as leaking while its use is at least this share of the leak's rate. */
const LEAKING_SHARE = 0.8

/**
 * Noto Sans CJK as Debian's fonts-noto-cjk installs it (a TrueType collection: the face is named).
 * The Simplified Chinese faces cover Latin too.
 */
export const DOSSIER_FONTS = {
  regular: { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' },
  bold: { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc', face: 'NotoSansCJKsc-Bold' },
}

export class DossierError extends SchoolmeterError {
  constructor(
    code: 'INCIDENT_NOT_FOUND' | 'NOT_WATER' | 'NOT_RESOLVED' | 'NO_FONT',
    sentence: Parameters<typeof msg>,
    readonly status: 404 | 409 | 503,
  ) {
    super(code, msg(...sentence))
  }
}

export interface TimelineEntry {
  at: number
  /** What happened, in the reader's words. */
  what: string
  /** Who: a person, a channel and its recipient, or the rule. */
  who?: string
  note?: string
}

/** What the dossier says, before it is drawn: tested on its own. */
export interface DossierFacts {
  incident: Incident
  locale: Locale
  zone: string
  title: string
  sentence: string
  place: {
    school: string
    building: string
    buildingCode?: string
    space?: string
    meter: string
    parent?: string
  }
  /**
   * The earliest the leak can have begun: the end of the last hour before the first alert in which
   * the meter used less than the leak's rate (hourly use cannot tell a drip from use by day).
   */
  firstAbnormalAt: number
  firstAlertAt: number
  /** When the flow stopped: its alerts cleared, else the resolution. */
  stoppedAt: number
  leakLitresPerHour?: number
  /** Water lost: from the first alert (at least) and from the earliest start (at most). */
  volumeLitres?: { low: number; high: number }
  cost?: { low: number; high: number; currency: string }
  timeline: TimelineEntry[]
  hours: { hour: number; litres: number }[]
  /** Minutes from the first alert to acknowledgement, and to resolution. */
  toAcknowledgeMs?: number
  toResolveMs?: number
}

/** The leak's rate, L/h: the largest daily loss its alerts estimated, per hour. */
function leakRate(incident: Incident, evidences: Record<string, unknown>[]): number | undefined {
  const perDay = [incident.evidence, ...evidences]
    .map((e) => e.litresPerDay)
    .filter((v): v is number => typeof v === 'number' && v > 0)
  return perDay.length > 0 ? Math.max(...perDay) / 24 : undefined
}

/** Who a notification went to, by name where the registry names the address. */
function recipient(registry: Registry, school: string, channel: string, target: string): string {
  const contacts = registry.schools.get(school)?.notifications.contacts ?? {}
  for (const list of Object.values(contacts))
    for (const c of list ?? [])
      if (typeof c !== 'string' && c.email === target) return `${c.name} <${target}>`
  return channel === 'email' ? target : `${channel} · ${target}`
}

export async function dossierFacts(o: {
  registry: Registry
  store: Store
  incident: number
  locale?: Locale
}): Promise<DossierFacts> {
  const { registry, store } = o
  const incident = await store.incidents.get(o.incident)
  if (!incident)
    throw new DossierError('INCIDENT_NOT_FOUND', ['api.error.incidentNotFound', { id: o.incident }], 404)
  if (incident.family !== 'water_loss')
    throw new DossierError('NOT_WATER', ['dossier.error.notWater', { id: incident.id }], 409)
  if (incident.status !== 'resolved' || incident.resolvedAt === undefined)
    throw new DossierError('NOT_RESOLVED', ['dossier.error.notResolved', { id: incident.id }], 409)
  const school = registry.schools.get(incident.school)
  const locale = o.locale ?? school?.locale ?? registry.locale
  const zone = school?.timezone ?? 'Asia/Shanghai'
  const building = school?.buildings.get(incident.building)
  const meter = registry.meters.get(incident.meter)
  const alerts = await store.alerts.ofIncident(incident.id)
  const firstAlert = Math.min(incident.openedAt, ...alerts.map((a) => a.openedAt))
  // The fault's own meter measures the leak; meters upstream add everything else they serve.
  const own = alerts.filter((a) => a.meter === incident.meter)
  const rate = leakRate(
    incident,
    (own.length > 0 ? own : alerts).map((a) => a.evidence as Record<string, unknown>),
  )
  const resolvedAt = incident.resolvedAt
  const stoppedAt =
    incident.quietSince !== undefined && incident.quietSince <= resolvedAt ? incident.quietSince : resolvedAt

  // The meter's hourly use around the fault: the evidence, and where the leak began.
  const hourOf = (ms: number) => Math.floor(ms / HOUR) * HOUR
  const rows = await store.history.hours(
    [incident.meter],
    hourOf(firstAlert - LOOK_BACK_MS),
    hourOf(stoppedAt) + 25 * HOUR,
  )
  const used = new Map(rows.map((r) => [r.hour, r.used]))
  let firstAbnormalAt = firstAlert
  if (rate !== undefined) {
    for (let h = hourOf(firstAlert) - HOUR; h >= hourOf(firstAlert - LOOK_BACK_MS); h -= HOUR) {
      if ((used.get(h) ?? 0) < LEAKING_SHARE * rate) break
      firstAbnormalAt = h
    }
  }
  const chartFrom = hourOf(firstAbnormalAt) - 24 * HOUR
  const hours = rows.filter((r) => r.hour >= chartFrom).map((r) => ({ hour: r.hour, litres: r.used }))
  const volume = (since: number) => (rate! * Math.max(0, stoppedAt - since)) / HOUR
  const volumeLitres =
    rate !== undefined ? { low: volume(firstAlert), high: volume(firstAbnormalAt) } : undefined
  const tariff = meter?.tariff
  const currency = school?.currency ?? 'CNY'

  const timeline: TimelineEntry[] = [{ at: firstAbnormalAt, what: t(locale, 'dossier.event.firstFlow') }]
  for (const a of alerts) {
    // Each alert names its own meter: the main meter above the leak may have seen it too.
    const seenBy = registry.meters.get(a.meter)
    timeline.push({
      at: a.openedAt,
      what: t(locale, 'dossier.event.alert', {
        rule: t(locale, 'web.rule', { rule: a.rule.replace('.', '_') }),
      }),
      who: seenBy?.name ? `${seenBy.name} (${a.meter})` : a.meter,
    })
  }
  for (const n of await store.outbox.ofIncident(incident.id)) {
    const who = recipient(registry, incident.school, n.channel, n.target)
    const what =
      n.sentAt !== undefined && n.outcome !== 'skipped'
        ? t(locale, 'dossier.event.notified', { transition: n.transition })
        : n.failedAt !== undefined
          ? t(locale, 'dossier.event.notifyFailed', { transition: n.transition })
          : t(locale, 'dossier.event.notifyPending', { transition: n.transition })
    timeline.push({ at: n.sentAt ?? n.failedAt ?? n.dueAt, what, who })
  }
  for (const e of await store.incidents.events(incident.id)) {
    if (e.transition === 'opened' || e.transition === 'occurred') continue
    timeline.push({
      at: e.at,
      what: t(locale, 'dossier.event.transition', { transition: e.transition }),
      ...(e.by ? { who: e.by } : {}),
      ...(e.note ? { note: e.note } : {}),
    })
  }
  if (incident.quietSince !== undefined)
    timeline.push({ at: incident.quietSince, what: t(locale, 'dossier.event.flowStopped') })
  timeline.sort((a, b) => a.at - b.at)

  return {
    incident,
    locale,
    zone,
    title: t(locale, 'dossier.title', { id: incident.id }),
    sentence: incidentView(incident, registry, locale).message,
    place: {
      school: school?.name ?? incident.school,
      building: building?.name ?? incident.building,
      ...(building?.config.code ? { buildingCode: building.config.code } : {}),
      ...(incident.space ? { space: building?.spaces.get(incident.space)?.name ?? incident.space } : {}),
      meter: meter?.name ? `${meter.name} (${incident.meter})` : incident.meter,
      ...(meter?.parent
        ? { parent: meter.parent.name ? `${meter.parent.name} (${meter.parent.id})` : meter.parent.id }
        : {}),
    },
    firstAbnormalAt,
    firstAlertAt: firstAlert,
    stoppedAt,
    ...(rate !== undefined ? { leakLitresPerHour: rate } : {}),
    ...(volumeLitres !== undefined ? { volumeLitres } : {}),
    ...(volumeLitres !== undefined && tariff !== undefined
      ? {
          cost: {
            low: (volumeLitres.low / 1000) * tariff,
            high: (volumeLitres.high / 1000) * tariff,
            currency,
          },
        }
      : {}),
    timeline,
    hours,
    ...(incident.acknowledgedAt !== undefined
      ? { toAcknowledgeMs: incident.acknowledgedAt - firstAlert }
      : {}),
    toResolveMs: resolvedAt - firstAlert,
  }
}

/** The dossier as a PDF. */
export function renderDossier(f: DossierFacts, o: { generatedAt?: number } = {}): Promise<Buffer> {
  for (const font of Object.values(DOSSIER_FONTS))
    if (!existsSync(font.file))
      throw new DossierError('NO_FONT', ['dossier.error.noFont', { file: font.file }], 503)
  const { locale, zone } = f
  const when = (ms: number) => formatDateTime(locale, ms, zone)
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 56, left: 56, right: 56 },
    info: { Title: f.title, Creator: 'schoolmeter', CreationDate: new Date(o.generatedAt ?? Date.now()) },
    bufferPages: true,
  })
  doc.registerFont('regular', DOSSIER_FONTS.regular.file, DOSSIER_FONTS.regular.face)
  doc.registerFont('bold', DOSSIER_FONTS.bold.file, DOSSIER_FONTS.bold.face)
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  const left = doc.page.margins.left
  const width = doc.page.width - left - doc.page.margins.right
  const heading = (text: string) => {
    doc.moveDown(0.8).font('bold').fontSize(13).fillColor('#1a4d7a').text(text, left).moveDown(0.3)
    doc.font('regular').fontSize(10).fillColor('#000')
  }
  const pair = (label: string, value: string) => {
    const y = doc.y
    doc.font('bold').fontSize(10).text(label, left, y, { width: 120 })
    const after = doc.y
    doc.font('regular').text(value, left + 125, y, { width: width - 125 })
    doc.y = Math.max(after, doc.y) + 2
  }

  // Title and the fault in one sentence.
  doc.font('bold').fontSize(20).fillColor('#000').text(f.title, left)
  doc.font('regular').fontSize(11).fillColor('#333').text(f.sentence).moveDown(0.2)
  doc
    .fontSize(9)
    .fillColor('#666')
    .text(t(locale, 'dossier.generated', { time: when(o.generatedAt ?? Date.now()) }))
  doc.fillColor('#000')

  heading(t(locale, 'dossier.section.summary'))
  pair(t(locale, 'dossier.label.school'), f.place.school)
  pair(
    t(locale, 'dossier.label.place'),
    [f.place.building, f.place.space].filter((x) => x !== undefined).join(' · '),
  )
  pair(t(locale, 'dossier.label.meter'), f.place.meter)
  pair(
    t(locale, 'dossier.label.period'),
    t(locale, 'dossier.period', {
      earliest: when(f.firstAbnormalAt),
      alert: when(f.firstAlertAt),
      stopped: when(f.stoppedAt),
    }),
  )
  pair(
    t(locale, 'dossier.label.duration'),
    t(locale, 'dossier.range', {
      low: formatDuration(locale, f.stoppedAt - f.firstAlertAt),
      high: formatDuration(locale, f.stoppedAt - f.firstAbnormalAt),
    }),
  )
  if (f.leakLitresPerHour !== undefined)
    pair(t(locale, 'dossier.label.rate'), formatQuantity(locale, f.leakLitresPerHour, 'L/h', 1))
  if (f.volumeLitres !== undefined)
    pair(
      t(locale, 'dossier.label.volume'),
      t(locale, 'dossier.range', {
        low: formatQuantity(locale, f.volumeLitres.low / 1000, 'm3', 2),
        high: formatQuantity(locale, f.volumeLitres.high / 1000, 'm3', 2),
      }),
    )
  if (f.cost)
    pair(
      t(locale, 'dossier.label.cost'),
      t(locale, 'dossier.range', {
        low: formatMoney(locale, f.cost.low, f.cost.currency),
        high: formatMoney(locale, f.cost.high, f.cost.currency),
      }),
    )
  if (f.toAcknowledgeMs !== undefined)
    pair(t(locale, 'dossier.label.toAcknowledge'), formatDuration(locale, f.toAcknowledgeMs))
  if (f.toResolveMs !== undefined)
    pair(t(locale, 'dossier.label.toResolve'), formatDuration(locale, f.toResolveMs))

  heading(t(locale, 'dossier.section.evidence'))
  drawChart(doc, f, left, width)

  heading(t(locale, 'dossier.section.timeline'))
  const col = [left, left + 120, left + 300]
  doc.font('bold').fontSize(9)
  let y = doc.y
  doc.text(t(locale, 'dossier.column.time'), col[0], y, { width: 115 })
  doc.text(t(locale, 'dossier.column.event'), col[1], y, { width: 175 })
  doc.text(t(locale, 'dossier.column.who'), col[2], y, { width: left + width - col[2]! })
  doc.font('regular')
  for (const e of f.timeline) {
    y = doc.y + 4
    if (y > doc.page.height - doc.page.margins.bottom - 30) {
      doc.addPage()
      y = doc.y
    }
    doc.text(when(e.at), col[0], y, { width: 115 })
    const a = doc.y
    doc.text(e.note ? `${e.what}\n${t(locale, 'dossier.note', { note: e.note })}` : e.what, col[1], y, {
      width: 175,
    })
    const b = doc.y
    doc.text(e.who ?? '', col[2], y, { width: left + width - col[2]! })
    doc.y = Math.max(a, b, doc.y)
  }

  heading(t(locale, 'dossier.section.meter'))
  pair(t(locale, 'dossier.label.school'), f.place.school)
  pair(t(locale, 'dossier.label.building'), f.place.building)
  if (f.place.buildingCode) pair(t(locale, 'dossier.label.buildingCode'), f.place.buildingCode)
  if (f.place.space) pair(t(locale, 'dossier.label.space'), f.place.space)
  pair(t(locale, 'dossier.label.meter'), f.place.meter)
  if (f.place.parent) pair(t(locale, 'dossier.label.parent'), f.place.parent)
  pair(t(locale, 'dossier.label.incident'), `#${f.incident.id}`)

  doc.moveDown(0.8).fontSize(8).fillColor('#555').text(t(locale, 'dossier.method'), left, doc.y, { width })

  // Page numbers, on every page once the content is laid out.
  const range = doc.bufferedPageRange()
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i)
    const bottom = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    doc
      .fontSize(8)
      .fillColor('#888')
      .text(
        t(locale, 'dossier.page', { page: i + 1, pages: range.count, title: f.title }),
        left,
        doc.page.height - 36,
        { width, align: 'center' },
      )
    doc.page.margins.bottom = bottom
  }
  doc.end()
  return done
}

/** The meter's hourly use as bars, the leak's span shaded and its rate as a line. */
function drawChart(doc: PDFKit.PDFDocument, f: DossierFacts, left: number, width: number): void {
  const { locale, zone } = f
  const height = 150
  const top = doc.y + 6
  const axis = 42
  const plotLeft = left + axis
  const plotWidth = width - axis
  if (f.hours.length === 0) {
    doc.text(t(locale, 'dossier.noData'), left, top)
    return
  }
  const from = f.hours[0]!.hour
  const to = f.hours.at(-1)!.hour + HOUR
  // A drip of a few litres an hour beside a canteen's hundreds: the scale stops at 12 × the leak's
  // rate, so that the night hours show it; taller bars are cut at the top (and marked).
  const tallest = Math.max(1, ...f.hours.map((h) => h.litres))
  const cap =
    f.leakLitresPerHour !== undefined ? Math.max(4, f.leakLitresPerHour * 12) : Number.POSITIVE_INFINITY
  const max = Math.min(tallest * 1.1, cap)
  const x = (ms: number) => plotLeft + ((ms - from) / (to - from)) * plotWidth
  const yOf = (v: number) => top + height - (v / max) * height

  doc.save()
  doc
    .rect(
      x(Math.max(from, f.firstAbnormalAt)),
      top,
      x(Math.min(to, f.stoppedAt)) - x(Math.max(from, f.firstAbnormalAt)),
      height,
    )
    .fill('#fde2e1')
  const barWidth = Math.max(0.5, (plotWidth / ((to - from) / HOUR)) * 0.8)
  for (const h of f.hours) {
    const inLeak = h.hour >= f.firstAbnormalAt && h.hour < f.stoppedAt
    const v = Math.min(h.litres, max)
    doc.rect(x(h.hour), yOf(v), barWidth, top + height - yOf(v)).fill(inLeak ? '#c0392b' : '#5b8db8')
    if (h.litres > max) doc.rect(x(h.hour), top - 3, barWidth, 2).fill('#333')
  }
  if (f.leakLitresPerHour !== undefined) {
    doc
      .moveTo(plotLeft, yOf(f.leakLitresPerHour))
      .lineTo(plotLeft + plotWidth, yOf(f.leakLitresPerHour))
      .dash(3, { space: 3 })
      .strokeColor('#c0392b')
      .stroke()
      .undash()
  }
  doc
    .moveTo(plotLeft, top)
    .lineTo(plotLeft, top + height)
    .lineTo(plotLeft + plotWidth, top + height)
    .strokeColor('#333')
    .stroke()
  doc.restore()

  doc.font('regular').fontSize(7).fillColor('#333')
  for (const v of [0, max / 2, max])
    doc.text(formatNumber(locale, v, 0), left, yOf(v) - 4, { width: axis - 4, align: 'right' })
  // A date label at each local midnight in the span.
  for (const h of f.hours) {
    const local = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hour12: false, timeZone: zone }).format(
      h.hour,
    )
    if (local !== '00' || to - h.hour < 6 * HOUR) continue
    const label = new Intl.DateTimeFormat(locale, {
      month: 'numeric',
      day: 'numeric',
      timeZone: zone,
    }).format(h.hour)
    doc.text(label, x(h.hour) - 20, top + height + 3, { width: 40, align: 'center' })
  }
  doc
    .fontSize(8)
    .fillColor('#555')
    .text(t(locale, 'dossier.chartCaption'), left, top + height + 16, { width })
  doc.fillColor('#000').fontSize(10)
  doc.y = top + height + 32
}
