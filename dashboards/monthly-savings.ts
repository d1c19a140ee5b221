/**
 * Monthly savings: the savings report's latest row per school and utility (the `monthly_report`
 * measurement, written every night) — savings against the fixed baseline with their 90 % interval
 * and whether the figure passes the gates — then, as far as the raw readings go, actual
 * consumption per school and utility for the month (or any range), month to date day by day, the
 * night share and the coverage. InfluxQL cannot compute the baseline model from readings.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { t } from '../core/i18n/index.js'
import { board } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql } from './influxql.js'
import { GAUGE_CELL, Grid, MERGE, organize, sortBy, table, thresholds, timeseries } from './panels.js'
import {
  type Consuming,
  consumption,
  coverage,
  nightShare,
  schoolTotal,
  TZ,
  timeAnd,
  totalBy,
} from './queries.js'
import { schoolVariable, tagIn, timezoneVariable, topLevelVariable } from './variables.js'

const SCHOOL = tagIn('school', 'school')
const UTILITIES: [Consuming, string][] = [
  ['water', 'Water'],
  ['electricity', 'Electricity'],
  ['heat', 'Heat'],
]

export function monthlySavings(facts: DistrictFacts): Dashboard {
  const d = board(
    {
      uid: 'schoolmeter-monthly',
      title: 'Monthly savings',
      description:
        'Actual consumption per school and utility for the month; expected and savings follow with reports.',
      from: 'now/M',
      refresh: '1h',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(schoolVariable({ multi: true }))
  const grid = new Grid(d)

  // The latest monthly row of each school and utility from the last year, whatever the range.
  const tr = (key: Parameters<typeof t>[1]) => t(facts.locale, key)
  grid.row(tr('savings.dashboard.row'))
  grid.add(
    table(tr('savings.dashboard.savings'), tr('savings.dashboard.savingsDescription'))
      .decimals(1)
      .timeFrom('400d')
      .withTarget(
        influxql`SELECT "savingsPct", "savingsPctLow", "savingsPctHigh", "cumulativeSavingsPct", "actual",
            "expected", "coverage", "gate", "method"
          FROM "monthly_report" WHERE ${timeAnd(SCHOOL)}
          GROUP BY "school", "utility" ORDER BY time DESC LIMIT 1`
          .refId('A')
          .table(),
      )
      .withTransformation(MERGE)
      .withTransformation(
        organize(
          {
            school: tr('savings.dashboard.school'),
            utility: tr('savings.dashboard.utility'),
            savingsPct: tr('savings.dashboard.savingsPct'),
            savingsPctLow: tr('savings.dashboard.low'),
            savingsPctHigh: tr('savings.dashboard.high'),
            cumulativeSavingsPct: tr('savings.dashboard.cumulative'),
            gate: tr('savings.dashboard.gate'),
            method: tr('savings.dashboard.method'),
          },
          ['Time', 'actual', 'expected', 'coverage'],
          [
            'school',
            'utility',
            'savingsPct',
            'savingsPctLow',
            'savingsPctHigh',
            'cumulativeSavingsPct',
            'gate',
            'method',
          ],
        ),
      )
      .overrideByName(tr('savings.dashboard.gate'), [
        {
          id: 'mappings',
          value: [
            {
              type: 'value',
              options: { pass: { color: 'green', index: 0 }, fail: { color: 'orange', index: 1 } },
            },
          ],
        },
        { id: 'custom.cellOptions', value: { type: 'color-text' } },
      ])
      .sortBy([sortBy(tr('savings.dashboard.school'), false)]),
    24,
    8,
  )

  grid.row('Actual consumption')
  grid.add(
    table(
      'Actual consumption by school',
      'Top-level meters over the range; pick "Previous month" in the time picker for a closed month. ' +
        'Months end at local midnight ($tz).',
    )
      .decimals(1)
      .withTarget(influxql`${totalBy('water', 'school', schoolTotal(), 'water_m3')}`.refId('A').table())
      .withTarget(
        influxql`${totalBy('electricity', 'school', schoolTotal(), 'electricity_kwh')}`.refId('B').table(),
      )
      .withTarget(influxql`${totalBy('heat', 'school', schoolTotal(), 'heat_kwh')}`.refId('C').table())
      .withTransformation(MERGE)
      .withTransformation(
        organize({
          school: 'School',
          water_m3: 'Water (m³)',
          electricity_kwh: 'Electricity (kWh)',
          heat_kwh: 'Heat (kWh)',
        }),
      ),
    12,
    8,
  )
  grid.add(
    table(
      'Coverage and night share',
      'Coverage: share of hours in which each meter reported, averaged per school (a row under 90 % ' +
        'is indicative). Night share: electricity used 18:00–06:00 over complete days.',
    )
      .unit('percent')
      .decimals(1)
      .min(0)
      .max(100)
      .withTarget(influxql`${coverage('water', 'school', SCHOOL, 'water_pct')}`.refId('A').table())
      .withTarget(
        influxql`${coverage('electricity', 'school', SCHOOL, 'electricity_pct')}`.refId('B').table(),
      )
      .withTarget(influxql`${coverage('heat', 'school', SCHOOL, 'heat_pct')}`.refId('C').table())
      .withTarget(influxql`${nightShare(schoolTotal())}`.refId('D').table())
      .withTransformation(MERGE)
      .withTransformation(
        organize({
          school: 'School',
          water_pct: 'Water coverage',
          electricity_pct: 'Electricity coverage',
          heat_pct: 'Heat coverage',
          after_hours_pct: 'Night share',
        }),
      )
      .overrideByName('Night share', [
        { id: 'custom.cellOptions', value: GAUGE_CELL },
        { id: 'thresholds', value: thresholds('green', [50, 'yellow'], [60, 'red']).build() },
      ])
      .sortBy([sortBy('School', false)]),
    12,
    8,
  )

  grid.row('Month to date')
  for (const [kind, name] of UTILITIES) {
    const c = consumption(kind)
    grid.add(
      timeseries(
        `${name}, running total`,
        c.unit,
        'Cumulative consumption by local day, top-level meters.',
      ).withTarget(
        influxql`SELECT cumulative_sum(sum("${c.field}"))${c.scale} FROM "${kind}"
          WHERE ${timeAnd(schoolTotal())}
          GROUP BY time(1d), "school" fill(0) ${TZ}`
          .refId('A')
          .alias('$tag_school'),
      ),
      8,
      8,
    )
  }
  return d.build()
}
