/**
 * The daily platform package of the demo district, from two simulated days through the real ingest
 * and rollups: named and packed as the annex says, valid against the schemas written from it
 * (checked by libxml2's xmllint, which also refuses a broken copy), and its numbers those of the
 * sub-item report: hours add up to the day, buildings to the school.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strFromU8, unzipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../api/server.js'
import { DEMO_CONFIG_PATH } from '../../core/config/load.js'
import { createMetrics } from '../../core/metrics.js'
import { PlatformExport } from '../../reports/platform/export.js'
import { buildPackage } from '../../reports/platform/package.js'
import { SubItemReports } from '../../reports/subitems.js'
import { testLog } from '../helpers/log.js'
import { history } from '../helpers/reporting.js'

const SCHEMAS = join(import.meta.dirname, '../../reports/platform/schema')
const dir = mkdtempSync(join(tmpdir(), 'platform-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function xmllint(file: string, schema: string): { ok: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', join(SCHEMAS, schema), file], { encoding: 'utf8' })
  if (r.error) throw r.error
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` }
}

/** Every `<tag>value</tag>` of the elements of one kind, as objects. */
function records(xml: string, element: string): Record<string, string>[] {
  const out: Record<string, string>[] = []
  for (const m of xml.matchAll(new RegExp(`<${element}>([\\s\\S]*?)</${element}>`, 'g'))) {
    const r: Record<string, string> = {}
    for (const f of m[1]!.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) r[f[1]!] = f[2]!
    out.push(r)
  }
  return out
}

describe('the platform data package', async () => {
  const demo = readFileSync(DEMO_CONFIG_PATH, 'utf8')
  const h = await history({
    config: demo,
    from: '2026-10-11T00:00:00+08:00',
    to: '2026-10-13T00:00:00+08:00',
  })
  const pkg = await buildPackage({ registry: h.registry, store: h.store, date: '2026-10-12' })

  it('is named by data-centre id and date, one folder with Build.xml and Energy.xml, zipped', () => {
    expect(pkg.name).toBe('22010020261012')
    const files = unzipSync(pkg.zip())
    expect(Object.keys(files).sort()).toEqual([
      '22010020261012/',
      '22010020261012/22010020261012Build.xml',
      '22010020261012/22010020261012Energy.xml',
    ])
    const build = strFromU8(files['22010020261012/22010020261012Build.xml']!)
    expect(build.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true)
    expect(build).toContain('<F_BuildName>阳光小学 (Sunshine Primary School) 教学楼 (Teaching blo')
    expect(pkg.uncoded).toEqual([])
  })

  it('is valid against the schemas written from the annex, which refuse a broken copy', () => {
    const build = join(dir, 'Build.xml')
    const energy = join(dir, 'Energy.xml')
    writeFileSync(build, pkg.build.xml)
    writeFileSync(energy, pkg.energy.xml)
    expect(xmllint(build, 'build.xsd')).toMatchObject({ ok: true })
    expect(xmllint(energy, 'energy.xsd')).toMatchObject({ ok: true })
    // The checks can fail: a building code one digit short, an hour given twice, a made-up state.
    const broken = join(dir, 'broken.xml')
    writeFileSync(broken, pkg.build.xml.replace('<F_BuildID>220112D001<', '<F_BuildID>22011D001<'))
    expect(xmllint(broken, 'build.xsd').output).toContain('F_BuildID')
    const hour = pkg.energy.xml.match(/ {4}<EnergyItemHourResult>[\s\S]*?<\/EnergyItemHourResult>\n/)![0]
    writeFileSync(broken, pkg.energy.xml.replace(hour, hour + hour))
    expect(xmllint(broken, 'energy.xsd')).toMatchObject({ ok: false })
    writeFileSync(broken, pkg.energy.xml.replace('<F_State>1</F_State>', '<F_State>7</F_State>'))
    expect(xmllint(broken, 'energy.xsd')).toMatchObject({ ok: false })
    // xmllint itself is what the test relies on: say which one ran.
    expect(
      execFileSync('xmllint', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    ).toBeDefined()
  })

  it('carries the sub-item report: hours add up to the day, buildings to the school', async () => {
    const hours = records(pkg.energy.xml, 'EnergyItemHourResult')
    const days = records(pkg.energy.xml, 'EnergyItemDayResult')
    expect(hours.length).toBeGreaterThan(24 * 9)
    for (const d of days) {
      const sum = hours
        .filter((x) => x.F_BuildID === d.F_BuildID && x.F_EnergyItemCode === d.F_EnergyItemCode)
        .reduce((a, x) => a + Number(x.F_HourValue), 0)
      expect(sum).toBeCloseTo(Number(d.F_DayValue), 1)
    }
    const hoursOf = hours.filter((x) => x.F_BuildID === '220112D001' && x.F_EnergyItemCode === '01000')
    expect(hoursOf).toHaveLength(24)
    expect(hoursOf[0]).toMatchObject({ F_StartHour: '2026-10-12 00:00:00', F_EndHour: '2026-10-12 01:00:00' })

    const report = await new SubItemReports({ registry: h.registry, store: h.store }).report('2026-10-12')
    for (const school of h.registry.schools.values()) {
      const codes = new Set([...school.buildings.values()].map((b) => b.config.code!))
      for (const [category, code] of [
        ['electricity', '01000'],
        ['water', '02000'],
      ] as const) {
        const whole = report.find(
          (r) => r.school === school.id && r.category === category && r.item === 'total',
        )!
        const parts = days.filter((d) => codes.has(d.F_BuildID!) && d.F_EnergyItemCode === code)
        expect(parts.reduce((a, d) => a + Number(d.F_DayValue), 0)).toBeCloseTo(whole.used, 1)
      }
    }
    // Standard coal equivalent for electricity, none for water.
    const e = days.find((d) => d.F_EnergyItemCode === '01000')!
    expect(Number(e.F_DayEquValue)).toBeCloseTo(Number(e.F_DayValue) * 0.1229, 2)
    expect(days.find((d) => d.F_EnergyItemCode === '02000')!.F_DayEquValue).toBeUndefined()
  })

  it('is written for the platform as the nightly schedule does: whole, under its name', async () => {
    const out = join(dir, 'packages')
    const file = await new PlatformExport({
      registry: h.registry,
      store: h.store,
      dir: out,
      log: testLog,
    }).write('2026-10-12')
    expect(file).toBe(join(out, '22010020261012.zip'))
    expect(readdirSync(out)).toEqual(['22010020261012.zip'])
    expect(strFromU8(unzipSync(readFileSync(file))['22010020261012/22010020261012Energy.xml']!)).toBe(
      pkg.energy.xml,
    )
  })

  it('says what is missing: no data-centre id, a date that is not one', async () => {
    const { district, ...rest } = h.registry
    const noPlatform = { ...rest, district: { ...district!, platform: undefined } }
    await expect(buildPackage({ registry: noPlatform, store: h.store, date: '2026-10-12' })).rejects.toThrow(
      /district\.platform\.dataCenterId/,
    )
    await expect(buildPackage({ registry: h.registry, store: h.store, date: '2026-02-30' })).rejects.toThrow(
      /2026-02-30/,
    )
  })

  it('is served over HTTP, as are the sub-item rows, with clear refusals', async () => {
    const ok = { ok: true, detail: { key: 'health.influx.off' as const } }
    const app = await buildApi({
      registry: h.registry,
      store: h.store,
      metrics: createMetrics({ defaultMetrics: false }),
      log: testLog,
      version: 'test',
      meterStatus: () => undefined,
      health: () => ({ ingest: ok, store: ok, influx: ok, archive: false }),
    })
    try {
      const zip = await app.inject({ url: '/api/v1/platform/packages/2026-10-12' })
      expect(zip.statusCode).toBe(200)
      expect(zip.headers['content-type']).toBe('application/zip')
      expect(Object.keys(unzipSync(zip.rawPayload))).toContain('22010020261012/22010020261012Energy.xml')
      const energy = await app.inject({ url: '/api/v1/platform/packages/2026-10-12?file=energy' })
      expect(energy.body).toBe(pkg.energy.xml)
      const bad = await app.inject({ url: '/api/v1/platform/packages/2026-13-01' })
      expect(bad.statusCode).toBe(400)

      const rows = await app.inject({
        url: '/api/v1/reports/subitems?period=2026-10-12&school=sunshine-primary',
      })
      expect(rows.statusCode).toBe(200)
      expect(rows.json()).toEqual(
        await new SubItemReports({ registry: h.registry, store: h.store }).report('2026-10-12', {
          school: 'sunshine-primary',
        }),
      )
      const csv = await app.inject({
        url: '/api/v1/reports/subitems?period=2026-10-12&format=csv',
        headers: { 'accept-language': 'zh-CN' },
      })
      expect(csv.body.split('\r\n')[0]).toBe(
        '\uFEFF学校,分类,分项,能耗编码,单位,用量,占分类比例（%）,数据覆盖率（%）',
      )
      expect(csv.body).toContain('厨房餐厅,01D30')
      const unknown = await app.inject({ url: '/api/v1/reports/subitems?period=2026-10&school=nowhere' })
      expect(unknown.statusCode).toBe(404)
    } finally {
      await app.close()
    }
  })
}, 120_000)
