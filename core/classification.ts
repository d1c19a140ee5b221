/**
 * How the national energy-monitoring guidelines classify what a building uses (《国家机关办公建筑和
 * 大型公共建筑能耗监测系统 分项能耗数据采集技术导则》, its data-encoding annex; the campus guideline
 * 《高等学校校园建筑节能监管系统建设技术导则》 follows it): a building code, an energy category per
 * meter and, for electricity, a sub-item (分项) with its level-1 sub-items. One table here; the
 * registry, the reports and the platform package read it.
 */
import type { ConfigProblem } from './errors.js'
import { type Locale, msg, t } from './i18n/index.js'
import type { MeterKind } from './kinds.js'
import type { Building, Meter, Registry } from './registry.js'

/** Energy categories (分类能耗) and their item codes in the guideline's dictionary. */
export const ENERGY_CATEGORIES = {
  electricity: '01000',
  water: '02000',
  gas: '03000',
  heat: '04000',
  cooling: '05000',
  other: '06000',
} as const
export type EnergyCategory = keyof typeof ENERGY_CATEGORIES
export const ENERGY_CATEGORY_IDS = Object.keys(ENERGY_CATEGORIES) as EnergyCategory[]

/** The categories a meter of each kind may measure; the first is its default. */
export const CATEGORIES_OF_KIND: Record<MeterKind, readonly EnergyCategory[]> = {
  water: ['water'],
  electricity: ['electricity'],
  // A heat meter on a chilled-water circuit measures central cooling (集中供冷量).
  heat: ['heat', 'cooling'],
  temperature: [],
}

/**
 * Electricity sub-items (分项): four of level 0, each with its level-1 sub-items, as item codes
 * `01` + sub-item letter + level-1 digit + `0`.
 */
export const SUB_ITEMS = {
  lighting_sockets: '01A00',
  'lighting_sockets.rooms': '01A10',
  'lighting_sockets.corridors': '01A20',
  'lighting_sockets.outdoor': '01A30',
  air_conditioning: '01B00',
  'air_conditioning.plant': '01B10',
  'air_conditioning.terminals': '01B20',
  power: '01C00',
  'power.lifts': '01C10',
  'power.pumps': '01C20',
  'power.fans': '01C30',
  special: '01D00',
  'special.data_centre': '01D10',
  'special.laundry': '01D20',
  'special.kitchen': '01D30',
  'special.pool': '01D40',
  'special.gym': '01D50',
  'special.other': '01D60',
} as const
export type SubItem = keyof typeof SUB_ITEMS
export const SUB_ITEM_IDS = Object.keys(SUB_ITEMS) as SubItem[]

/** A category line's item (`total`, a sub-item, `unclassified`) as people name it. */
export function itemName(locale: Locale, item: string): string {
  // ICU select keys take no dots: `special.kitchen` is `special_kitchen` in the catalogues.
  return t(locale, 'classification.item', { value: item.replace('.', '_') })
}

/** The level-0 sub-item of a sub-item (`special.kitchen` → `special`). */
export function topSubItem(s: SubItem): SubItem {
  return s.split('.')[0] as SubItem
}

/** Building categories of the code's letter (建筑类别); schools are D, 文化教育建筑. */
export const BUILDING_CATEGORIES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const

/**
 * A building code (BUILDING_CODE): 6-digit administrative division (GB/T 2260) + category letter +
 * 3-digit serial, e.g. 220112D001; a data-centre id (DATA_CENTRE_ID) is 6 digits.
 */
export { BUILDING_CODE, DATA_CENTRE_ID } from './config/patterns.js'

/** First two digits of GB/T 2260 division codes: the provinces, regions and municipalities. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
  62, 63, 64, 65, 71, 81, 82,
])

/** A meter's category: the configured one, else its kind's default (none for sensors). */
export function categoryOf(meter: Meter): EnergyCategory | undefined {
  return meter.config.category ?? CATEGORIES_OF_KIND[meter.kind][0]
}

/**
 * The sub-item a meter's own consumption counts under: its own, else the nearest classified meter
 * above it (a socket circuit under the lighting board is lighting), else none.
 */
export function subItemOf(meter: Meter): SubItem | undefined {
  for (let m: Meter | undefined = meter; m; m = m.parent) if (m.config.subItem) return m.config.subItem
  return undefined
}

/** The building's code, when it has one. */
export function buildingCode(building: Building): string | undefined {
  return building.config.code
}

/**
 * Cross-checks of the classification, beyond what the schema says: building codes unique in the
 * district and of a real province, categories that fit the meter's kind, sub-items on electricity
 * only. `pathOf` gives a meter's config path.
 */
export function checkClassification(
  registry: Registry,
  pathOf: (meter: Meter) => string | undefined,
): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const codes = new Map<string, string>()
  const schools = [...registry.schools.values()]
  schools.forEach((school, si) => {
    ;[...school.buildings.values()].forEach((b, bi) => {
      const code = b.config.code
      if (code === undefined) return
      const path = `schools[${si}].buildings[${bi}].code`
      const seen = codes.get(code)
      if (seen) {
        problems.push({ path, value: code, expected: msg('classification.expected.uniqueCode', { seen }) })
        return
      }
      codes.set(code, `${school.id}/${b.id}`)
      if (!PROVINCES.has(Number(code.slice(0, 2))))
        problems.push({ path, value: code, expected: msg('classification.expected.division') })
    })
  })
  for (const meter of registry.meters.values()) {
    const path = pathOf(meter)
    if (path === undefined) continue
    const allowed = CATEGORIES_OF_KIND[meter.kind]
    const category = meter.config.category
    if (category !== undefined && !allowed.includes(category))
      problems.push({
        path: `${path}.category`,
        value: category,
        expected:
          allowed.length > 0
            ? msg('classification.expected.category', { kind: meter.kind, categories: [...allowed] })
            : msg('classification.expected.noCategory', { kind: meter.kind }),
      })
    const subItem = meter.config.subItem
    if (subItem !== undefined && categoryOf(meter) !== 'electricity')
      problems.push({
        path: `${path}.subItem`,
        value: subItem,
        expected: msg('classification.expected.subItemElectricity'),
      })
  }
  return problems
}
