/**
 * Monthly savings: the savings report's latest row per school and utility (the `monthly_report`
 * measurement, written every night) — savings against the fixed baseline with their 90 % interval
 * and whether the figure passes the gates — then, as far as the raw readings go, actual
 * consumption per school and utility for the month (or any range), month to date day by day, the
 * night share and the coverage. InfluxQL cannot compute the baseline model from readings.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { board, valueNames, wordsFor } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql } from './influxql.js'
import {
  COLOR_TEXT,
  GAUGE_CELL,
  Grid,
  MERGE,
  organize,
  sortBy,
  table,
  thresholds,
  timeseries,
} from './panels.js'
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
const UTILITIES: Consuming[] = ['water', 'electricity', 'heat']
const GATE_COLOURS = {
  type: 'value',
  options: { pass: { color: 'green', index: 0 }, fail: { color: 'orange', index: 1 } },
}
const METHODS = {
  type: 'value',
  options: { daily_model: { index: 0 }, last_year_scaled: { index: 1 }, none: { index: 2 } },
}
const UTILITY_NAMES = {
  type: 'value',
  options: { water: { index: 0 }, electricity: { index: 1 }, heat: { index: 2 } },
}

export function monthlySavings(facts: DistrictFacts): Dashboard {
  const say = wordsFor(facts)
  const school = say('dash.column.school')
  const d = board(
    {
      uid: 'schoolmeter-monthly',
      title: say('dash.ms.title'),
      description: say('dash.ms.description'),
      from: 'now/M',
      refresh: '1h',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(schoolVariable({ multi: true, say }))
  const grid = new Grid(d)

  // The latest monthly row of each school and utility from the last year, whatever the range.
  grid.row(say('savings.dashboard.row'))
  grid.add(
    table(say('savings.dashboard.savings'), say('savings.dashboard.savingsDescription'))
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
            school: say('savings.dashboard.school'),
            utility: say('savings.dashboard.utility'),
            savingsPct: say('savings.dashboard.savingsPct'),
            savingsPctLow: say('savings.dashboard.low'),
            savingsPctHigh: say('savings.dashboard.high'),
            cumulativeSavingsPct: say('savings.dashboard.cumulative'),
            gate: say('savings.dashboard.gate'),
            method: say('savings.dashboard.method'),
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
      .overrideByName(say('savings.dashboard.gate'), [
        { id: 'mappings', value: [valueNames(GATE_COLOURS, 'savings.gate', say)] },
        { id: 'custom.cellOptions', value: COLOR_TEXT },
      ])
      .overrideByName(say('savings.dashboard.method'), [
        { id: 'mappings', value: [valueNames(METHODS, 'report.method', say)] },
      ])
      .overrideByName(say('savings.dashboard.utility'), [
        { id: 'mappings', value: [valueNames(UTILITY_NAMES, 'report.utility', say)] },
      ])
      .sortBy([sortBy(say('savings.dashboard.school'), false)]),
    24,
    8,
  )

  grid.row(say('dash.ms.row.actual'))
  grid.add(
    table(say('dash.ms.actual.title'), say('dash.ms.actual.description'))
      .decimals(1)
      .withTarget(influxql`${totalBy('water', 'school', schoolTotal(), 'water_m3')}`.refId('A').table())
      .withTarget(
        influxql`${totalBy('electricity', 'school', schoolTotal(), 'electricity_kwh')}`.refId('B').table(),
      )
      .withTarget(influxql`${totalBy('heat', 'school', schoolTotal(), 'heat_kwh')}`.refId('C').table())
      .withTransformation(MERGE)
      .withTransformation(
        organize({
          school,
          water_m3: say('dash.column.waterM3'),
          electricity_kwh: say('dash.column.electricityKwh'),
          heat_kwh: say('dash.column.heatKwh'),
        }),
      ),
    12,
    8,
  )
  const nightShareName = say('dash.el.nightShare.column')
  grid.add(
    table(say('dash.ms.coverage.title'), say('dash.ms.coverage.description'))
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
          school,
          water_pct: say('dash.ms.coverage.of', { kind: 'water' }),
          electricity_pct: say('dash.ms.coverage.of', { kind: 'electricity' }),
          heat_pct: say('dash.ms.coverage.of', { kind: 'heat' }),
          after_hours_pct: nightShareName,
        }),
      )
      .overrideByName(nightShareName, [
        { id: 'custom.cellOptions', value: GAUGE_CELL },
        { id: 'thresholds', value: thresholds('green', [50, 'yellow'], [60, 'red']).build() },
      ])
      .sortBy([sortBy(school, false)]),
    12,
    8,
  )

  grid.row(say('dash.ms.row.toDate'))
  for (const kind of UTILITIES) {
    const c = consumption(kind)
    grid.add(
      timeseries(
        say('dash.ms.running.title', { kind }),
        c.unit,
        say('dash.ms.running.description'),
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
