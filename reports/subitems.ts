/**
 * Consumption per energy category and electricity sub-item (分类分项能耗, core/classification.ts),
 * per school or per building, for a day or a month in the school's time zone, from the hourly
 * rollups. Every meter counts once: what a meter measured less what its direct sub-meters measured
 * is its own use, classified under its sub-item (or the nearest one above it). The own uses add up
 * to what the top-level meters measured, so the parts always make the whole; what no sub-item
 * claims is `unclassified` (未分项), shown, never spread.
 */
import { DateTime } from 'luxon'
import {
  categoryOf,
  ENERGY_CATEGORIES,
  type EnergyCategory,
  itemName,
  SUB_ITEMS,
  type SubItem,
  subItemOf,
  topSubItem,
} from '../core/classification.js'
import { t } from '../core/i18n/index.js'
import { KINDS } from '../core/kinds.js'
import type { Meter, Registry, School } from '../core/registry.js'
import type { Store } from '../store/index.js'
import type { Column } from './sheet.js'

/** What one line of the report is: a category's total, a sub-item of level 0 or 1, or the rest. */
export type ItemLevel = 'category' | 'subItem' | 'subItem1' | 'unclassified'

export interface SubItemRow {
  school: string
  /** Per building (the platform package); left out for the whole school. */
  building?: string
  category: EnergyCategory
  /** `total`, a sub-item id, or `unclassified`. */
  item: string
  level: ItemLevel
  /** The guideline's item code (01000, 01A00, 01A10, …); none for `unclassified`. */
  code?: string
  unit: 'kWh' | 'm3'
  used: number
  /** Share of the category's total, 0..1. */
  share?: number
  /** Category lines: how much of the period the top-level meters' readings covered, 0..1. */
  coverage?: number
}

/** One category's breakdown: its total and its parts. */
export interface Breakdown {
  total: number
  /** Own use per exact sub-item (level 0 or level 1). */
  items: Map<SubItem, number>
  unclassified: number
}

/** Rollups are in litres for water; the report speaks m³. */
function toReportUnit(meter: Meter, used: number): number {
  return KINDS[meter.kind].used?.unit === 'L' ? used / 1000 : used
}

/**
 * Each meter's own use: its consumption less its direct sub-meters'. A sub-meter with no data
 * counts as nothing, so its share stays with its parent, where the total still holds it.
 */
export function ownUse(meters: readonly Meter[], used: ReadonlyMap<string, number>): Map<Meter, number> {
  const own = new Map<Meter, number>()
  for (const m of meters) own.set(m, used.get(m.id) ?? 0)
  for (const m of meters) {
    if (m.parent && own.has(m.parent)) own.set(m.parent, own.get(m.parent)! - (used.get(m.id) ?? 0))
  }
  return own
}

/**
 * Breakdowns per key (`school`, or a building id) and category, from each meter's consumption in
 * its rollup unit.
 */
export function breakDown(
  meters: readonly Meter[],
  used: ReadonlyMap<string, number>,
  keyOf: (m: Meter) => string,
): Map<string, Map<EnergyCategory, Breakdown>> {
  const out = new Map<string, Map<EnergyCategory, Breakdown>>()
  for (const [meter, raw] of ownUse(meters, used)) {
    const category = categoryOf(meter)
    if (!category) continue
    const own = toReportUnit(meter, raw)
    const key = keyOf(meter)
    const byCategory = out.get(key) ?? new Map<EnergyCategory, Breakdown>()
    out.set(key, byCategory)
    const b = byCategory.get(category) ?? { total: 0, items: new Map<SubItem, number>(), unclassified: 0 }
    byCategory.set(category, b)
    b.total += own
    const item = category === 'electricity' ? subItemOf(meter) : undefined
    if (item) b.items.set(item, (b.items.get(item) ?? 0) + own)
    else b.unclassified += own
  }
  return out
}

const round = (v: number) => Math.round(v * 1000) / 1000

/**
 * The lines of one breakdown: the total, each level-0 sub-item (its level-1 items and any use
 * classified at level 0 only), each level-1 sub-item, and the unclassified rest. Level-0 lines and
 * the rest add up to the total; a level-0 sub-item's level-1 lines add up to it when every meter
 * under it names its level-1 item.
 */
export function breakdownRows(
  head: { school: string; building?: string },
  category: EnergyCategory,
  b: Breakdown,
  coverage?: number,
): SubItemRow[] {
  const unit = category === 'water' || category === 'gas' ? 'm3' : 'kWh'
  const share = (v: number) => (b.total !== 0 ? { share: round(v / b.total) } : {})
  const rows: SubItemRow[] = [
    {
      ...head,
      category,
      item: 'total',
      level: 'category',
      code: ENERGY_CATEGORIES[category],
      unit,
      used: round(b.total),
      ...(coverage !== undefined ? { coverage: round(coverage) } : {}),
    },
  ]
  if (category === 'electricity') {
    const level0 = new Map<SubItem, number>()
    for (const [item, v] of b.items) level0.set(topSubItem(item), (level0.get(topSubItem(item)) ?? 0) + v)
    for (const top of (Object.keys(SUB_ITEMS) as SubItem[]).filter((s) => !s.includes('.'))) {
      const v = level0.get(top)
      if (v === undefined) continue
      rows.push({
        ...head,
        category,
        item: top,
        level: 'subItem',
        code: SUB_ITEMS[top],
        unit,
        used: round(v),
        ...share(v),
      })
      for (const [item, w] of [...b.items]
        .filter(([i]) => i.startsWith(`${top}.`))
        .sort(([x], [y]) => (SUB_ITEMS[x] < SUB_ITEMS[y] ? -1 : 1)))
        rows.push({
          ...head,
          category,
          item,
          level: 'subItem1',
          code: SUB_ITEMS[item],
          unit,
          used: round(w),
          ...share(w),
        })
    }
    if (b.unclassified !== 0 || level0.size === 0)
      rows.push({
        ...head,
        category,
        item: 'unclassified',
        level: 'unclassified',
        unit,
        used: round(b.unclassified),
        ...share(b.unclassified),
      })
  }
  return rows
}

export interface SubItemOptions {
  registry: Registry
  store: Store
  /** Called before reading, so that rollups still in memory are counted. */
  flush?: () => void
}

/** A day (YYYY-MM-DD) or a month (YYYY-MM) as local [from, to) of a school, in epoch ms. */
export function periodSpan(school: School, period: string): [number, number] {
  const zone = school.timezone
  const day = /^\d{4}-\d{2}-\d{2}$/.test(period)
  const start = DateTime.fromISO(day ? period : `${period}-01`, { zone })
  return [start.toMillis(), start.plus(day ? { days: 1 } : { months: 1 }).toMillis()]
}

export class SubItemReports {
  constructor(private readonly o: SubItemOptions) {}

  /** Metered meters of a school (sensors measure no consumption). */
  private meters(school: School): Meter[] {
    return [...school.meters.values()].filter((m) => categoryOf(m) !== undefined)
  }

  /**
   * Per school (or per building with `byBuilding`), for a day or a month: the total of each
   * category and its parts.
   */
  async report(period: string, o: { school?: string; byBuilding?: boolean } = {}): Promise<SubItemRow[]> {
    this.o.flush?.()
    const rows: SubItemRow[] = []
    for (const school of this.o.registry.schools.values()) {
      if (o.school && school.id !== o.school) continue
      const [from, to] = periodSpan(school, period)
      const meters = this.meters(school)
      const totals = await this.o.store.history.totalsByMeter(
        meters.map((m) => m.id),
        from,
        to,
      )
      const used = new Map([...totals].map(([id, t]) => [id, t.used]))
      const coverage = (category: EnergyCategory, building?: string) => {
        const tops = meters.filter(
          (m) =>
            !m.parent && categoryOf(m) === category && (building === undefined || m.building.id === building),
        )
        if (tops.length === 0) return undefined
        const covered = tops.reduce((a, m) => a + (totals.get(m.id)?.coveredMs ?? 0), 0)
        return Math.min(1, covered / (tops.length * (to - from)))
      }
      const keyed = breakDown(meters, used, (m) => (o.byBuilding ? m.building.id : school.id))
      for (const [key, byCategory] of keyed) {
        const head = o.byBuilding ? { school: school.id, building: key } : { school: school.id }
        for (const category of Object.keys(ENERGY_CATEGORIES) as EnergyCategory[]) {
          const b = byCategory.get(category)
          if (b)
            rows.push(...breakdownRows(head, category, b, coverage(category, o.byBuilding ? key : undefined)))
        }
      }
    }
    return rows
  }
}

/** The report's columns for CSV and a terminal (reports/sheet.ts). */
export function subItemColumns(registry: Registry, byBuilding: boolean): Column<SubItemRow>[] {
  const school = (r: SubItemRow) => registry.schools.get(r.school)
  return [
    { header: 'subitems.column.school', cell: (r) => school(r)?.name ?? r.school },
    ...(byBuilding
      ? [
          {
            header: 'subitems.column.building' as const,
            cell: (r: SubItemRow) => {
              const b = r.building !== undefined ? school(r)?.buildings.get(r.building) : undefined
              return b ? (b.name ?? b.id) : r.building
            },
          },
        ]
      : []),
    {
      header: 'subitems.column.category',
      cell: (r, l) => t(l, 'classification.category', { value: r.category }),
    },
    { header: 'subitems.column.item', cell: (r, l) => itemName(l, r.item) },
    { header: 'subitems.column.code', cell: (r) => r.code },
    { header: 'subitems.column.unit', cell: (r, l) => t(l, 'report.unit', { value: r.unit }) },
    { header: 'subitems.column.used', cell: (r) => r.used },
    {
      header: 'subitems.column.share',
      cell: (r) => (r.share !== undefined ? Math.round(r.share * 1000) / 10 : undefined),
    },
    {
      header: 'subitems.column.coverage',
      cell: (r) => (r.coverage !== undefined ? Math.round(r.coverage * 1000) / 10 : undefined),
    },
  ]
}
