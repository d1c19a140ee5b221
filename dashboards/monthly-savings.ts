/**
 * Monthly savings, as far as the raw readings go: actual consumption per school and utility for
 * the month (or any range), month to date day by day, the night share and the coverage that a
 * monthly row carries. Expected consumption, savings, per pupil and per m² come from the monthly
 * report (the `monthly_report` measurement) when reports land; InfluxQL cannot compute them from
 * readings alone.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
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
