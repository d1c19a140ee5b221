/**
 * The daily data package for the provincial energy platform, in the structure of the data-upload
 * annex of the national guideline (《国家机关办公建筑和大型公共建筑能耗监测系统 软件开发指导说明书》,
 * 附录2 数据上传XML格式文档, 2009): for each day a folder named data-centre id + date holding
 * `<id><date>Build.xml` (the data centre, its buildings, the item dictionary) and
 * `<id><date>Energy.xml` (hourly and daily values per building and item code), UTF-8, compressed
 * into `<id><date>.zip`. Elements take the annex's table fields (F_BuildID, F_HourValue, …); the
 * choices the annex leaves open are in docs/reporting.md. The schemas in `schema/` check it.
 */
import XMLBuilder from 'fast-xml-builder'
import { strToU8, zipSync } from 'fflate'
import { DateTime } from 'luxon'
import {
  categoryOf,
  ENERGY_CATEGORIES,
  type EnergyCategory,
  itemName,
  SUB_ITEMS,
  type SubItem,
  topSubItem,
} from '../../core/classification.js'
import { SchoolmeterError } from '../../core/errors.js'
import { type Locale, msg, t } from '../../core/i18n/index.js'
import type { Building, Meter, Registry } from '../../core/registry.js'
import type { HourRollup, Store } from '../../store/index.js'
import { type Breakdown, breakDown, breakdownRows, periodSpan, type SubItemRow } from '../subitems.js'

const HOUR = 3_600_000

/**
 * Standard coal equivalent per unit (GB/T 2589-2020, 当量值): electricity 0.1229 kgce/kWh; heat
 * 0.03412 kgce/MJ, i.e. 0.1229 kgce/kWh; natural gas 1.2143 kgce/m³. Water and cooling have none.
 */
const KGCE_PER_UNIT: Partial<Record<EnergyCategory, number>> = {
  electricity: 0.1229,
  heat: 0.1229,
  gas: 1.2143,
}
const UNIT: Record<EnergyCategory, string> = {
  electricity: 'kWh',
  water: 'm3',
  gas: 'm3',
  heat: 'kWh',
  cooling: 'kWh',
  other: 'kgce',
}
/** A reading that covered less than this of a period marks its value incomplete (F_State 0). */
const COMPLETE = 0.9

export interface PackageFile {
  /** Path inside the package, e.g. `22010020261012/22010020261012Build.xml`. */
  path: string
  xml: string
}

export interface PlatformPackage {
  /** `<data-centre id><YYYYMMDD>`: the folder, and the zip's name without `.zip`. */
  name: string
  date: string
  build: PackageFile
  energy: PackageFile
  /** Buildings with metered use but no code: left out of the package. */
  uncoded: { school: string; building: string }[]
  zip(): Uint8Array
}

export class PlatformError extends SchoolmeterError {}

const xml = new XMLBuilder({ format: true, indentBy: '  ', suppressEmptyNode: true })
const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'

const fixed = (v: number) => Number(v.toFixed(3))

/** Local date-time as the annex's tables hold it: `YYYY-MM-DD HH:mm:ss`. */
function localTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss')
}

function codedBuildings(registry: Registry): Building[] {
  return [...registry.schools.values()].flatMap((s) => [...s.buildings.values()]).filter((b) => b.config.code)
}

/** Whether each meter in `meters` covered at least COMPLETE of [from, to). */
function complete(meters: readonly Meter[], covered: ReadonlyMap<string, number>, span: number): boolean {
  return meters.every((m) => (covered.get(m.id) ?? 0) >= COMPLETE * span)
}

/** The package of one local date (YYYY-MM-DD) of the district. */
export async function buildPackage(o: {
  registry: Registry
  store: Store
  date: string
  locale?: Locale
}): Promise<PlatformPackage> {
  const { registry, store, date } = o
  const platform = registry.district?.platform
  if (!platform) throw new PlatformError('PLATFORM_NOT_CONFIGURED', msg('platform.error.notConfigured'))
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !DateTime.fromISO(date).isValid)
    throw new PlatformError('BAD_DATE', msg('platform.error.badDate', { date }))
  const locale = o.locale ?? registry.locale
  const name = `${platform.dataCenterId}${date.replaceAll('-', '')}`
  const buildings = codedBuildings(registry)

  const uncoded: PlatformPackage['uncoded'] = []
  for (const school of registry.schools.values())
    for (const b of school.buildings.values())
      if (!b.config.code && b.meters.some((m) => categoryOf(m) !== undefined))
        uncoded.push({ school: school.id, building: b.id })

  const dictionary = itemDictionary(locale)
  const buildInfo = {
    root: {
      DataCenterInfo: {
        F_DataCenterID: platform.dataCenterId,
        F_DataCenterName: (platform.name ?? registry.district?.name ?? platform.dataCenterId).slice(0, 48),
        // 3: a data centre below the provincial one (docs/reporting.md).
        F_DataCenterType: 3,
        F_DataCenterManager: platform.manager,
        F_DataCenterContact: platform.contact,
        F_DataCenterTel: platform.tel,
      },
      BuildBaseInfos: {
        BuildBaseInfo: buildings.map((b) => {
          const c = b.config
          const code = c.code!
          return {
            F_BuildID: code,
            F_DataCenterID: platform.dataCenterId,
            F_BuildName: `${b.school.name} ${b.name ?? b.id}`.slice(0, 48).trim(),
            F_AliasName: b.id.slice(0, 16),
            F_BuildOwner: b.school.name.slice(0, 80),
            F_State: 1,
            F_DistrictCode: code.slice(0, 6),
            F_BuildAddr: c.address,
            F_BuildYear: c.yearBuilt,
            F_UpFloor: c.floorsAbove,
            F_DownFloor: c.floorsBelow,
            F_BuildFunc: code.charAt(6),
            F_TotalArea: c.floorAreaM2,
            F_AirArea: c.cooledAreaM2,
            F_HeatArea: c.heatedAreaM2,
          }
        }),
      },
      EnergyItemDicts: { EnergyItemDict: dictionary },
    },
  }

  // Values: per coded building, each hour of the day and the day, from the hourly rollups.
  const hourRows: Record<string, unknown>[] = []
  const dayRows: Record<string, unknown>[] = []
  for (const school of registry.schools.values()) {
    const mine = buildings.filter((b) => b.school === school)
    if (mine.length === 0) continue
    const [from, to] = periodSpan(school, date)
    const meters = [...school.meters.values()].filter((m) => categoryOf(m) !== undefined)
    const hours = await store.history.hours(
      meters.map((m) => m.id),
      from,
      to,
    )
    const byHour = new Map<number, HourRollup[]>()
    for (const h of hours) byHour.set(h.hour, [...(byHour.get(h.hour) ?? []), h])
    const emit = (
      target: Record<string, unknown>[],
      rollups: readonly HourRollup[],
      start: number,
      end: number,
      fields: (start: number, end: number) => Record<string, string>,
      valueKey: string,
      equKey: string,
    ) => {
      const used = new Map<string, number>()
      const covered = new Map<string, number>()
      for (const r of rollups) {
        used.set(r.meterId, (used.get(r.meterId) ?? 0) + r.used)
        covered.set(r.meterId, (covered.get(r.meterId) ?? 0) + r.coveredMs)
      }
      const keyed = breakDown(meters, used, (m) => m.building.id)
      for (const b of mine) {
        const byCategory = keyed.get(b.id)
        if (!byCategory) continue
        for (const [category, breakdown] of byCategory) {
          const ofCategory = b.meters.filter((m) => categoryOf(m) === category)
          const state = complete(ofCategory, covered, end - start) ? 1 : 0
          for (const row of itemRows(b, category, breakdown)) {
            const factor = KGCE_PER_UNIT[category]
            target.push({
              F_BuildID: b.config.code,
              F_EnergyItemCode: row.code,
              ...fields(start, end),
              [valueKey]: fixed(row.used),
              ...(factor !== undefined ? { [equKey]: fixed(row.used * factor) } : {}),
              F_State: state,
            })
          }
        }
      }
    }
    for (let h = from; h < to; h += HOUR) {
      emit(
        hourRows,
        byHour.get(h) ?? [],
        h,
        h + HOUR,
        (s, e) => ({ F_StartHour: localTime(s, school.timezone), F_EndHour: localTime(e, school.timezone) }),
        'F_HourValue',
        'F_HourEquValue',
      )
    }
    emit(
      dayRows,
      hours,
      from,
      to,
      (s, e) => ({ F_StartDay: localTime(s, school.timezone), F_EndDay: localTime(e, school.timezone) }),
      'F_DayValue',
      'F_DayEquValue',
    )
  }
  const energyInfo = {
    root: {
      EnergyItemHourResults: { EnergyItemHourResult: hourRows },
      EnergyItemDayResults: { EnergyItemDayResult: dayRows },
    },
  }
  const build: PackageFile = { path: `${name}/${name}Build.xml`, xml: declaration + xml.build(buildInfo) }
  const energy: PackageFile = { path: `${name}/${name}Energy.xml`, xml: declaration + xml.build(energyInfo) }
  return {
    name,
    date,
    build,
    energy,
    uncoded,
    zip: () =>
      zipSync(
        { [name]: { [`${name}Build.xml`]: strToU8(build.xml), [`${name}Energy.xml`]: strToU8(energy.xml) } },
        { level: 9, mtime: DateTime.fromISO(date).toJSDate() },
      ),
  }
}

/**
 * The item lines of one building and category the platform takes: the category's total, and for
 * electricity each sub-item of level 0 and 1 (the unclassified rest is in the total only).
 */
function itemRows(b: Building, category: EnergyCategory, breakdown: Breakdown): SubItemRow[] {
  return breakdownRows({ school: b.school.id, building: b.id }, category, breakdown).filter(
    (r) => r.code !== undefined,
  )
}

/** The item dictionary: every category and sub-item code, its name, parent, level and unit. */
function itemDictionary(locale: Locale): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const [category, code] of Object.entries(ENERGY_CATEGORIES) as [EnergyCategory, string][]) {
    const factor = KGCE_PER_UNIT[category]
    out.push({
      F_EnergyItemCode: code,
      F_EnergyItemName: t(locale, 'classification.category', { value: category }).slice(0, 32),
      // 1: a category; 2: a sub-item; 3: a level-1 sub-item (docs/reporting.md).
      F_EnergyItemType: 1,
      F_EnergyItemUnit: UNIT[category],
      F_EnergyItemFml: factor !== undefined ? `*${factor}` : undefined,
      F_EnergyItemState: 1,
    })
  }
  for (const [item, code] of Object.entries(SUB_ITEMS) as [SubItem, string][]) {
    const level1 = item.includes('.')
    out.push({
      F_EnergyItemCode: code,
      F_EnergyItemName: itemName(locale, item).slice(0, 32),
      F_ParentItemCode: level1 ? SUB_ITEMS[topSubItem(item)] : ENERGY_CATEGORIES.electricity,
      F_EnergyItemType: level1 ? 3 : 2,
      F_EnergyItemUnit: 'kWh',
      F_EnergyItemFml: `*${KGCE_PER_UNIT.electricity}`,
      F_EnergyItemState: 1,
    })
  }
  return out
}
