/**
 * The registry: the district's asset ledger, indexed for lookups on the hot path
 * (school id → school, meter id → meter) and linked both ways for reports and the API.
 */
import { DateTime, IANAZone } from 'luxon'
import { checkClassification } from './classification.js'
import type {
  BuildingConfig,
  CalendarConfig,
  DistrictConfig,
  MeterConfig,
  NotificationsConfig,
  PlatformConfig,
  QuotasConfig,
  RuleOverridesConfig,
  SavingsConfig,
  SchoolConfig,
  SpaceConfig,
} from './config/schema.js'
import { DEFAULT_HEATING_SEASON, DEFAULT_TIMEZONE, DEFAULT_WEEKLY_HOURS } from './config/schema.js'
import type { ConfigProblem } from './errors.js'
import { DEFAULT_LOCALE, type Locale, msg } from './i18n/index.js'
import type { MeterKind } from './kinds.js'

export interface School {
  id: string
  name: string
  timezone: string
  pupils?: number
  floorAreaM2?: number
  currency?: string
  /** Language of the texts written for this school (its own, or the district's). */
  locale: Locale
  calendar: Required<
    Pick<CalendarConfig, 'weeklyHours' | 'terms' | 'holidays' | 'heatingSeason' | 'plannedUse'>
  >
  buildings: Map<string, Building>
  meters: Map<string, Meter>
  rules: RuleOverridesConfig
  notifications: NotificationsConfig
  /** The savings baseline and interventions (the school's keys over the district defaults'). */
  savings: SavingsConfig
  /** Consumption quotas per utility (the school's utilities over the district defaults'). */
  quotas: QuotasConfig
  config: SchoolConfig
}

export interface Building {
  id: string
  name?: string
  use: BuildingConfig['use']
  school: School
  spaces: Map<string, Space>
  meters: Meter[]
  config: BuildingConfig
}

export interface Space {
  id: string
  name?: string
  use: SpaceConfig['use']
  building: Building
  config: SpaceConfig
}

export interface Meter {
  id: string
  kind: MeterKind
  name?: string
  school: School
  building: Building
  space?: Space
  parent?: Meter
  /** Register rolls over at this value (10^digits), when the digits are known. */
  registerModulus?: number
  intervalSeconds: number
  /** Price per m³ or kWh, from the meter or its school. */
  tariff?: number
  config: MeterConfig
}

export interface Registry {
  district?: { id: string; name: string; locale?: Locale; platform?: PlatformConfig }
  /** The district's language: every text not written for one school (default zh-CN). */
  locale: Locale
  /** The district's time zone (`defaults.timezone`, else Asia/Shanghai): for times not of one school. */
  timezone: string
  schools: Map<string, School>
  /** Meter ids are unique across the whole registry (GET /api/v1/meters/{meter}). */
  meters: Map<string, Meter>
}

/** Links the validated config into a registry, collecting every cross-reference problem. */
export function buildRegistry(config: DistrictConfig): { registry: Registry; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = []
  const registry: Registry = {
    ...(config.district ? { district: config.district } : {}),
    locale: config.district?.locale ?? DEFAULT_LOCALE,
    timezone: DEFAULT_TIMEZONE,
    schools: new Map(),
    meters: new Map(),
  }
  const meterPaths = new Map<string, string>()
  const defaults = config.defaults ?? {}

  if (defaults.timezone !== undefined && !IANAZone.isValidZone(defaults.timezone)) {
    problems.push({
      path: 'defaults.timezone',
      value: defaults.timezone,
      expected: msg('config.expected.timezone'),
    })
  } else if (defaults.timezone !== undefined) registry.timezone = defaults.timezone
  if (defaults.calendar) checkCalendar(defaults.calendar, 'defaults.calendar', problems)
  if (defaults.savings) checkSavings(defaults.savings, 'defaults.savings', problems)

  config.schools.forEach((sc, si) => {
    const sp = `schools[${si}]`
    if (registry.schools.has(sc.id)) {
      problems.push({ path: `${sp}.id`, value: sc.id, expected: msg('config.expected.uniqueSchool') })
      return
    }
    const timezone = sc.timezone ?? defaults.timezone ?? DEFAULT_TIMEZONE
    if (!IANAZone.isValidZone(timezone)) {
      problems.push({
        path: `${sp}.timezone`,
        value: timezone,
        expected: msg('config.expected.timezone'),
      })
    }
    if (sc.calendar) checkCalendar(sc.calendar, `${sp}.calendar`, problems)
    if (sc.savings) checkSavings(sc.savings, `${sp}.savings`, problems)
    const cal = { ...defaults.calendar, ...sc.calendar }
    const school: School = {
      id: sc.id,
      name: sc.name,
      timezone,
      locale: sc.locale ?? registry.locale,
      ...(sc.pupils !== undefined ? { pupils: sc.pupils } : {}),
      ...(sc.floorAreaM2 !== undefined ? { floorAreaM2: sc.floorAreaM2 } : {}),
      ...((sc.currency ?? defaults.currency) ? { currency: sc.currency ?? defaults.currency } : {}),
      calendar: {
        weeklyHours: cal.weeklyHours ?? DEFAULT_WEEKLY_HOURS,
        terms: cal.terms ?? [],
        holidays: cal.holidays ?? [],
        heatingSeason: cal.heatingSeason ?? DEFAULT_HEATING_SEASON,
        plannedUse: cal.plannedUse ?? [],
      },
      buildings: new Map(),
      meters: new Map(),
      rules: mergeRuleOverrides(defaults.rules, sc.rules),
      notifications: {
        ...defaults.notifications,
        ...sc.notifications,
        contacts: { ...defaults.notifications?.contacts, ...sc.notifications?.contacts },
        channels: { ...defaults.notifications?.channels, ...sc.notifications?.channels },
      },
      savings: mergeSavings(defaults.savings, sc.savings),
      quotas: { ...defaults.quotas, ...sc.quotas },
      config: sc,
    }
    registry.schools.set(school.id, school)
    const tariffs = { ...defaults.tariffs, ...sc.tariffs }

    sc.buildings.forEach((bc, bi) => {
      const bp = `${sp}.buildings[${bi}]`
      if (school.buildings.has(bc.id)) {
        problems.push({
          path: `${bp}.id`,
          value: bc.id,
          expected: msg('config.expected.uniqueBuilding'),
        })
        return
      }
      const building: Building = {
        id: bc.id,
        ...(bc.name ? { name: bc.name } : {}),
        use: bc.use,
        school,
        spaces: new Map(),
        meters: [],
        config: bc,
      }
      school.buildings.set(building.id, building)
      bc.spaces?.forEach((spc, xi) => {
        if (building.spaces.has(spc.id)) {
          problems.push({
            path: `${bp}.spaces[${xi}].id`,
            value: spc.id,
            expected: msg('config.expected.uniqueSpace'),
          })
          return
        }
        building.spaces.set(spc.id, {
          id: spc.id,
          ...(spc.name ? { name: spc.name } : {}),
          use: spc.use,
          building,
          config: spc,
        })
      })
      bc.meters?.forEach((mc, mi) => {
        const mp = `${bp}.meters[${mi}]`
        const seen = meterPaths.get(mc.id)
        if (seen) {
          problems.push({
            path: `${mp}.id`,
            value: mc.id,
            expected: msg('config.expected.uniqueMeter', { seen }),
          })
          return
        }
        meterPaths.set(mc.id, mp)
        let space: Space | undefined
        if (mc.space !== undefined) {
          space = building.spaces.get(mc.space)
          if (!space) {
            problems.push({
              path: `${mp}.space`,
              value: mc.space,
              expected: msg('config.expected.space', {
                spaces: [...building.spaces.keys()],
                count: building.spaces.size,
              }),
            })
          }
        }
        const tariff = mc.tariff ?? (mc.kind === 'temperature' ? undefined : tariffs[mc.kind])
        const meter: Meter = {
          id: mc.id,
          kind: mc.kind,
          ...(mc.name ? { name: mc.name } : {}),
          school,
          building,
          ...(space ? { space } : {}),
          ...(mc.registerDigits !== undefined ? { registerModulus: 10 ** mc.registerDigits } : {}),
          intervalSeconds: mc.intervalSeconds ?? 60,
          ...(tariff !== undefined ? { tariff } : {}),
          config: mc,
        }
        building.meters.push(meter)
        school.meters.set(meter.id, meter)
        registry.meters.set(meter.id, meter)
      })
    })
  })

  // Parents may be declared after their sub-meters, so link them once every meter is known.
  for (const meter of registry.meters.values()) {
    const parentId = meter.config.parent
    if (parentId === undefined) continue
    const parent = meter.school.meters.get(parentId)
    const path = `${meterPaths.get(meter.id)}.parent`
    if (!parent) {
      problems.push({
        path,
        value: parentId,
        expected: msg('config.expected.parentSchool', { school: meter.school.id }),
      })
    } else if (parent.kind !== meter.kind) {
      problems.push({
        path,
        value: parentId,
        expected: msg('config.expected.parentKind', { kind: meter.kind, actual: parent.kind }),
      })
    } else if (parent === meter) {
      problems.push({ path, value: parentId, expected: msg('config.expected.parentSelf') })
    } else {
      meter.parent = parent
    }
  }
  problems.push(...checkClassification(registry, (m) => meterPaths.get(m.id)))
  for (const school of registry.schools.values()) {
    school.calendar.plannedUse.forEach((pu, i) => {
      const path = `schools[${[...registry.schools.keys()].indexOf(school.id)}].calendar.plannedUse[${i}]`
      if (pu.building !== undefined && !school.buildings.has(pu.building)) {
        problems.push({
          path: `${path}.building`,
          value: pu.building,
          expected: msg('config.expected.buildingOfSchool'),
        })
      }
      pu.meters?.forEach((m, j) => {
        if (!school.meters.has(m)) {
          problems.push({
            path: `${path}.meters[${j}]`,
            value: m,
            expected: msg('config.expected.meterOfSchool'),
          })
        }
      })
    })
  }
  return { registry, problems }
}

function checkCalendar(cal: CalendarConfig, path: string, problems: ConfigProblem[]): void {
  for (const key of ['terms', 'holidays'] as const) {
    cal[key]?.forEach((p, i) => {
      const start = DateTime.fromISO(p.start)
      const end = DateTime.fromISO(p.end)
      if (!start.isValid)
        problems.push({
          path: `${path}.${key}[${i}].start`,
          value: p.start,
          expected: msg('config.expected.realDate'),
        })
      if (!end.isValid)
        problems.push({
          path: `${path}.${key}[${i}].end`,
          value: p.end,
          expected: msg('config.expected.realDate'),
        })
      if (start.isValid && end.isValid && end < start) {
        problems.push({
          path: `${path}.${key}[${i}].end`,
          value: p.end,
          expected: msg('config.expected.dateFrom', { start: p.start }),
        })
      }
    })
  }
  cal.plannedUse?.forEach((pu, i) => {
    const p = `${path}.plannedUse[${i}]`
    if (!pu.weekly && (pu.start === undefined || pu.end === undefined)) {
      problems.push({ path: p, value: pu.name, expected: msg('config.expected.plannedUse') })
    }
    if (pu.start !== undefined && pu.end !== undefined && pu.end <= pu.start) {
      problems.push({
        path: `${p}.end`,
        value: pu.end,
        expected: msg('config.expected.timeAfter', { start: pu.start }),
      })
    }
  })
}

/** A school's own baseline replaces the district's; interventions of both count. */
function mergeSavings(district: SavingsConfig | undefined, own: SavingsConfig | undefined): SavingsConfig {
  if (!district) return own ?? {}
  if (!own) return district
  const ownBaseline = own.baseline !== undefined || own.programmeStart !== undefined
  const merged: SavingsConfig = { ...district, ...own }
  if (ownBaseline) {
    if (own.baseline === undefined) delete merged.baseline
    if (own.programmeStart === undefined) delete merged.programmeStart
  }
  const interventions = [...(district.interventions ?? []), ...(own.interventions ?? [])]
  if (interventions.length > 0) merged.interventions = interventions
  return merged
}

function checkSavings(sv: SavingsConfig, path: string, problems: ConfigProblem[]): void {
  const date = (value: string, at: string) => {
    const ok = DateTime.fromISO(value).isValid
    if (!ok) problems.push({ path: at, value, expected: msg('config.expected.realDate') })
    return ok
  }
  const baseline = (b: SavingsConfig['baseline'], p: string, programmeStart: string | undefined) => {
    if (b && programmeStart !== undefined) {
      problems.push({
        path: `${p}.programmeStart`,
        value: programmeStart,
        expected: msg('savings.config.baselineOrProgrammeStart'),
      })
    }
    if (programmeStart !== undefined) date(programmeStart, `${p}.programmeStart`)
    if (!b) return
    if (date(b.from, `${p}.baseline.from`) && date(b.to, `${p}.baseline.to`)) {
      const days = DateTime.fromISO(b.to).diff(DateTime.fromISO(b.from), 'days').days + 1
      if (days < 365)
        problems.push({
          path: `${p}.baseline.to`,
          value: b.to,
          expected: msg('savings.config.baselineTooShort', { from: b.from, days }),
        })
    }
  }
  baseline(sv.baseline, path, sv.programmeStart)
  for (const u of ['water', 'electricity', 'heat'] as const) {
    const own = sv[u]
    if (own) baseline(own.baseline, `${path}.${u}`, own.programmeStart)
  }
  sv.interventions?.forEach((iv, i) => {
    const p = `${path}.interventions[${i}]`
    if (date(iv.start, `${p}.start`) && iv.end !== undefined && date(iv.end, `${p}.end`) && iv.end < iv.start)
      problems.push({
        path: `${p}.end`,
        value: iv.end,
        expected: msg('config.expected.dateFrom', { start: iv.start }),
      })
  })
}

/** Meters of a school in a stable order (building, then declaration order). */
export function schoolMeters(school: School): Meter[] {
  return [...school.buildings.values()].flatMap((b) => b.meters)
}

/** Later layers win; parameter objects for the same rule are merged key by key. */
export function mergeRuleOverrides(...layers: (RuleOverridesConfig | undefined)[]): RuleOverridesConfig {
  const out: RuleOverridesConfig = {}
  for (const layer of layers) {
    if (!layer) continue
    for (const [id, v] of Object.entries(layer)) {
      const prev = out[id]
      out[id] = typeof v === 'object' && typeof prev === 'object' ? { ...prev, ...v } : v
    }
  }
  return out
}

/**
 * Buildings whose use shows on a meter: its own, and those of every meter below it. A school's
 * main water meter is "occupied" while its dormitory is, even if the main sits in the teaching block.
 */
export function servedBuildings(registry: Registry): ReadonlyMap<string, readonly Building[]> {
  const known = servedByRegistry.get(registry)
  if (known) return known
  const sets = new Map<string, Set<Building>>()
  for (const meter of registry.meters.values()) {
    for (let m: Meter | undefined = meter; m; m = m.parent) {
      let set = sets.get(m.id)
      if (!set) {
        set = new Set([m.building])
        sets.set(m.id, set)
      }
      set.add(meter.building)
    }
  }
  // Most meters serve only their own building: they share one list per building.
  const own = new Map<Building, readonly Building[]>()
  const served = new Map<string, readonly Building[]>()
  for (const [id, set] of sets) {
    if (set.size > 1) {
      served.set(id, [...set])
      continue
    }
    const [building] = set as Set<Building> & [Building]
    let list = own.get(building)
    if (!list) {
      list = [building]
      own.set(building, list)
    }
    served.set(id, list)
  }
  servedByRegistry.set(registry, served)
  return served
}

/** Worked out once per registry: ingest, rollups and the rule engine all ask (100,000 meters). */
const servedByRegistry = new WeakMap<Registry, ReadonlyMap<string, readonly Building[]>>()

/**
 * The heat meter of the circuit that heats a building: the building's own heat meter, else the
 * school's main one (a heat meter with no parent) — the boiler house's meter heats the blocks that
 * have none of their own.
 */
export function heatingCircuit(building: Building): Meter | undefined {
  return (
    building.meters.find((m) => m.kind === 'heat') ??
    [...building.school.meters.values()].find((m) => m.kind === 'heat' && !m.parent)
  )
}
