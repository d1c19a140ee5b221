/**
 * The registry and calendar, declared once. Validation, defaults, TypeScript types and the
 * documentation in docs/configuration.md all come from these schemas.
 */
import Type, { type Static } from 'typebox'
import { ENERGY_CATEGORY_IDS, SUB_ITEM_IDS } from '../classification.js'
import { LOCALES } from '../i18n/index.js'
import { METER_KINDS } from '../kinds.js'

import {
  BUILDING_CODE,
  CHANNEL_NAME,
  CLOCK_TIME,
  CURRENCY,
  DATA_CENTRE_ID,
  DEVICE_ID,
  EMAIL,
  ENV_NAME,
  HTTP_URL,
  LOCAL_DATE,
  LOCAL_DATE_TIME,
  MONTH_DAY,
  PHONE,
  RULE_ID,
  RULE_OR_FAMILY,
  SCHOOL_ID,
  TIME_RANGE,
} from './patterns.js'

export { DEVICE_ID, SCHOOL_ID } from './patterns.js'

const SchoolId = Type.String({ pattern: SCHOOL_ID, description: 'lower-case letters, digits and dashes' })
const DeviceId = Type.String({ pattern: DEVICE_ID, description: 'letters, digits, _ . -' })
const Name = Type.String({ minLength: 1, maxLength: 200 })

export const TimeRange = Type.String({
  pattern: TIME_RANGE,
  description: 'local time range HH:MM-HH:MM; an end at or before the start runs past midnight',
})
const LocalDate = Type.String({ pattern: LOCAL_DATE, description: 'local date YYYY-MM-DD' })
const LocalDateTime = Type.String({
  pattern: LOCAL_DATE_TIME,
  description: 'local date and time YYYY-MM-DDTHH:MM',
})
const MonthDay = Type.String({ pattern: MONTH_DAY, description: 'MM-DD' })
const DayHours = Type.Array(TimeRange, { description: 'time ranges of one weekday' })

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export const WeeklyHours = Type.Object(
  Object.fromEntries(WEEKDAYS.map((d) => [d, Type.Optional(DayHours)])) as Record<
    (typeof WEEKDAYS)[number],
    Type.TOptional<typeof DayHours>
  >,
  { additionalProperties: false, description: 'hours per weekday; a day left out has none' },
)

const Period = Type.Object(
  { name: Type.Optional(Name), start: LocalDate, end: LocalDate },
  { additionalProperties: false, description: 'inclusive local dates' },
)

/** Per-rule parameter overrides, keyed by rule id; the rules engine validates the parameters. */
const RuleOverrides = Type.Record(
  Type.String({ pattern: RULE_ID }),
  Type.Union([Type.Boolean(), Type.Record(Type.String(), Type.Unknown())]),
  { description: 'rule id → false to switch the rule off, or an object of parameter overrides' },
)

export const PlannedUse = Type.Object(
  {
    name: Name,
    building: Type.Optional(DeviceId),
    meters: Type.Optional(Type.Array(DeviceId)),
    rules: Type.Optional(
      Type.Array(Type.String(), { description: 'rule ids suppressed; all when left out' }),
    ),
    start: Type.Optional(LocalDateTime),
    end: Type.Optional(LocalDateTime),
    weekly: Type.Optional(WeeklyHours),
  },
  {
    additionalProperties: false,
    description: 'a window of planned use (pool filling, irrigation) during which rules are suppressed',
  },
)

export const Calendar = Type.Object(
  {
    weeklyHours: Type.Optional(WeeklyHours),
    terms: Type.Optional(Type.Array(Period)),
    holidays: Type.Optional(Type.Array(Period)),
    heatingSeason: Type.Optional(
      Type.Object({ start: MonthDay, end: MonthDay }, { additionalProperties: false }),
    ),
    plannedUse: Type.Optional(Type.Array(PlannedUse)),
  },
  { additionalProperties: false },
)

const UTILITY_NAMES = ['water', 'electricity', 'heat'] as const
const BaselinePeriod = Type.Object(
  { from: LocalDate, to: LocalDate },
  {
    additionalProperties: false,
    description: 'the fixed baseline period, inclusive local dates (12 months: CalTRACK fits on 365 days)',
  },
)
const UtilitySavings = Type.Object(
  {
    baseline: Type.Optional(BaselinePeriod),
    programmeStart: Type.Optional(
      Type.String({
        pattern: LOCAL_DATE,
        description: 'the baseline is the 12 months before this local date YYYY-MM-DD',
      }),
    ),
  },
  { additionalProperties: false, description: "this utility's own baseline, in place of the school's" },
)

export const Savings = Type.Object(
  {
    baseline: Type.Optional(BaselinePeriod),
    programmeStart: Type.Optional(
      Type.String({
        pattern: LOCAL_DATE,
        description: 'the baseline is the 12 months before this local date YYYY-MM-DD',
      }),
    ),
    interventions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Name,
            start: LocalDate,
            end: Type.Optional(
              Type.String({
                pattern: LOCAL_DATE,
                description: 'last day of the works, YYYY-MM-DD (default: the start)',
              }),
            ),
            utilities: Type.Optional(
              Type.Array(Type.Enum([...UTILITY_NAMES]), {
                description: 'the utilities it touches (default: all)',
              }),
            ),
          },
          {
            additionalProperties: false,
            description:
              'a change made on purpose (new boiler, LED lighting, a campaign): its days, start to end, are a ' +
              'blackout that neither trains the baseline model nor counts as savings',
          },
        ),
      ),
    ),
    water: Type.Optional(UtilitySavings),
    electricity: Type.Optional(UtilitySavings),
    heat: Type.Optional(UtilitySavings),
  },
  {
    additionalProperties: false,
    description:
      'monthly savings: the fixed baseline period (default: the first 12 complete months of data) and the ' +
      'interventions',
  },
)

const UtilityQuota = Type.Object(
  {
    year: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "the calendar year's quota, m³ (water) or kWh" }),
    ),
    term: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "each term's quota, m³ or kWh" })),
    terms: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Number({ exclusiveMinimum: 0 }), {
        description: "one term's quota by the term's name or start date (YYYY-MM-DD), over `term`",
      }),
    ),
  },
  { additionalProperties: false },
)

/** Consumption quotas (能耗定额) per utility, watched against a projection to the period's end. */
export const Quotas = Type.Object(
  {
    water: Type.Optional(UtilityQuota),
    electricity: Type.Optional(UtilityQuota),
    heat: Type.Optional(UtilityQuota),
  },
  { additionalProperties: false, description: 'consumption quotas per utility (docs/reporting.md)' },
)

const Email = Type.String({ pattern: EMAIL, description: 'an e-mail address' })
export const ROLES = ['maintenance', 'facilities', 'escalation'] as const

/**
 * A person notifications reach: by e-mail, and by name in the group robots, @-mentioned there
 * while on duty. The older form, a bare e-mail address, is still a contact.
 */
export const Contact = Type.Object(
  {
    name: Name,
    locale: Type.Optional(
      Type.Enum(LOCALES, {
        description: "the language of this person's e-mails; the school's when left out",
      }),
    ),
    email: Type.Optional(Email),
    phone: Type.Optional(
      Type.String({
        pattern: PHONE,
        description: 'mobile number, to @-mention in DingTalk and WeCom when no user id is given',
      }),
    ),
    ids: Type.Optional(
      Type.Record(Type.String({ pattern: CHANNEL_NAME }), Type.String({ minLength: 1, maxLength: 128 }), {
        description:
          'user id per group robot channel, to @-mention: wecom (userid), dingtalk (userId), feishu (open_id ou_…)',
      }),
    ),
    // When this person is on duty, in the school's local time; always, when left out.
    onDuty: Type.Optional(WeeklyHours),
  },
  { additionalProperties: false },
)
const ContactEntry = Type.Union([Email, Contact])

/** One configured target of a channel plugin (a group robot); the plugin checks it (notify/channels). */
const ChannelTargets = Type.Array(Type.Record(Type.String(), Type.Unknown()), {
  description: 'targets of one channel; each channel documents its keys',
})

export const Notifications = Type.Object(
  {
    contacts: Type.Optional(
      Type.Object(
        {
          maintenance: Type.Optional(Type.Array(ContactEntry, { description: 'leaks and heating faults' })),
          facilities: Type.Optional(
            Type.Array(ContactEntry, { description: 'waste, dorm appliances, meters' }),
          ),
          escalation: Type.Optional(
            Type.Array(ContactEntry, { description: 'critical incidents nobody acknowledged in 15 min' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    channels: Type.Optional(
      Type.Record(Type.String({ pattern: CHANNEL_NAME }), ChannelTargets, {
        description:
          'group robots and other channels by name (wecom, dingtalk, feishu): a list of targets each',
      }),
    ),
    routes: Type.Optional(
      Type.Record(
        Type.String({ pattern: RULE_OR_FAMILY }),
        Type.Array(Type.Enum(['maintenance', 'facilities'])),
        {
          description: 'rule id or prefix (water.*) → who is told by e-mail; overrides the built-in routing',
        },
      ),
    ),
    webhooks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            url: Type.String({ pattern: HTTP_URL }),
            name: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 100,
                description: 'who reads it (the links it is sent)',
              }),
            ),
            secret: Type.Optional(
              Type.String({ description: 'HMAC-SHA256 key for the X-Schoolmeter-Signature header' }),
            ),
            secretEnv: Type.Optional(
              Type.String({
                pattern: ENV_NAME,
                description: 'take the secret from this environment variable',
              }),
            ),
            rules: Type.Optional(
              Type.Array(Type.String(), { description: 'rule ids or prefixes (water.*); all when left out' }),
            ),
            minSeverity: Type.Optional(Type.Enum(['info', 'warning', 'critical'])),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    mqtt: Type.Optional(
      Type.Boolean({ description: 'publish every transition on schools/{school}/alerts (default true)' }),
    ),
    digest: Type.Optional(
      Type.Object(
        {
          at: Type.String({
            pattern: CLOCK_TIME,
            default: '07:30',
            description: 'local time of the daily e-mail',
          }),
          rules: Type.Optional(
            Type.Array(Type.String(), {
              description: 'rules whose e-mails wait for the digest (default: the waste rules)',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'send non-urgent waste alerts as one daily e-mail instead of one each',
        },
      ),
    ),
  },
  { additionalProperties: false },
)

export const DEFAULT_WEEKLY_HOURS: Static<typeof WeeklyHours> = {
  mon: ['07:00-18:00'],
  tue: ['07:00-18:00'],
  wed: ['07:00-18:00'],
  thu: ['07:00-18:00'],
  fri: ['07:00-18:00'],
}
export const DEFAULT_HEATING_SEASON = { start: '11-01', end: '03-31' }
export const DEFAULT_TIMEZONE = 'Asia/Shanghai'

export const BUILDING_USES = [
  'teaching',
  'dormitory',
  'canteen',
  'gym',
  'pool',
  'office',
  'library',
  'workshop',
  'laboratory',
  'boiler_house',
  'other',
] as const
export const SPACE_USES = [
  'dorm_room',
  'classroom',
  'office',
  'kitchen',
  'laboratory',
  'toilet',
  'plant_room',
  'other',
] as const

export const Meter = Type.Object(
  {
    id: DeviceId,
    kind: Type.Enum([...METER_KINDS]),
    name: Type.Optional(Name),
    space: Type.Optional(DeviceId),
    parent: Type.Optional(
      Type.String({
        pattern: DEVICE_ID,
        description: 'the meter this one is a sub-meter of; whole-school totals count top-level meters only',
      }),
    ),
    placement: Type.Optional(
      Type.Enum(['room', 'outdoor', 'pipe', 'supply'], { description: 'where a temperature sensor sits' }),
    ),
    registerDigits: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 15,
        description: 'integer digits of the register; it rolls over at 10^digits',
      }),
    ),
    nominalFlowM3h: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'water meter permanent flow Q3, m³/h' }),
    ),
    maxFlowM3h: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'water meter overload flow Q4, m³/h (default 1.25 × Q3)',
      }),
    ),
    maxPowerKw: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'largest plausible power of an electricity or heat meter',
      }),
    ),
    intervalSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86400,
        description: 'expected reporting interval, s',
        default: 60,
      }),
    ),
    tariff: Type.Optional(Type.Number({ minimum: 0, description: 'price per m³ or kWh' })),
    category: Type.Optional(
      Type.Enum([...ENERGY_CATEGORY_IDS], {
        description: 'energy category (分类能耗) of the national guideline; default from the kind',
      }),
    ),
    subItem: Type.Optional(
      Type.Enum([...SUB_ITEM_IDS], {
        description:
          'electricity sub-item (分项), level 0 or 1; sub-meters without one count under the nearest meter above that has one',
      }),
    ),
    supplySetpointC: Type.Optional(Type.Number({ description: 'heating circuit supply setpoint, °C' })),
    rules: Type.Optional(RuleOverrides),
  },
  { additionalProperties: false },
)

export const Space = Type.Object(
  {
    id: DeviceId,
    name: Type.Optional(Name),
    use: Type.Enum([...SPACE_USES]),
    appliancePolicy: Type.Optional(
      Type.Enum(['restricted', 'allowed'], {
        description: 'restricted: high-power appliances are forbidden',
      }),
    ),
    roomLimitW: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'total power limit of the room, W' }),
    ),
    rules: Type.Optional(RuleOverrides),
  },
  { additionalProperties: false },
)

export const Occupancy = Type.Object(
  {
    weeklyHours: Type.Optional(WeeklyHours),
    outsideTerm: Type.Optional(Type.Boolean({ description: 'occupied outside terms too (staff housing)' })),
    quietHours: Type.Optional(TimeRange),
  },
  { additionalProperties: false, description: 'replaces the school hours for this building' },
)

export const Building = Type.Object(
  {
    id: DeviceId,
    name: Type.Optional(Name),
    use: Type.Enum([...BUILDING_USES]),
    floorAreaM2: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    code: Type.Optional(
      Type.String({
        pattern: BUILDING_CODE,
        description:
          'building code of the national energy platform: 6-digit administrative division, category letter A–H (D: education), 3-digit serial, e.g. 220112D001',
      }),
    ),
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    yearBuilt: Type.Optional(Type.Integer({ minimum: 1800, maximum: 2200 })),
    floorsAbove: Type.Optional(Type.Integer({ minimum: 0, maximum: 200 })),
    floorsBelow: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    heatedAreaM2: Type.Optional(Type.Number({ minimum: 0 })),
    cooledAreaM2: Type.Optional(Type.Number({ minimum: 0 })),
    occupancy: Type.Optional(Occupancy),
    spaces: Type.Optional(Type.Array(Space)),
    meters: Type.Optional(Type.Array(Meter)),
    rules: Type.Optional(RuleOverrides),
  },
  { additionalProperties: false },
)

const Tariffs = Type.Object(
  {
    water: Type.Optional(Type.Number({ minimum: 0, description: 'per m³' })),
    electricity: Type.Optional(Type.Number({ minimum: 0, description: 'per kWh' })),
    heat: Type.Optional(Type.Number({ minimum: 0, description: 'per kWh' })),
  },
  { additionalProperties: false },
)

export const School = Type.Object(
  {
    id: SchoolId,
    name: Name,
    timezone: Type.Optional(
      Type.String({ description: 'IANA time zone (default: defaults.timezone, else Asia/Shanghai)' }),
    ),
    pupils: Type.Optional(Type.Integer({ minimum: 0 })),
    floorAreaM2: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    locale: Type.Optional(
      Type.Enum(LOCALES, { description: "the school's language; the district's when left out" }),
    ),
    currency: Type.Optional(Type.String({ pattern: CURRENCY })),
    tariffs: Type.Optional(Tariffs),
    calendar: Type.Optional(Calendar),
    notifications: Type.Optional(Notifications),
    savings: Type.Optional(Savings),
    quotas: Type.Optional(Quotas),
    buildings: Type.Array(Building, { minItems: 1 }),
    rules: Type.Optional(RuleOverrides),
    shard: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'the worker shard that owns this school when the district runs sharded (SHARD=k/n); left out, a hash of the id decides (docs/scaling.md)',
      }),
    ),
  },
  { additionalProperties: false },
)

export const DistrictConfig = Type.Object(
  {
    version: Type.Optional(Type.Literal(1)),
    district: Type.Optional(
      Type.Object(
        {
          id: SchoolId,
          name: Name,
          locale: Type.Optional(
            Type.Enum(LOCALES, { description: 'language of every text the service writes (default zh-CN)' }),
          ),
          platform: Type.Optional(
            Type.Object(
              {
                dataCenterId: Type.String({
                  pattern: DATA_CENTRE_ID,
                  description: 'the 6-digit data-centre id the ministry assigned (names the daily package)',
                }),
                name: Type.Optional(Name),
                manager: Type.Optional(Type.String({ maxLength: 48 })),
                contact: Type.Optional(Type.String({ maxLength: 48 })),
                tel: Type.Optional(Type.String({ maxLength: 48 })),
                at: Type.Optional(
                  Type.String({
                    pattern: CLOCK_TIME,
                    description: "local time the previous day's package is written (default 01:30)",
                  }),
                ),
              },
              {
                additionalProperties: false,
                description: 'the daily data package for the provincial energy platform (docs/reporting.md)',
              },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    defaults: Type.Optional(
      Type.Object(
        {
          timezone: Type.Optional(Type.String()),
          currency: Type.Optional(Type.String({ pattern: CURRENCY })),
          tariffs: Type.Optional(Tariffs),
          calendar: Type.Optional(Calendar),
          notifications: Type.Optional(Notifications),
          savings: Type.Optional(Savings),
          quotas: Type.Optional(Quotas),
          rules: Type.Optional(RuleOverrides),
        },
        { additionalProperties: false, description: 'values every school takes unless it sets its own' },
      ),
    ),
    schools: Type.Array(School, { minItems: 1 }),
  },
  { additionalProperties: false },
)

export type DistrictConfig = Static<typeof DistrictConfig>
export type SchoolConfig = Static<typeof School>
export type BuildingConfig = Static<typeof Building>
export type SpaceConfig = Static<typeof Space>
export type MeterConfig = Static<typeof Meter>
export type CalendarConfig = Static<typeof Calendar>
export type WeeklyHoursConfig = Static<typeof WeeklyHours>
export type PlannedUseConfig = Static<typeof PlannedUse>
export type RuleOverridesConfig = Static<typeof RuleOverrides>
export type NotificationsConfig = Static<typeof Notifications>
export type SavingsConfig = Static<typeof Savings>
export type ContactConfig = Static<typeof Contact>
export type QuotasConfig = Static<typeof Quotas>
export type PlatformConfig = NonNullable<NonNullable<DistrictConfig['district']>['platform']>
