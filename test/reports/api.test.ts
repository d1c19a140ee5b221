/** The report endpoints on the running service, fed a month of hourly readings over MQTT. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Service } from '../../app/service.js'
import { parseConfig } from '../../core/config/load.js'
import { calendarsOf, createSimulation, encode } from '../../simulator/index.js'
import { twoSchools } from '../helpers/reporting.js'
import { getJson, mqttClient, startTestService } from '../helpers/service.js'

let svc: Service

beforeAll(async () => {
  const config = twoSchools()
  svc = await startTestService({ config })
  const { registry } = parseConfig(config)
  const from = Date.parse('2026-09-30T00:00:00+08:00')
  const sim = createSimulation({ registry, start: from, seed: 'api', stepMs: 60_000 })
  const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
  for (const m of encode(sim.advance(Date.parse('2026-11-02T00:00:00+08:00')), calendarsOf(registry), {
    gateway: true,
    batchSize: 500,
  })) {
    await client.publishAsync(m.topic, m.payload, { qos: 1 })
  }
  await client.endAsync()
}, 60_000)
afterAll(async () => {
  await svc?.stop()
})

describe('report API', () => {
  it('GET /api/v1/reports/monthly gives a row per school and utility', async () => {
    const { status, body } = await getJson(`${svc.httpUrl}/api/v1/reports/monthly?month=2026-10`)
    expect(status).toBe(200)
    expect(body.map((r: { school: string; utility: string }) => `${r.school} ${r.utility}`)).toEqual([
      'north-primary water',
      'north-primary electricity',
      'north-primary heat',
      'south-primary water',
      'south-primary electricity',
      'south-primary heat',
    ])
    const water = body[0]
    expect(water).toMatchObject({
      month: '2026-10',
      unit: 'm3',
      method: 'none',
      indicative: true,
      days: 31,
      schoolDays: 17,
      // A month of data: the baseline starts with it and is not complete yet.
      baselineFrom: '2026-10-01',
      baselineTo: '2027-09-30',
      baselineSource: 'first_year',
      gateReasons: ['baseline_incomplete'],
    })
    expect(water.coverage).toBeGreaterThan(0.99)
    expect(water.actual).toBeGreaterThan(100)
    expect(water.perPupil).toBeCloseTo(water.actual / 600, 3)
  })

  it('?format=csv and Accept: text/csv give a spreadsheet-ready file with Chinese names', async () => {
    const res = await fetch(
      `${svc.httpUrl}/api/v1/reports/monthly?month=2026-10&school=north-primary&format=csv`,
    )
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = new TextDecoder().decode(bytes.slice(3))
    const lines = text.trimEnd().split('\r\n')
    // For people: column names and values in the district's language (Chinese by default); the
    // columns of the contract first, then the savings' extensions.
    expect(lines[0]).toBe(
      '学校编号,学校,类别,月份,单位,实际用量,去年同期,预期用量,节约量,节约率（%）,生均用量,单位面积用量,非在校时段用量占比,数据完整率,计算方法,仅供参考,' +
        '节约量下限（90%）,节约量上限（90%）,节约率下限（%，90%）,节约率上限（%，90%）,节约量相对不确定度（90%）,检验,未通过检验的原因,' +
        '基准期起,基准期止,节约量起算日,基准期以来累计节约量,基准期以来累计节约率（%）,累计节约量下限（90%）,累计节约量上限（90%）,改造施工天数（不计入）',
    )
    expect(lines[1]).toMatch(/^north-primary,北区小学 \(North Primary\),用水,2026-10,立方米,\d/)
    // Why the figure is not ranked, in words.
    expect(lines[1]).toContain(',基准期尚未结束：需要满 12 个月的数据才能比较节约量,2026-10-01,2027-09-30,')
    expect(lines).toHaveLength(4)
    // For programs: the JSON's keys and values, whatever the language.
    const keys = await (
      await fetch(
        `${svc.httpUrl}/api/v1/reports/monthly?month=2026-10&school=north-primary&format=csv&headers=keys`,
      )
    ).text()
    const keyLines = keys.trimEnd().split('\r\n')
    expect(keyLines[0]).toBe(
      'school,name,utility,month,unit,actual,lastYear,expected,savings,savingsPct,perPupil,perM2,outOfHoursShare,coverage,method,indicative,' +
        'savingsLow,savingsHigh,savingsPctLow,savingsPctHigh,fsu,gate,gateReasons,baselineFrom,baselineTo,reportingFrom,' +
        'cumulativeSavings,cumulativeSavingsPct,cumulativeSavingsLow,cumulativeSavingsHigh,blackoutDays',
    )
    expect(keyLines[1]).toMatch(
      /^north-primary,北区小学 \(North Primary\),water,2026-10,m3,\d[\d.]*,.*,none,true,.*,baseline_incomplete,2026-10-01,2027-09-30,/,
    )
    const english = await (
      await fetch(
        `${svc.httpUrl}/api/v1/reports/monthly?month=2026-10&school=north-primary&format=csv&lang=en`,
      )
    ).text()
    expect(english.split('\r\n')[1]).toMatch(/^north-primary,北区小学 \(North Primary\),water,2026-10,m³,/)
    const viaAccept = await fetch(`${svc.httpUrl}/api/v1/reports/monthly?month=2026-10`, {
      headers: { accept: 'text/csv' },
    })
    expect(viaAccept.headers.get('content-type')).toBe('text/csv; charset=utf-8')
  })

  it('ranking lists schools without an expected value unranked, saying why', async () => {
    const { body } = await getJson(`${svc.httpUrl}/api/v1/reports/ranking?month=2026-10&utility=electricity`)
    expect(body).toHaveLength(2)
    for (const r of body)
      expect(r).toMatchObject({
        rank: null,
        // The savings' reasons first, then the row's own; the first as the code for programs.
        reasonCode: 'baseline_incomplete',
        reasons: ['baseline_incomplete', 'no_expected'],
        // The demo district's language: Chinese.
        reason: '基准期尚未结束：需要满 12 个月的数据才能比较节约量；无预期用量',
        utility: 'electricity',
      })
    const english = await getJson(
      `${svc.httpUrl}/api/v1/reports/ranking?month=2026-10&utility=electricity&lang=en`,
    )
    expect(english.body[0].reason).toBe(
      'the baseline period is not complete yet: savings need 12 months of data to compare with; no expected consumption',
    )
  })

  it('readiness: a checklist per school for its next term', async () => {
    const { body } = await getJson(`${svc.httpUrl}/api/v1/reports/readiness?school=south-primary`)
    expect(body).toHaveLength(1)
    expect(body[0]).toMatchObject({ school: 'south-primary', term: { start: '2027-02-22' } })
    // The readings were received just now (by the wall clock), so every meter counts as reporting.
    expect(body[0].checks.map((c: { check: string }) => c.check)).toEqual([
      'meters_reporting',
      'no_open_critical_alerts',
      'heating_reaches_setpoint',
    ])
    expect(body[0].checks[0]).toMatchObject({ ok: true, detail: '全部 4 块表计在最近一天内都有上报' })
    const english = await getJson(`${svc.httpUrl}/api/v1/reports/readiness?school=south-primary`, {
      headers: { 'accept-language': 'en-US,en;q=0.9' },
    })
    expect(english.body[0].checks[0].detail).toBe('all 4 meters reported in the last day')
  })

  it('rejects bad months and unknown schools', async () => {
    expect((await fetch(`${svc.httpUrl}/api/v1/reports/monthly?month=2026-13`)).status).toBe(400)
    expect((await fetch(`${svc.httpUrl}/api/v1/reports/monthly?month=2026-10&school=nowhere`)).status).toBe(
      404,
    )
  })
})
