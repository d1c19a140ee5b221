/**
 * Generated districts for load tests and benchmarks: `schools` schools cycling through a day
 * primary school, a boarding middle school (dormitories with metered rooms) and a vocational
 * school, each with meters of every kind. The result is a registry config like any other.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { DEMO_CONFIG_PATH } from '../core/config/load.js'
import type { BuildingConfig, DistrictConfig, MeterConfig, SchoolConfig } from '../core/config/schema.js'

export interface GenerateOptions {
  schools: number
  /** Metered rooms per dormitory of each boarding school (default 40). */
  roomsPerDorm?: number
}

export function generateDistrict(o: GenerateOptions): DistrictConfig {
  const demo = parse(readFileSync(DEMO_CONFIG_PATH, 'utf8')) as DistrictConfig
  const rooms = o.roomsPerDorm ?? 40
  const schools: SchoolConfig[] = []
  for (let i = 1; i <= o.schools; i++) {
    const n = String(i).padStart(4, '0')
    const kind = ['primary', 'boarding', 'vocational'][(i - 1) % 3] as 'primary' | 'boarding' | 'vocational'
    const p = `S${n}`
    const m = (id: string, kind: MeterConfig['kind'], extra: Partial<MeterConfig> = {}): MeterConfig => ({
      id: `${p}-${id}`,
      kind,
      ...extra,
    })
    const water = (id: string, q3: number, parent?: string, extra: Partial<MeterConfig> = {}) =>
      m(id, 'water', {
        registerDigits: 6,
        nominalFlowM3h: q3,
        ...(parent ? { parent: `${p}-${parent}` } : {}),
        ...extra,
      })
    const elec = (id: string, kw: number, parent?: string, extra: Partial<MeterConfig> = {}) =>
      m(id, 'electricity', {
        registerDigits: 7,
        maxPowerKw: kw,
        ...(parent ? { parent: `${p}-${parent}` } : {}),
        ...extra,
      })
    const heat = (id: string, kw: number) =>
      m(id, 'heat', { registerDigits: 8, maxPowerKw: kw, supplySetpointC: 65, intervalSeconds: 300 })
    const temp = (id: string, placement: 'room' | 'outdoor', space?: string) =>
      m(id, 'temperature', { placement, intervalSeconds: 300, ...(space ? { space } : {}) })
    const teaching: BuildingConfig = {
      id: 'teaching',
      use: 'teaching',
      floorAreaM2: 6000,
      spaces: [
        { id: 'wc-1', use: 'toilet' },
        { id: 'c101', use: 'classroom' },
        { id: 'c201', use: 'classroom' },
      ],
      meters: [
        water('W-MAIN', 16),
        water('W-WC1', 2.5, 'W-MAIN', { space: 'wc-1' }),
        elec('E-MAIN', 630),
        heat('H-TEACH', 900),
        temp('T-OUT', 'outdoor'),
        temp('T-C101', 'room', 'c101'),
        temp('T-C201', 'room', 'c201'),
      ],
    }
    const canteen: BuildingConfig = {
      id: 'canteen',
      use: 'canteen',
      floorAreaM2: 1500,
      meters: [water('W-CANTEEN', 6.3, 'W-MAIN'), elec('E-KITCHEN', 150, 'E-MAIN')],
    }
    const buildings: BuildingConfig[] = [teaching, canteen]
    let pupils = 600
    if (kind === 'primary') {
      buildings.push({
        id: 'gym',
        use: 'gym',
        floorAreaM2: 1200,
        meters: [elec('E-GYM', 60, 'E-MAIN'), temp('T-GYM', 'room')],
      })
    } else if (kind === 'boarding') {
      pupils = 1200
      const spaces = Array.from({ length: rooms }, (_, r) => ({
        id: `r${String(r + 1).padStart(3, '0')}`,
        use: 'dorm_room' as const,
        appliancePolicy: 'restricted' as const,
        roomLimitW: 1500,
      }))
      buildings.push({
        id: 'dorm',
        use: 'dormitory',
        floorAreaM2: 200 + rooms * 25,
        occupancy: {
          weeklyHours: {
            sun: ['17:00-07:30'],
            mon: ['17:00-07:30'],
            tue: ['17:00-07:30'],
            wed: ['17:00-07:30'],
            thu: ['17:00-07:30'],
          },
          quietHours: '22:30-06:00',
        },
        spaces,
        meters: [
          water('W-DORM', 10, 'W-MAIN'),
          elec('E-DORM', 200, 'E-MAIN'),
          heat('H-DORM', 700),
          ...spaces.map((s) =>
            elec(`E-${s.id.toUpperCase()}`, 8, 'E-DORM', {
              space: s.id,
              registerDigits: 5,
              intervalSeconds: 10,
            }),
          ),
          ...spaces.filter((_, r) => r % 10 === 0).map((s) => temp(`T-${s.id.toUpperCase()}`, 'room', s.id)),
        ],
      })
    } else {
      pupils = 2000
      buildings.push(
        {
          id: 'workshop',
          use: 'workshop',
          floorAreaM2: 8000,
          meters: [
            water('W-WORKSHOP', 6.3, 'W-MAIN'),
            elec('E-WORKSHOP', 500, 'E-MAIN'),
            temp('T-WORKSHOP', 'room'),
          ],
        },
        {
          id: 'natatorium',
          use: 'pool',
          floorAreaM2: 3000,
          meters: [water('W-POOL', 10, 'W-MAIN'), heat('H-POOL', 400)],
        },
      )
    }
    schools.push({
      id: `school-${n}-${kind}`,
      name: `School ${n} (${kind})`,
      pupils,
      floorAreaM2: buildings.reduce((a, b) => a + (b.floorAreaM2 ?? 0), 0),
      buildings,
      ...(kind === 'vocational'
        ? {
            calendar: {
              plannedUse: [
                {
                  name: 'Pool top-up',
                  building: 'natatorium',
                  rules: ['water.after_hours_flow', 'water.continuous_flow', 'water.night_flow'],
                  weekly: { sat: ['06:00-12:00'] },
                },
              ],
            },
          }
        : {}),
    })
  }
  return {
    version: 1,
    district: { id: 'generated', name: `Generated district of ${o.schools} schools` },
    ...(demo.defaults ? { defaults: demo.defaults } : {}),
    schools,
  }
}
