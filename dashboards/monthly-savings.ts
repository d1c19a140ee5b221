/**
 * Monthly savings, as far as the raw readings go: actual consumption per school and utility for
 * the month (or any range), month to date day by day, the night share and the coverage that a
 * monthly row carries. Expected consumption, savings, per pupil and per m² come from the monthly
 * report (the `monthly_report` measurement) when reports land; InfluxQL cannot compute them from
 * readings alone.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { board, wordsFor } from './board.js'
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
const UTILITIES: Consuming[] = ['water', 'electricity', 'heat']

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
