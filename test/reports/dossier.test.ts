/**
 * The leak dossier of the demo's dripping canteen tap (3 L/h for 40 hours), simulated through the
 * real ingest, rules, alert manager and rollups: its facts bracket the truth, its timeline tells the
 * story in order, and its PDF carries real Chinese text in an embedded CJK font (read back with
 * poppler's pdftotext and pdffonts), in zh-CN and en, from the API too.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../api/server.js'
import { createMetrics } from '../../core/metrics.js'
import { DossierError, type DossierFacts, dossierFacts, renderDossier } from '../../reports/dossier.js'
import { LEAK, leakStory } from '../helpers/leak.js'
import { testLog } from '../helpers/log.js'

const HOUR = 3_600_000
const dir = mkdtempSync(join(tmpdir(), 'dossier-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The text of a PDF as poppler reads it. */
function pdfText(pdf: Buffer, name: string): string {
  const file = join(dir, name)
  writeFileSync(file, pdf)
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' })
}

describe('the leak dossier', () => {
  let story: Awaited<ReturnType<typeof leakStory>>
  let facts: DossierFacts
  beforeAll(async () => {
    story = await leakStory()
    facts = await dossierFacts({ registry: story.registry, store: story.store, incident: story.incidentId })
  }, 300_000)
  const repairedAt = LEAK.dripStart + LEAK.dripHours * HOUR

  it('brackets what really happened: when the drip began, how fast, how much water', () => {
    expect(facts.incident.meter).toBe('SP-W-CANTEEN')
    expect(facts.firstAbnormalAt).toBeLessThanOrEqual(LEAK.dripStart)
    expect(facts.firstAlertAt).toBeGreaterThan(LEAK.dripStart)
    // The start's span is bounded by the last hour the meter was quiet: the same morning.
    expect(LEAK.dripStart - facts.firstAbnormalAt).toBeLessThan(12 * HOUR)
    expect(facts.leakLitresPerHour).toBeCloseTo(LEAK.rateLph, 0)
    const truth = LEAK.rateLph * LEAK.dripHours
    expect(facts.volumeLitres!.low).toBeLessThanOrEqual(truth * 1.05)
    expect(facts.volumeLitres!.high).toBeGreaterThanOrEqual(truth * 0.95)
    expect(facts.volumeLitres!.high).toBeLessThan(truth * 1.5)
    // Tariff 4.6 CNY/m³ from the district's defaults.
    expect(facts.cost!.high).toBeCloseTo((facts.volumeLitres!.high / 1000) * 4.6, 6)
    expect(facts.stoppedAt).toBeGreaterThanOrEqual(repairedAt)
    expect(facts.stoppedAt).toBeLessThanOrEqual(repairedAt + HOUR)
    expect(facts.toAcknowledgeMs).toBe(25 * 60_000)
  })

  it('tells the story in order: first flow, alert, who was told, taken on, assigned, resolved', () => {
    const whats = facts.timeline.map((e) => e.what)
    const at = (what: string) => whats.findIndex((w) => w.includes(what))
    expect(at('最早可能开始漏水')).toBe(0)
    expect(at('发出告警')).toBeGreaterThan(0)
    expect(at('已认领')).toBeGreaterThan(at('发出告警'))
    expect(at('已指派')).toBeGreaterThan(at('已认领'))
    expect(at('已解决')).toBe(whats.length - 1)
    const told = facts.timeline.find((e) => e.what === '通知新故障')!
    expect(told.who).toBe('王师傅 <wang@sunshine.example>')
    expect(told.at).toBeGreaterThanOrEqual(facts.firstAlertAt)
    expect(facts.timeline.find((e) => e.what.startsWith('已解决'))).toMatchObject({
      who: '赵师傅（水工）',
      note: '更换食堂洗碗池水龙头阀芯',
    })
    const times = facts.timeline.map((e) => e.at)
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })

  it('is a PDF with the Chinese text in it and the CJK font embedded; and in English', async () => {
    const zh = await renderDossier(facts, { generatedAt: Date.parse('2026-10-16T09:00:00+08:00') })
    expect(zh.subarray(0, 5).toString()).toBe('%PDF-')
    const text = pdfText(zh, 'zh.pdf')
    for (const s of [
      '漏水事件档案',
      '阳光小学',
      '食堂',
      '王师傅',
      '更换食堂洗碗池水龙头阀芯',
      '220112D002',
      'SP-W-CANTEEN',
    ])
      expect(text).toContain(s)
    const fonts = execFileSync('pdffonts', [join(dir, 'zh.pdf')], { encoding: 'utf8' })
    expect(fonts).toMatch(/NotoSansCJKsc-Regular\s+CID Type 0C\s+Identity-H\s+yes yes yes/)

    const en = await renderDossier(
      await dossierFacts({
        registry: story.registry,
        store: story.store,
        incident: story.incidentId,
        locale: 'en',
      }),
    )
    const english = pdfText(en, 'en.pdf')
    expect(english).toContain('Leak dossier')
    expect(english).toContain('Water lost')
    expect(english).toContain('更换食堂洗碗池水龙头阀芯')
  })

  it('refuses an incident that is not resolved, or is not there', async () => {
    const open = (await story.store.incidents.list({ status: 'active' }))[0]
    if (open)
      await expect(
        dossierFacts({ registry: story.registry, store: story.store, incident: open.id }),
      ).rejects.toThrow(DossierError)
    await expect(
      dossierFacts({ registry: story.registry, store: story.store, incident: 9999 }),
    ).rejects.toThrow(/9999/)
  })

  it('comes from the API, in the language asked for', async () => {
    const ok = { ok: true, detail: { key: 'health.influx.off' as const } }
    const app = await buildApi({
      registry: story.registry,
      store: story.store,
      metrics: createMetrics({ defaultMetrics: false }),
      log: testLog,
      version: 'test',
      meterStatus: () => undefined,
      health: () => ({ ingest: ok, store: ok, influx: ok, archive: false }),
    })
    try {
      const r = await app.inject({ url: `/api/v1/incidents/${story.incidentId}/dossier.pdf?lang=en` })
      expect(r.statusCode).toBe(200)
      expect(r.headers['content-type']).toBe('application/pdf')
      expect(pdfText(r.rawPayload, 'api.pdf')).toContain('Leak dossier')
      const missing = await app.inject({ url: '/api/v1/incidents/9999/dossier.pdf' })
      expect(missing.statusCode).toBe(404)
      expect(missing.json()).toMatchObject({ error: 'incident_not_found' })
    } finally {
      await app.close()
    }
  })
}, 120_000)
