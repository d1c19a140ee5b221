/** Rollups: local months, occupancy split, gaps marked estimated, late readings revising earlier hours. */
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../core/config/load.js'
import { MONTHLY_COLUMNS, MonthlyReports, Rollups, toCsv } from '../../reports/index.js'
import { GOLDEN_CONFIG } from '../helpers/alerting.js'
import { ingesting } from '../helpers/ingesting.js'
import { testLog } from '../helpers/log.js'

async function pipeline() {
  const { registry } = parseConfig(GOLDEN_CONFIG)
  const { store, bus, ingest } = await ingesting(registry)
  const rollups = new Rollups({ registry, store, bus, log: testLog })
  rollups.start()
  const send = (meter: string, ts: string, values: Record<string, number | boolean>) =>
    ingest.handle(
      `schools/golden/meters/${meter}`,
      Buffer.from(JSON.stringify({ ts, ...values })),
      Date.parse(ts) + 1000,
    )
  return {
    registry,
    store,
    rollups,
    send,
    reports: new MonthlyReports({ registry, store, now: () => Date.parse('2026-12-01T00:00:00+08:00') }),
  }
}

describe('rollups', () => {
  it('bucket by local date: 23:30 on 31 October belongs to October, 00:10 on 1 November to November', async () => {
    const p = await pipeline()
    p.send('W-HOURLY', '2026-10-31T22:30:00+08:00', { volume_m3: 10 })
    p.send('W-HOURLY', '2026-10-31T23:30:00+08:00', { volume_m3: 10.1 })
    p.send('W-HOURLY', '2026-11-01T00:10:00+08:00', { volume_m3: 10.3 })
    p.rollups.flush()
    const oct = (await p.reports.monthly('2026-10', 'golden')).find((r) => r.utility === 'water')!
    const nov = (await p.reports.monthly('2026-11', 'golden')).find((r) => r.utility === 'water')!
    // 100 L in the hour to 23:30; of the 200 L to 00:10, 75 L fell before midnight (30 of 40 minutes).
    expect(oct.actual * 1000).toBeCloseTo(100 + 150, 6)
    expect(nov.actual * 1000).toBeCloseTo(50, 6)
  })

  it('splits use while the school is empty, and marks a gap estimated', async () => {
    const p = await pipeline()
    // Monday 16 November: 06:00 and 08:00 (the school opens at 07:00), then silence until 14:00.
    p.send('W-HOURLY', '2026-11-16T06:00:00+08:00', { volume_m3: 10 })
    p.send('W-HOURLY', '2026-11-16T08:00:00+08:00', { volume_m3: 10.2 })
    p.send('W-HOURLY', '2026-11-16T14:00:00+08:00', { volume_m3: 10.8 })
    p.rollups.flush()
    const day = (h: number) => Date.parse(`2026-11-16T${String(h).padStart(2, '0')}:00:00+08:00`)
    const t = p.store.rollups.totals(['W-HOURLY'], day(0), day(24))
    expect(t.used).toBeCloseTo(800, 6)
    expect(t.usedUnoccupied).toBeCloseTo(100, 6) // 06:00–07:00
    // 08:00–14:00 is a 6-hour gap for an hourly meter: all but its last hour is estimated.
    expect(t.usedEstimated).toBeCloseTo(500, 6)
    expect(t.coveredMs).toBe(3 * 3_600_000)
  })

  it('an out-of-order reading inside the watermark leaves the totals as in order', async () => {
    const a = await pipeline()
    const b = await pipeline()
    const readings: [string, number][] = [
      ['2026-11-16T10:00:00+08:00', 50],
      ['2026-11-16T10:01:00+08:00', 50.01],
      ['2026-11-16T10:02:00+08:00', 50.03],
      ['2026-11-16T10:03:00+08:00', 50.06],
    ]
    for (const [ts, v] of readings) a.send('W1', ts, { volume_m3: v })
    for (const i of [0, 1, 3, 2]) b.send('W1', readings[i]![0], { volume_m3: readings[i]![1] })
    a.rollups.flush()
    b.rollups.flush()
    const hour = Date.parse('2026-11-16T10:00:00+08:00')
    expect(b.store.rollups.get('W1', hour)!.used).toBeCloseTo(a.store.rollups.get('W1', hour)!.used, 6)
    expect(a.store.rollups.get('W1', hour)!.used).toBeCloseTo(60, 6)
  })

  it('CSV opens in a spreadsheet with Chinese names intact; for programs, the JSON keys and values', () => {
    const rows = [
      { school: 'a', name: '阳光小学, "Sunshine"', utility: 'water', actual: 1.5, indicative: true },
    ]
    const keys = toCsv(rows, MONTHLY_COLUMNS, { locale: 'zh-CN', headers: 'keys' })
    expect(keys.startsWith('\uFEFFschool,name,utility,month')).toBe(true)
    expect(keys).toContain('a,"阳光小学, ""Sunshine""",water,,,1.5,,,,,,,,,,true')
    expect(keys.endsWith('\r\n')).toBe(true)
    const zh = toCsv(rows, MONTHLY_COLUMNS, { locale: 'zh-CN' }).split('\r\n')
    expect(zh[0]).toBe(
      '\uFEFF学校编号,学校,类别,月份,单位,实际用量,去年同期,预期用量,节约量,节约率（%）,生均用量,单位面积用量,非在校时段用量占比,数据完整率,计算方法,仅供参考,' +
        '节约量下限（90%）,节约量上限（90%）,节约率下限（%，90%）,节约率上限（%，90%）,节约量相对不确定度（90%）,检验,未通过检验的原因,' +
        '基准期起,基准期止,节约量起算日,基准期以来累计节约量,基准期以来累计节约率（%）,累计节约量下限（90%）,累计节约量上限（90%）,改造施工天数（不计入）',
    )
    // The savings' columns follow the contract's, empty for a row without them.
    expect(zh[1]).toBe(`a,"阳光小学, ""Sunshine""",用水,,,1.5,,,,,,,,,,是${','.repeat(15)}`)
    const en = toCsv(rows, MONTHLY_COLUMNS, { locale: 'en' }).split('\r\n')
    expect(en[0]).toBe(
      '\uFEFFSchool id,School,Utility,Month,Unit,Actual,Same month last year,Expected,Savings,Savings (%),Per pupil,Per m²,Used while empty (share),Data coverage (share),Method,Indicative only,' +
        'Savings low (90 %),Savings high (90 %),Savings (%) low (90 %),Savings (%) high (90 %),Fractional savings uncertainty (90 %),Gates,Why not ranked,' +
        'Baseline from,Baseline to,Savings counted from,Savings since baseline,Savings since baseline (%),Savings since baseline low (90 %),Savings since baseline high (90 %),Days of works (not counted)',
    )
    expect(en[1]).toBe(`a,"阳光小学, ""Sunshine""",water,,,1.5,,,,,,,,,,yes${','.repeat(15)}`)
  })

  it('CSV: the gate and why a figure is not ranked in the reader’s words; for programs, the identifiers', () => {
    const rows = [
      {
        school: 'a',
        utility: 'heat',
        method: 'daily_model',
        gate: 'fail',
        gateReasons: ['coverage', 'season_fit'],
      },
    ]
    const at = (c: (typeof MONTHLY_COLUMNS)[number]) => MONTHLY_COLUMNS.indexOf(c)
    const cells = (csv: string) => csv.split('\r\n')[1]!.split(',')
    const keys = cells(toCsv(rows, MONTHLY_COLUMNS, { locale: 'en', headers: 'keys' }))
    expect([keys[at('method')], keys[at('gate')], keys[at('gateReasons')]]).toEqual([
      'daily_model',
      'fail',
      'coverage season_fit',
    ])
    const zh = cells(toCsv(rows, MONTHLY_COLUMNS, { locale: 'zh-CN' }))
    expect([zh[at('utility')], zh[at('method')], zh[at('gate')], zh[at('gateReasons')]]).toEqual([
      '供热',
      '基准模型',
      '未通过',
      '本月表计数据覆盖不足 90%；基准模型对基准年同月的误差超过 15%',
    ])
  })
})
