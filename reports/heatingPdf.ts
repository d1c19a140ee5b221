/**
 * The heating compliance report for print: one page per school and week (headline, each classroom
 * against 18 °C, the coldest occupied hours with the outdoor temperature), set in Noto Sans CJK as
 * the leak dossier is.
 */
import { existsSync } from 'node:fs'
import PDFDocument from 'pdfkit'
import { formatDateTime, type Locale, t } from '../core/i18n/index.js'
import type { Registry } from '../core/registry.js'
import { DOSSIER_FONTS, DossierError } from './dossier.js'
import { CLASSROOM_MIN_C, type HeatingWeek, heatingColumns, heatingHeadline } from './heating.js'

export function renderHeatingPdf(
  registry: Registry,
  weeks: readonly HeatingWeek[],
  locale: Locale,
): Promise<Buffer> {
  for (const font of Object.values(DOSSIER_FONTS))
    if (!existsSync(font.file))
      throw new DossierError('NO_FONT', ['dossier.error.noFont', { file: font.file }], 503)
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 40,
    info: { Creator: 'schoolmeter' },
  })
  doc.registerFont('regular', DOSSIER_FONTS.regular.file, DOSSIER_FONTS.regular.face)
  doc.registerFont('bold', DOSSIER_FONTS.bold.file, DOSSIER_FONTS.bold.face)
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  const left = 40
  const width = doc.page.width - 80
  const columns = heatingColumns(registry).slice(2)
  const colWidth = width / columns.length
  weeks.forEach((w, i) => {
    if (i > 0) doc.addPage()
    const school = registry.schools.get(w.school)!
    doc
      .font('bold')
      .fontSize(16)
      .text(t(locale, 'heating.title', { min: CLASSROOM_MIN_C }), left)
    doc
      .font('regular')
      .fontSize(11)
      .text(heatingHeadline(locale, school, w))
      .moveDown(0.6)
    // The classrooms.
    let y = doc.y
    doc.font('bold').fontSize(8)
    for (const [k, c] of columns.entries())
      doc.text(t(locale, c.header), left + k * colWidth, y, { width: colWidth - 6 })
    doc.font('regular')
    for (const r of w.rooms) {
      y = doc.y + 4
      let bottom = y
      columns.forEach((c, k) => {
        const v = c.cell(r, locale)
        doc.fillColor(c.header === 'heating.column.coldHours' && r.coldHours > 0 ? '#c0392b' : '#000')
        doc.text(v === undefined ? '—' : String(v), left + k * colWidth, y, { width: colWidth - 6 })
        bottom = Math.max(bottom, doc.y)
      })
      doc.fillColor('#000')
      doc.y = bottom
    }
    // The coldest hours.
    if (w.worst.length > 0) {
      doc
        .moveDown(1)
        .font('bold')
        .fontSize(11)
        .text(t(locale, 'heating.worst'), left)
        .font('regular')
        .fontSize(9)
      for (const c of w.worst)
        doc.text(
          t(locale, 'heating.worstLine', {
            time: formatDateTime(locale, c.at, school.timezone),
            room: `${c.building} · ${c.room}`,
            temp: Math.round(c.meanC * 10) / 10,
            outdoor: c.outdoorC === undefined ? '—' : (Math.round(c.outdoorC * 10) / 10).toString(),
          }),
        )
    }
    doc
      .moveDown(1)
      .fontSize(8)
      .fillColor('#555')
      .text(t(locale, 'heating.method', { min: CLASSROOM_MIN_C }), left, doc.y, { width })
    doc.fillColor('#000')
  })
  doc.end()
  return done
}
