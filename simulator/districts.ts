/**
 * Generated districts of different kinds, each from a seed: a rural boarding primary school on
 * 15-second meters, an urban senior high school with evening self-study and Saturday classes, a
 * vocational school with workshops and a pool in Xinjiang's own time zone, day primary schools in
 * a mild climate without heating. Sizes, meters, rooms and calendars vary with the seed; each
 * comes with the sites of its schools (latitude, longitude, climate) and a fault plan.
 *
 * Built for evaluating the rules on schools they were not tuned to (`npm run evaluate`) and for
 * `npm run simulate -- --kind K`. The load-test generator (`--schools N`) is district.ts.
 */
import type {
  BuildingConfig,
  CalendarConfig,
  DistrictConfig,
  MeterConfig,
  NotificationsConfig,
  SchoolConfig,
  SpaceConfig,
} from '../core/config/schema.js'
import { Rng } from './random.js'
import type { Site } from './site.js'

export const DISTRICT_KINDS = ['rural-boarding', 'urban-senior', 'vocational', 'mild-primary'] as const
export type DistrictKind = (typeof DISTRICT_KINDS)[number]

export interface GeneratedDistrict {
  kind: DistrictKind
  config: DistrictConfig
  sites: Record<string, Site>
  /** A Monday in term time that suits the district (in the heating season where there is one), local midnight, ISO. */
  start: string
}

/** One sentence per kind, for --help and the docs. */
export const KIND_DESCRIPTIONS: Record<DistrictKind, string> = {
  'rural-boarding': 'rural boarding primary, Gansu 35.6 °N; 15-s meters in gateway batches',
  'urban-senior': 'senior high, Harbin 45.8 °N; self-study to 21:40, Saturday classes, a weekday holiday',
  vocational: 'vocational school, Urumqi on Xinjiang time (UTC+6); workshops, a pool, a dormitory',
  'mild-primary': 'two day primaries, Kunming 25 °N; no heating, irrigated grounds, evaluated in May',
}

const hhmm = (min: number) =>
  `${String(Math.floor(min / 60) % 24).padStart(2, '0')}:${String(Math.round(min % 60)).padStart(2, '0')}`

/** Builds one school's meters with a prefix, the way an installer's spreadsheet would. */
class Meters {
  constructor(
    private readonly prefix: string,
    private readonly rng: Rng,
    private readonly defaultInterval: number,
  ) {}

  private m(id: string, kind: MeterConfig['kind'], extra: Partial<MeterConfig>): MeterConfig {
    return {
      id: `${this.prefix}-${id}`,
      kind,
      ...(kind === 'water' || kind === 'electricity' ? { intervalSeconds: this.defaultInterval } : {}),
      ...extra,
      ...(extra.parent ? { parent: `${this.prefix}-${extra.parent}` } : {}),
    }
  }

  water(id: string, q3: number, o: { parent?: string; space?: string; name?: string } = {}): MeterConfig {
    return this.m(id, 'water', { registerDigits: q3 >= 10 ? 6 : 5, nominalFlowM3h: q3, ...o })
  }

  electricity(id: string, kw: number, o: Partial<MeterConfig> = {}): MeterConfig {
    return this.m(id, 'electricity', { registerDigits: kw >= 200 ? 7 : 6, maxPowerKw: kw, ...o })
  }

  heat(id: string, kw: number, o: Partial<MeterConfig> = {}): MeterConfig {
    return this.m(id, 'heat', {
      registerDigits: 7,
      maxPowerKw: kw,
      supplySetpointC: Math.round(this.rng.uniform(55, 75)),
      intervalSeconds: 300,
      ...o,
    })
  }

  temperature(id: string, placement: 'room' | 'outdoor' | 'pipe', space?: string): MeterConfig {
    return this.m(id, 'temperature', { placement, intervalSeconds: 300, ...(space ? { space } : {}) })
  }
}

/** Dormitory rooms with their own meters: restricted appliances, a room limit. */
function dormRooms(n: number, floorRooms: number, limitW: number): SpaceConfig[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `r${Math.floor(i / floorRooms) + 1}${String((i % floorRooms) + 1).padStart(2, '0')}`
    return {
      id,
      name: `Room ${id.slice(1)}`,
      use: 'dorm_room',
      appliancePolicy: 'restricted',
      roomLimitW: limitW,
    }
  })
}

const weekdays = (hours: string[]) => ({ mon: hours, tue: hours, wed: hours, thu: hours, fri: hours })

/** Terms and holidays of 2026–27 for mainland China, with a school's own changes. */
function calendar(
  o: Partial<CalendarConfig> & { extraHolidays?: { name: string; start: string; end: string }[] },
) {
  const { extraHolidays, ...rest } = o
  return {
    terms: [
      { name: '2026 autumn', start: '2026-09-01', end: '2027-01-22' },
      { name: '2027 spring', start: '2027-02-22', end: '2027-07-02' },
    ],
    holidays: [
      { name: 'Mid-Autumn', start: '2026-09-25', end: '2026-09-27' },
      { name: 'National Day', start: '2026-10-01', end: '2026-10-07' },
      { name: 'New Year', start: '2027-01-01', end: '2027-01-03' },
      { name: 'Qingming', start: '2027-04-03', end: '2027-04-05' },
      { name: 'Labour Day', start: '2027-05-01', end: '2027-05-05' },
      ...(extraHolidays ?? []),
    ],
    ...rest,
  } satisfies CalendarConfig
}

/** Who hears of alerts: the school's maintenance and facilities staff, and its group chat robot. */
function notifications(school: string): NotificationsConfig {
  return {
    contacts: {
      maintenance: [`repairs@${school}.edu.example`],
      facilities: [`logistics@${school}.edu.example`],
      escalation: [`head@${school}.edu.example`],
    },
    webhooks: [{ url: `https://qyapi.weixin.example/cgi-bin/webhook/send?key=${school}` }],
  }
}

/** A canteen with its own water and electricity sub-meters. */
function canteen(
  m: Meters,
  areaM2: number,
  waterQ3: number,
  kw: number,
  electricityId = 'E-CANTEEN',
): BuildingConfig {
  return {
    id: 'canteen',
    name: '食堂 (Canteen)',
    use: 'canteen',
    floorAreaM2: Math.round(areaM2),
    meters: [
      m.water('W-CANTEEN', waterQ3, { parent: 'W-MAIN' }),
      m.electricity(electricityId, kw, { parent: 'E-MAIN' }),
    ],
  }
}

/**
 * A dormitory whose boarders arrive on Sunday, sleep in on the nights given, and leave in the
 * morning; its rooms metered one by one under the dormitory's own meters.
 */
function dormitory(
  m: Meters,
  o: {
    name: string
    areaM2: number
    sunday: string
    evening: string
    leave: string
    nights: readonly ('mon' | 'tue' | 'wed' | 'thu' | 'fri')[]
    quietHours: string
    rooms: SpaceConfig[]
    waterQ3: number
    kw: number
    roomIntervalSeconds?: number
    heatKw: number
  },
): BuildingConfig {
  return {
    id: 'dorm',
    name: o.name,
    use: 'dormitory',
    floorAreaM2: Math.round(o.areaM2),
    occupancy: {
      weeklyHours: {
        sun: [`${o.sunday}-${o.leave}`],
        ...Object.fromEntries(o.nights.map((d) => [d, [`${o.evening}-${o.leave}`]])),
      },
      quietHours: o.quietHours,
    },
    spaces: o.rooms,
    meters: [
      m.water('W-DORM', o.waterQ3, { parent: 'W-MAIN' }),
      m.electricity('E-DORM', o.kw, { parent: 'E-MAIN' }),
      ...o.rooms.map((s) =>
        m.electricity(`E-${s.id.toUpperCase()}`, 8, {
          parent: 'E-DORM',
          space: s.id,
          registerDigits: 5,
          ...(o.roomIntervalSeconds ? { intervalSeconds: o.roomIntervalSeconds } : {}),
        }),
      ),
      m.heat('H-DORM', o.heatKw),
    ],
  }
}

function ruralBoarding(rng: Rng): GeneratedDistrict {
  const id = 'liujiazhen-central'
  const m = new Meters('LJ', rng, 15)
  const pupils = Math.round(rng.uniform(380, 620))
  const rooms = rng.int(14, 18)
  const spaces = dormRooms(rooms, 8, rng.pick([800, 1000, 1200]))
  const dormArea = Math.round(rooms * rng.uniform(180, 240))
  const buildings: BuildingConfig[] = [
    {
      id: 'teaching',
      name: '教学楼 (Teaching block)',
      use: 'teaching',
      floorAreaM2: Math.round(rng.uniform(3200, 4800)),
      spaces: [
        { id: 'wc', name: 'Toilets', use: 'toilet' },
        { id: 'c1', name: 'Grade 1 classroom', use: 'classroom' },
        { id: 'c4', name: 'Grade 4 classroom', use: 'classroom' },
        { id: 'c6', name: 'Grade 6 classroom', use: 'classroom' },
      ],
      meters: [
        m.water('W-MAIN', rng.pick([10, 16]), { name: 'Water main' }),
        m.water('W-WC', 6.3, { parent: 'W-MAIN', space: 'wc', name: 'Toilet block' }),
        m.electricity('E-MAIN', rng.pick([250, 315]), { name: 'Incomer' }),
        m.heat('H-TEACH', 400),
        m.temperature('T-OUT', 'outdoor'),
        m.temperature('T-C1', 'room', 'c1'),
        m.temperature('T-C4', 'room', 'c4'),
        m.temperature('T-C6', 'room', 'c6'),
      ],
    },
    {
      id: 'dorm',
      name: '学生宿舍 (Boarders’ dormitory)',
      use: 'dormitory',
      floorAreaM2: dormArea,
      occupancy: {
        weeklyHours: {
          sun: ['17:30-07:40'],
          mon: ['17:30-07:40'],
          tue: ['17:30-07:40'],
          wed: ['17:30-07:40'],
          thu: ['17:30-07:40'],
        },
        quietHours: '21:30-06:10',
      },
      spaces: [...spaces, { id: 'washroom', name: 'Washroom and showers', use: 'toilet' }],
      meters: [
        // A DN32 meter: 20 % of its Q3 is 21 L/min, less than a shower evening draws.
        m.water('W-DORM', 6.3, { parent: 'W-MAIN', name: 'Dormitory water' }),
        m.electricity('E-DORM', 100, { parent: 'E-MAIN', name: 'Dormitory' }),
        ...spaces.map((s) =>
          m.electricity(`E-${s.id.toUpperCase()}`, 6, { parent: 'E-DORM', space: s.id, registerDigits: 5 }),
        ),
        m.heat('H-DORM', 250),
        m.temperature(`T-${spaces[0]!.id.toUpperCase()}`, 'room', spaces[0]!.id),
        m.temperature(`T-${spaces[rooms - 1]!.id.toUpperCase()}`, 'room', spaces[rooms - 1]!.id),
      ],
    },
    canteen(m, rng.uniform(500, 800), 4, 120, 'E-KITCHEN'),
    {
      id: 'boilers',
      name: '锅炉房 (Boiler house)',
      use: 'boiler_house',
      floorAreaM2: 120,
      meters: [
        m.electricity('E-BOILER', 40, { parent: 'E-MAIN', name: 'Boiler burner and pumps' }),
        m.water('W-BOILER', 2.5, { parent: 'W-MAIN', name: 'Boiler make-up water' }),
        m.temperature('T-PIPES', 'pipe'),
      ],
    },
  ]
  const school: SchoolConfig = {
    id,
    name: '柳家镇中心小学 (Liujiazhen Central Primary School)',
    pupils,
    buildings,
    calendar: calendar({
      weeklyHours: weekdays(['07:40-17:30']),
      heatingSeason: { start: '11-01', end: '03-31' },
    }),
    notifications: notifications(id),
  }
  return {
    kind: 'rural-boarding',
    config: district('rural-boarding', '定西市安定区教育局 (Anding District Education Bureau)', [school]),
    sites: {
      [id]: {
        latitude: 35.58 + rng.uniform(-0.4, 0.4),
        longitude: 104.6 + rng.uniform(-0.5, 0.5),
        climate: { meanC: 7, seasonalAmplitudeC: 13, diurnalAmplitudeC: 7, frontsSdC: 3 },
      },
    },
    start: '2026-12-07T00:00:00+08:00',
  }
}

function urbanSenior(rng: Rng): GeneratedDistrict {
  const id = 'harbin-no3-senior'
  const m = new Meters('HS', rng, 60)
  const rooms = rng.int(8, 12)
  const spaces = dormRooms(rooms, 10, 1500)
  const block = (letter: string, area: number): BuildingConfig => ({
    id: `block-${letter.toLowerCase()}`,
    name: `教学楼${letter} (Teaching block ${letter})`,
    use: 'teaching',
    floorAreaM2: area,
    spaces: [
      { id: `wc-${letter.toLowerCase()}`, name: `Block ${letter} toilets`, use: 'toilet' },
      { id: `${letter.toLowerCase()}201`, name: `Classroom ${letter}201`, use: 'classroom' },
      { id: `${letter.toLowerCase()}401`, name: `Classroom ${letter}401`, use: 'classroom' },
    ],
    meters: [
      ...(letter === 'A'
        ? [
            m.water('W-MAIN', 25, { name: 'Water main' }),
            m.electricity('E-MAIN', 800, { name: 'Incomer' }),
            m.temperature('T-OUT', 'outdoor'),
          ]
        : [m.electricity(`E-${letter}`, 250, { parent: 'E-MAIN' })]),
      m.water(`W-WC-${letter}`, 6.3, { parent: 'W-MAIN', space: `wc-${letter.toLowerCase()}` }),
      m.heat(`H-${letter}`, Math.round(area * 0.09)),
      m.temperature(`T-${letter}201`, 'room', `${letter.toLowerCase()}201`),
      m.temperature(`T-${letter}401`, 'room', `${letter.toLowerCase()}401`),
    ],
  })
  const buildings: BuildingConfig[] = [
    block('A', Math.round(rng.uniform(9000, 12_000))),
    block('B', Math.round(rng.uniform(7000, 9000))),
    {
      id: 'science',
      name: '实验楼 (Science building)',
      use: 'laboratory',
      floorAreaM2: Math.round(rng.uniform(4000, 6000)),
      meters: [
        m.electricity('E-SCI', 200, { parent: 'E-MAIN' }),
        m.water('W-SCI', 6.3, { parent: 'W-MAIN' }),
        m.heat('H-SCI', 450),
        m.temperature('T-SCI', 'room'),
      ],
    },
    {
      id: 'hall',
      name: '体艺馆 (Sports and arts hall)',
      use: 'gym',
      floorAreaM2: Math.round(rng.uniform(3000, 4500)),
      meters: [
        m.electricity('E-HALL', 160, { parent: 'E-MAIN' }),
        m.water('W-HALL', 6.3, { parent: 'W-MAIN' }),
        m.heat('H-HALL', 350),
        m.temperature('T-HALL', 'room'),
      ],
    },
    canteen(m, rng.uniform(2000, 3000), 10, 250),
    dormitory(m, {
      name: '学生公寓 (Student apartments)',
      areaM2: rooms * rng.uniform(200, 260),
      sunday: '16:00',
      evening: '21:45',
      leave: '06:20',
      nights: ['mon', 'tue', 'wed', 'thu', 'fri'],
      quietHours: '22:30-06:00',
      rooms: spaces,
      waterQ3: 6.3,
      kw: 80,
      roomIntervalSeconds: 10,
      heatKw: 200,
    }),
  ]
  const concertEnd = rng.pick(['21:00', '21:30'])
  const school: SchoolConfig = {
    id,
    name: '哈尔滨市第三中学 (Harbin No. 3 Senior High School)',
    pupils: Math.round(rng.uniform(2200, 3000)),
    buildings,
    calendar: calendar({
      // Evening self-study until 21:40; Saturday-morning classes for the senior years.
      weeklyHours: { ...weekdays(['06:50-21:40']), sat: ['07:30-12:00'] },
      heatingSeason: { start: '10-20', end: '04-20' },
      extraHolidays: [{ name: '校庆 (School anniversary)', start: '2026-11-25', end: '2026-11-25' }],
      plannedUse: [
        {
          name: 'Winter concert',
          building: 'hall',
          rules: ['electricity.after_hours', 'water.after_hours_flow', 'heat.unoccupied_heating'],
          start: '2026-11-28T18:30',
          end: `2026-11-28T${concertEnd}`,
        },
        {
          name: 'Indoor sports meet',
          building: 'hall',
          rules: ['electricity.after_hours', 'water.after_hours_flow', 'heat.unoccupied_heating'],
          start: '2026-12-05T08:00',
          end: '2026-12-05T17:00',
        },
      ],
    }),
    notifications: notifications(id),
  }
  return {
    kind: 'urban-senior',
    config: district('urban-senior', '哈尔滨市南岗区教育局 (Nangang District Education Bureau)', [school]),
    sites: {
      [id]: {
        latitude: 45.75 + rng.uniform(-0.1, 0.1),
        longitude: 126.63 + rng.uniform(-0.1, 0.1),
        climate: { meanC: 4.5, seasonalAmplitudeC: 21, diurnalAmplitudeC: 5, frontsSdC: 4 },
        irrigated: false,
      },
    },
    start: '2026-11-09T00:00:00+08:00',
  }
}

function vocational(rng: Rng): GeneratedDistrict {
  const id = 'urumqi-vocational'
  const m = new Meters('UV', rng, 60)
  const rooms = rng.int(8, 12)
  const spaces = dormRooms(rooms, 8, 1000)
  const buildings: BuildingConfig[] = [
    {
      id: 'teaching',
      name: '教学楼 (Teaching block)',
      use: 'teaching',
      floorAreaM2: Math.round(rng.uniform(8000, 11_000)),
      spaces: [
        { id: 'wc', name: 'Toilets', use: 'toilet' },
        { id: 't305', name: 'Classroom 305', use: 'classroom' },
      ],
      meters: [
        m.water('W-MAIN', 25, { name: 'Water main' }),
        m.water('W-WC', 6.3, { parent: 'W-MAIN', space: 'wc' }),
        m.electricity('E-MAIN', 1000, { name: 'Incomer' }),
        m.electricity('E-TEACH', 250, { parent: 'E-MAIN' }),
        m.heat('H-TEACH', 900),
        m.temperature('T-OUT', 'outdoor'),
        m.temperature('T-305', 'room', 't305'),
      ],
    },
    {
      id: 'workshops',
      name: '实训楼 (Workshops)',
      use: 'workshop',
      floorAreaM2: Math.round(rng.uniform(6000, 9000)),
      spaces: [
        { id: 'weld', name: 'Welding bay', use: 'laboratory' },
        { id: 'cnc', name: 'CNC machining', use: 'laboratory' },
      ],
      meters: [
        m.electricity('E-WORKSHOP', 500, { parent: 'E-MAIN' }),
        m.electricity('E-CNC', 160, { parent: 'E-WORKSHOP', space: 'cnc' }),
        m.electricity('E-WELD', 200, { parent: 'E-WORKSHOP', space: 'weld' }),
        m.water('W-WORKSHOP', 6.3, { parent: 'W-MAIN' }),
        m.heat('H-WORKSHOP', 600),
        m.temperature('T-WELD', 'room', 'weld'),
        m.temperature('T-CNC', 'room', 'cnc'),
      ],
    },
    {
      id: 'natatorium',
      name: '游泳馆 (Pool hall)',
      use: 'pool',
      floorAreaM2: Math.round(rng.uniform(2500, 3500)),
      meters: [
        m.water('W-POOL', 10, { parent: 'W-MAIN' }),
        m.electricity('E-POOL', 120, { parent: 'E-MAIN', name: 'Pool pumps and hall' }),
        m.heat('H-POOL', 400),
        m.temperature('T-POOL', 'room'),
      ],
    },
    canteen(m, rng.uniform(1500, 2200), 6.3, 200),
    dormitory(m, {
      name: '学生宿舍 (Dormitory)',
      areaM2: rooms * rng.uniform(220, 300),
      sunday: '18:00',
      evening: '18:30',
      leave: '08:00',
      nights: ['mon', 'tue', 'wed', 'thu'],
      quietHours: '23:00-07:00',
      rooms: spaces,
      waterQ3: 10,
      kw: 120,
      roomIntervalSeconds: 10,
      heatKw: 300,
    }),
  ]
  const school: SchoolConfig = {
    id,
    name: '乌鲁木齐职业技术学校 (Urumqi Vocational and Technical School)',
    timezone: 'Asia/Urumqi',
    pupils: Math.round(rng.uniform(1800, 2600)),
    buildings,
    calendar: calendar({
      // Local (Xinjiang) time: the day starts two hours of Beijing time later.
      weeklyHours: weekdays(['08:30-18:30']),
      heatingSeason: { start: '10-15', end: '04-15' },
      plannedUse: [
        {
          name: 'Pool top-up',
          building: 'natatorium',
          rules: ['water.after_hours_flow', 'water.continuous_flow', 'water.night_flow'],
          weekly: { sat: [`${hhmm(rng.pick([360, 420]))}-12:00`] },
        },
      ],
    }),
    notifications: notifications(id),
  }
  return {
    kind: 'vocational',
    config: district('vocational', '乌鲁木齐市教育局 (Urumqi Education Bureau)', [school]),
    sites: {
      [id]: {
        latitude: 43.8 + rng.uniform(-0.1, 0.1),
        longitude: 87.6 + rng.uniform(-0.15, 0.15),
        climate: { meanC: 7, seasonalAmplitudeC: 20, diurnalAmplitudeC: 6, frontsSdC: 4 },
      },
    },
    start: '2027-03-08T00:00:00+06:00',
  }
}

function mildPrimary(rng: Rng): GeneratedDistrict {
  const schools: SchoolConfig[] = []
  const sites: Record<string, Site> = {}
  for (const [id, prefix, name] of [
    ['cuihu-primary', 'CH', '翠湖小学 (Cuihu Primary School)'],
    ['dianchi-primary', 'DC', '滇池路小学 (Dianchi Road Primary School)'],
  ] as const) {
    const m = new Meters(prefix, rng, 60)
    const blocks = rng.int(2, 3)
    const buildings: BuildingConfig[] = []
    for (let b = 1; b <= blocks; b++) {
      const first = b === 1
      buildings.push({
        id: `block-${b}`,
        name: `${b}号教学楼 (Teaching block ${b})`,
        use: 'teaching',
        floorAreaM2: Math.round(rng.uniform(2500, 4000)),
        spaces: [
          { id: `wc-${b}`, name: `Block ${b} toilets`, use: 'toilet' },
          { id: `c${b}01`, name: `Classroom ${b}01`, use: 'classroom' },
          { id: `c${b}05`, name: `Classroom ${b}05`, use: 'classroom' },
        ],
        meters: [
          ...(first
            ? [
                m.water('W-MAIN', 16, { name: 'Water main' }),
                m.electricity('E-MAIN', 250, { name: 'Incomer' }),
                m.temperature('T-OUT', 'outdoor'),
              ]
            : []),
          m.electricity(`E-B${b}`, 100, { parent: 'E-MAIN' }),
          m.water(`W-WC${b}`, 6.3, { parent: 'W-MAIN', space: `wc-${b}` }),
          m.temperature(`T-C${b}01`, 'room', `c${b}01`),
          m.temperature(`T-C${b}05`, 'room', `c${b}05`),
        ],
      })
    }
    buildings.push(canteen(m, rng.uniform(600, 1000), 4, 100), {
      id: 'office',
      name: '综合楼 (Offices and library)',
      use: 'office',
      floorAreaM2: Math.round(rng.uniform(1200, 2000)),
      meters: [
        m.electricity('E-OFFICE', 80, { parent: 'E-MAIN' }),
        m.water('W-OFFICE', 2.5, { parent: 'W-MAIN' }),
        m.temperature('T-OFFICE', 'room'),
      ],
    })
    schools.push({
      id,
      name,
      pupils: Math.round(rng.uniform(900, 1600)),
      buildings,
      calendar: calendar({ weeklyHours: weekdays([rng.pick(['07:50-17:00', '08:00-17:10'])]) }),
      notifications: notifications(id),
    })
    sites[id] = {
      latitude: 25.04 + rng.uniform(-0.05, 0.05),
      longitude: 102.71 + rng.uniform(-0.05, 0.05),
      climate: { meanC: 15.5, seasonalAmplitudeC: 5.5, diurnalAmplitudeC: 6, frontsSdC: 2 },
      irrigated: true,
    }
  }
  return {
    kind: 'mild-primary',
    config: district('mild-primary', '昆明市五华区教育体育局 (Wuhua District Education Bureau)', schools),
    sites,
    start: '2027-05-10T00:00:00+08:00',
  }
}

function district(kind: DistrictKind, name: string, schools: SchoolConfig[]): DistrictConfig {
  return {
    version: 1,
    district: { id: `generated-${kind}`, name, locale: 'zh-CN' },
    defaults: {
      timezone: 'Asia/Shanghai',
      currency: 'CNY',
      tariffs: { water: 4.6, electricity: 0.68, heat: 0.3 },
    },
    schools,
  }
}

const GENERATORS: Record<DistrictKind, (rng: Rng) => GeneratedDistrict> = {
  'rural-boarding': ruralBoarding,
  'urban-senior': urbanSenior,
  vocational,
  'mild-primary': mildPrimary,
}

/** A district of a kind: the same kind and seed give the same district. */
export function generateKind(kind: DistrictKind, seed: string): GeneratedDistrict {
  return GENERATORS[kind](new Rng(`${seed}|district|${kind}`))
}
