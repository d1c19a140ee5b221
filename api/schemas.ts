/** HTTP response shapes, declared once: they validate nothing inbound but serialise and document. */
import Type from 'typebox'
import { MONTH, TOKEN_ID } from '../core/config/patterns.js'
import { BUILDING_USES, SPACE_USES } from '../core/config/schema.js'
import { METER_KINDS } from '../core/kinds.js'
import { ROLES } from '../store/index.js'

export const ErrorBody = Type.Object(
  { error: Type.String(), message: Type.String() },
  { $id: 'Error', description: 'every error: a code and a sentence saying what to do' },
)

const Part = Type.Object({ ok: Type.Boolean(), detail: Type.String() })

export const Health = Type.Object({
  status: Type.Enum(['ok', 'unhealthy']),
  failing: Type.Array(Type.String(), { description: 'names of the parts that are not healthy' }),
  parts: Type.Object({ ingest: Part, store: Part, influx: Part }),
  archive: Type.Boolean({ description: 'whether raw readings are archived to InfluxDB' }),
  uptimeSeconds: Type.Number(),
  version: Type.String(),
  message: Type.Optional(
    Type.String({
      description:
        "what a person should know or do when something needs them (e.g. a full disk), in the Accept-Language's language or the district's",
    }),
  ),
})

export const LastReading = Type.Object({
  ts: Type.String({ description: 'event time, ISO-8601 in the school time zone' }),
  receivedAt: Type.String(),
  estimated: Type.Boolean(),
  values: Type.Record(Type.String(), Type.Number()),
  used: Type.Optional(Type.Number({ description: 'consumption since the previous reading' })),
  usedUnit: Type.Optional(Type.Enum(['L', 'kWh'])),
})

export const MeterView = Type.Object(
  {
    id: Type.String(),
    kind: Type.Enum([...METER_KINDS]),
    name: Type.Optional(Type.String()),
    school: Type.String(),
    building: Type.String(),
    space: Type.Optional(Type.String()),
    parent: Type.Optional(Type.String()),
    intervalSeconds: Type.Integer(),
    registerDigits: Type.Optional(Type.Integer()),
    nominalFlowM3h: Type.Optional(Type.Number()),
    tariff: Type.Optional(Type.Number()),
    status: Type.Enum(['ok', 'offline', 'never_reported'], {
      description:
        'offline: nothing for max(3 × interval, 15 min) by the wall clock, or as the meter.offline rule is set for the meter in the registry',
    }),
    readings: Type.Integer({ description: 'readings accepted since the database was created' }),
    lastReading: Type.Optional(LastReading),
  },
  { $id: 'Meter' },
)

export const SpaceView = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String()),
  use: Type.Enum([...SPACE_USES]),
  appliancePolicy: Type.Optional(Type.String()),
  roomLimitW: Type.Optional(Type.Number()),
})

export const BuildingView = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String()),
  use: Type.Enum([...BUILDING_USES]),
  floorAreaM2: Type.Optional(Type.Number()),
  spaces: Type.Array(SpaceView),
  meters: Type.Array(Type.Ref('Meter')),
})

const SchoolFields = {
  id: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  pupils: Type.Optional(Type.Integer()),
  floorAreaM2: Type.Optional(Type.Number()),
  meters: Type.Object({
    total: Type.Integer(),
    ok: Type.Integer(),
    offline: Type.Integer(),
    neverReported: Type.Integer(),
  }),
}

export const SchoolSummary = Type.Object(SchoolFields)
export const SchoolDetail = Type.Object({ ...SchoolFields, buildings: Type.Array(BuildingView) })

export const SchoolParams = Type.Object({ school: Type.String({ maxLength: 64 }) })
export const MeterParams = Type.Object({ meter: Type.String({ maxLength: 128 }) })

export const AlertBody = Type.Object(
  {
    id: Type.Integer(),
    school: Type.String(),
    building: Type.String(),
    meter: Type.String(),
    space: Type.Optional(Type.String()),
    rule: Type.String(),
    severity: Type.Enum(['info', 'warning', 'critical']),
    status: Type.Enum(['open', 'acknowledged', 'resolved']),
    openedAt: Type.String({
      description: 'event time of the reading that raised it, ISO-8601 with the school offset',
    }),
    lastSeenAt: Type.String(),
    acknowledgedAt: Type.Optional(Type.String()),
    acknowledgedBy: Type.Optional(Type.String()),
    resolvedAt: Type.Optional(Type.String()),
    resolvedBy: Type.Optional(Type.String({ description: '"rule" when the rule cleared it' })),
    falsePositive: Type.Optional(Type.Boolean()),
    note: Type.Optional(Type.String()),
    escalatedAt: Type.Optional(Type.String()),
    message: Type.String({
      description: "in the caller's language (?lang=, Accept-Language), else the school's",
    }),
    evidence: Type.Record(Type.String(), Type.Unknown(), {
      description: 'the numbers behind it: rates, durations, litres or kWh per day, cost',
    }),
    incident: Type.Optional(Type.Integer({ description: 'the incident (the fault) this alert belongs to' })),
  },
  { $id: 'Alert' },
)

export const IncidentBody = Type.Object(
  {
    id: Type.Integer(),
    school: Type.String(),
    family: Type.Enum(
      [
        'water_loss',
        'appliance',
        'electricity_waste',
        'heating_waste',
        'heating_fault',
        'meter_silent',
        'meter_register',
      ],
      { description: 'the kind of fault: alerts of one family at one place are one incident' },
    ),
    building: Type.String(),
    meter: Type.String({ description: 'where the fault is: the most exact meter among its alerts' }),
    space: Type.Optional(Type.String()),
    rule: Type.String({ description: 'the rule of the alert that describes it best' }),
    severity: Type.Enum(['info', 'warning', 'critical']),
    status: Type.Enum(['open', 'acknowledged', 'resolved']),
    openedAt: Type.String({ description: 'event time of its first alert, ISO-8601 with the school offset' }),
    lastSeenAt: Type.String(),
    quietSince: Type.Optional(
      Type.String({ description: 'none of its alerts active since; it closes itself after its hold-off' }),
    ),
    acknowledgedAt: Type.Optional(Type.String()),
    acknowledgedBy: Type.Optional(Type.String()),
    assignedTo: Type.Optional(Type.String()),
    resolvedAt: Type.Optional(Type.String()),
    resolvedBy: Type.Optional(
      Type.String({ description: '"rule" when it did not come back within its hold-off' }),
    ),
    falsePositive: Type.Optional(Type.Boolean()),
    note: Type.Optional(Type.String()),
    escalatedAt: Type.Optional(Type.String()),
    occurrences: Type.Integer({ description: 'alerts opened in it, counting each return of the fault' }),
    message: Type.String({
      description: "in the caller's language (?lang=, Accept-Language), else the school's",
    }),
    evidence: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'Incident' },
)

const Instant = Type.String({
  maxLength: 40,
  description: 'ISO-8601 with an offset, e.g. 2026-11-16T00:00:00+08:00',
})
const Paging = {
  cursor: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'where the page starts: the X-Next-Cursor of the previous page',
    }),
  ),
  from: Type.Optional(Instant),
  to: Type.Optional(Instant),
  lang: Type.Optional(Type.Enum(['zh-CN', 'en'], { description: 'language of `message`' })),
}

export const IncidentQuery = Type.Object({
  status: Type.Optional(
    Type.Enum(['open', 'acknowledged', 'resolved', 'active'], {
      description: 'active: open or acknowledged',
    }),
  ),
  school: Type.Optional(Type.String({ maxLength: 64 })),
  rule: Type.Optional(Type.String({ maxLength: 64, description: 'incidents with an alert of this rule' })),
  severity: Type.Optional(Type.Enum(['info', 'warning', 'critical'])),
  meter: Type.Optional(Type.String({ maxLength: 128, description: 'incidents with an alert on this meter' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  ...Paging,
})

export const AssignBody = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 200, description: 'who is to repair it' }),
    by: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

export const LangQuery = Type.Object({ lang: Paging.lang })

export const AlertQuery = Type.Object({
  status: Type.Optional(
    Type.Enum(['open', 'acknowledged', 'resolved', 'active'], {
      description: 'active: open or acknowledged',
    }),
  ),
  school: Type.Optional(Type.String({ maxLength: 64 })),
  rule: Type.Optional(Type.String({ maxLength: 64 })),
  severity: Type.Optional(Type.Enum(['info', 'warning', 'critical'])),
  meter: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })),
  ...Paging,
})

export const AlertParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

export const AckBody = Type.Object(
  {
    by: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'who is acting; with a token, the token name is recorded and this goes into the note',
      }),
    ),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
)
export const ResolveBody = Type.Object(
  {
    by: Type.Optional(Type.String({ maxLength: 200 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    falsePositive: Type.Optional(Type.Boolean({ description: 'kept for tuning the rules' })),
  },
  { additionalProperties: false },
)

const Month = Type.String({
  pattern: MONTH,
  description: 'YYYY-MM, a calendar month in each school’s time zone',
})

const CsvHeaders = Type.Enum(['names', 'keys'], {
  description:
    'CSV only: names (default) for people, column names and values in the language of the answer; keys for programs, the JSON keys and values',
})

export const MonthlyQuery = Type.Object({
  month: Type.Optional(Month),
  school: Type.Optional(Type.String({ maxLength: 64 })),
  format: Type.Optional(Type.Enum(['json', 'csv'])),
  headers: Type.Optional(CsvHeaders),
})

export const RankingQuery = Type.Object({
  month: Type.Optional(Month),
  utility: Type.Optional(Type.Enum(['water', 'electricity', 'heat'], { default: 'water' })),
  format: Type.Optional(Type.Enum(['json', 'csv'])),
  headers: Type.Optional(CsvHeaders),
})

const GATE_REASONS = [
  'baseline_incomplete',
  'baseline_insufficient',
  'no_model',
  'model_cv_rmse',
  'model_nmbe',
  'before_baseline',
  'in_baseline',
  'coverage',
  'weather_missing',
  'season_fit',
  'negligible_use',
] as const

export const MonthlyRowBody = Type.Object(
  {
    school: Type.String(),
    utility: Type.Enum(['water', 'electricity', 'heat']),
    month: Type.String(),
    unit: Type.Enum(['m3', 'kWh']),
    actual: Type.Number(),
    lastYear: Type.Optional(Type.Number()),
    expected: Type.Optional(
      Type.Number({ description: 'the sum of the baseline model’s daily predictions' }),
    ),
    savings: Type.Optional(Type.Number({ description: 'expected − actual' })),
    savingsPct: Type.Optional(Type.Number()),
    perPupil: Type.Optional(Type.Number()),
    perM2: Type.Optional(Type.Number()),
    outOfHoursShare: Type.Optional(Type.Number()),
    coverage: Type.Number({ description: 'share of meter-hours with real readings' }),
    method: Type.Enum(['daily_model', 'last_year_scaled', 'none'], {
      description:
        'daily_model: the baseline model; last_year_scaled: no baseline model yet, last year’s month adjusted for school days and weather (indicative); none',
    }),
    indicative: Type.Boolean({ description: 'not a figure to rank: no baseline model, or it fails a gate' }),
    days: Type.Number(),
    schoolDays: Type.Integer(),
    hdd: Type.Optional(Type.Number()),
    modelCvRmse: Type.Optional(
      Type.Number({ description: 'Guideline 14 CV(RMSE) of the baseline’s monthly sums' }),
    ),
    modelNmbe: Type.Optional(
      Type.Number({ description: 'Guideline 14 NMBE of the baseline’s monthly sums' }),
    ),
    savingsLow: Type.Optional(Type.Number({ description: '90 % interval of savings (ASHRAE Guideline 14)' })),
    savingsHigh: Type.Optional(Type.Number()),
    savingsPctLow: Type.Optional(Type.Number()),
    savingsPctHigh: Type.Optional(Type.Number()),
    fsu: Type.Optional(
      Type.Number({ description: 'fractional savings uncertainty at 90 %: half-width ÷ |savings|' }),
    ),
    gate: Type.Optional(Type.Enum(['pass', 'fail'], { description: 'pass: ranked; fail: see gateReasons' })),
    gateReasons: Type.Optional(Type.Array(Type.Enum([...GATE_REASONS]))),
    baselineFrom: Type.Optional(
      Type.String({ description: 'the fixed baseline period, inclusive local dates' }),
    ),
    baselineTo: Type.Optional(Type.String()),
    baselineSource: Type.Optional(Type.Enum(['configured', 'programme_start', 'first_year'])),
    reportingFrom: Type.Optional(Type.String({ description: 'savings count from this local date' })),
    cumulativeExpected: Type.Optional(Type.Number()),
    cumulativeSavings: Type.Optional(
      Type.Number({ description: 'from reportingFrom to the end of the month' }),
    ),
    cumulativeSavingsPct: Type.Optional(Type.Number()),
    cumulativeSavingsLow: Type.Optional(Type.Number()),
    cumulativeSavingsHigh: Type.Optional(Type.Number()),
    blackoutDays: Type.Optional(Type.Integer({ description: 'days in an intervention’s blackout' })),
    modelForm: Type.Optional(Type.Enum(['intercept_only', 'hdd_only', 'cdd_only', 'hdd_cdd'])),
    modelDegreeDays: Type.Optional(Type.Enum(['daily_mean', 'hourly'])),
    heatingBalanceC: Type.Optional(Type.Number()),
    coolingBalanceC: Type.Optional(Type.Number()),
    modelDailyCvRmse: Type.Optional(Type.Number()),
    modelRSquaredAdj: Type.Optional(Type.Number()),
  },
  { $id: 'MonthlyRow' },
)

export const RankingRowBody = Type.Object({
  rank: Type.Union([Type.Integer(), Type.Null()]),
  school: Type.String(),
  name: Type.String(),
  utility: Type.String(),
  month: Type.String(),
  savingsPct: Type.Optional(Type.Number()),
  savingsPctLow: Type.Optional(Type.Number()),
  savingsPctHigh: Type.Optional(Type.Number()),
  actual: Type.Number(),
  expected: Type.Optional(Type.Number()),
  unit: Type.String(),
  coverage: Type.Number(),
  indicative: Type.Boolean(),
  gate: Type.Optional(Type.Enum(['pass', 'fail'])),
  reason: Type.Optional(
    Type.String({ description: 'why the row has no rank, in the language of the answer' }),
  ),
  reasonCode: Type.Optional(
    Type.Enum([...GATE_REASONS, 'no_expected'], { description: 'the first of `reasons`, for programs' }),
  ),
  reasons: Type.Optional(Type.Array(Type.Enum([...GATE_REASONS, 'no_expected']))),
})

export const ReadinessBody = Type.Object({
  school: Type.String(),
  name: Type.String(),
  term: Type.Object({ name: Type.Optional(Type.String()), start: Type.String() }),
  daysToTerm: Type.Integer(),
  checkedAt: Type.String(),
  ready: Type.Boolean(),
  checks: Type.Array(
    Type.Object({
      check: Type.String(),
      ok: Type.Boolean(),
      detail: Type.String(),
      items: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    }),
  ),
})

export const TokenBody = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    role: Type.Enum([...ROLES]),
    createdAt: Type.String(),
    lastUsedAt: Type.Optional(Type.String({ description: 'to within a minute' })),
    revokedAt: Type.Optional(Type.String()),
  },
  { $id: 'Token', description: 'an API token as listed: never its secret or hash' },
)

export const IssuedTokenBody = Type.Intersect([
  Type.Ref('Token'),
  Type.Object({
    token: Type.String({
      description: 'the bearer token, smt_<id>_<secret>: shown this once, stored only hashed',
    }),
  }),
])

export const NewTokenBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'who or what uses it; recorded on every write',
    }),
    role: Type.Enum([...ROLES], {
      description: 'viewer: read; maintenance: also acknowledge and resolve alerts; admin: everything',
    }),
  },
  { additionalProperties: false },
)

export const TokenParams = Type.Object({ id: Type.String({ pattern: TOKEN_ID }) })

export const TokenQuery = Type.Object({
  all: Type.Optional(Type.Boolean({ description: 'include revoked tokens' })),
})

export const AuditEntryBody = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actor: Type.String({ description: 'token name; anonymous when the API asks for no token; cli:<user>' }),
  action: Type.String({
    description: 'alert.acknowledge, alert.resolve, token.create, token.rotate, token.revoke',
  }),
  target: Type.Optional(Type.String({ description: 'e.g. incident:12, token:3f9a0c1b2d4e' })),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})

export const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(Type.String({ maxLength: 64 })),
  target: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 200 })),
})
