/**
 * Water and leaks: the alerts of the water rules, then the figures those rules look at
 * (RULES.md), per meter — the smallest hourly flow (a leak never stops), hours with use per day
 * (24 means the water never stopped for an hour), and the 02:00–04:00 night flow. The litres per
 * day an alert estimates are in its evidence, which InfluxDB does not hold (the API does).
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { alertTable, ruleFamily } from './alerts.js'
import { board, wordsFor } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql } from './influxql.js'
import { bars, COLOR_TEXT, Grid, organize, sortBy, table, thresholds, timeseries } from './panels.js'
import { hoursWithUse, nightFlow, smallestHourlyFlow, TZ, timeAnd, totalPer } from './queries.js'
import { meterVariable, schoolVariable, tagIn, timezoneVariable } from './variables.js'

const METERS = `${tagIn('school', 'school')} AND ${tagIn('meter', 'meter')}`

export function water(facts: DistrictFacts): Dashboard {
  const say = wordsFor(facts)
  const d = board(
    {
      uid: 'schoolmeter-water',
      title: say('dash.water.title'),
      description: say('dash.water.description'),
      from: 'now-7d',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(schoolVariable({ multi: true, say }))
    .withVariable(meterVariable('water', { building: false, say }))
  const grid = new Grid(d)

  grid.row(say('dash.row.alerts'))
  grid.add(
    alertTable(
      say('dash.water.alerts.title'),
      say('dash.water.alerts.description'),
      `${METERS} AND ${ruleFamily('water')}`,
      { school: true, say },
    ),
    24,
    7,
  )

  const smallest = say('dash.water.smallest.column')
  grid.row(say('dash.water.row.leaks'))
  grid.add(
    table(say('dash.water.smallest.title'), say('dash.water.smallest.description'))
      .timeFrom('24h')
      .withTarget(influxql`${smallestHourlyFlow(METERS)}`.refId('A').table())
      .withTransformation(
        organize({
          meter: say('dash.column.meter'),
          school: say('dash.column.school'),
          smallest_lph: smallest,
          litres_per_day: say('dash.water.smallest.perDay'),
        }),
      )
      .sortBy([sortBy(smallest, true)])
      .decimals(1)
      .thresholds(thresholds('green', [1, 'yellow'], [5, 'red']))
      .cellOptions(COLOR_TEXT),
    12,
    8,
  )
  grid.add(
    bars(say('dash.water.hours.title'), 'h', say('dash.water.hours.description'))
      .min(0)
      .max(24)
      .thresholds(thresholds('green', [24, 'red']))
      .withTarget(influxql`${hoursWithUse(METERS)}`.refId('A').alias('$tag_meter')),
    12,
    8,
  )
  grid.add(
    timeseries(say('dash.water.night.title'), 'litreh', say('dash.water.night.description'))
      .showPoints(common.VisibilityMode.Always)
      .withTarget(influxql`${nightFlow(METERS)}`.refId('A').alias('$tag_meter')),
    12,
    8,
  )
  grid.add(
    bars(say('dash.water.perDay.title'), 'm3', say('dash.localDays')).withTarget(
      influxql`${totalPer('water', '1d', 'meter', METERS)}`.refId('A').alias('$tag_meter'),
    ),
    12,
    8,
  )

  grid.row(say('dash.water.row.flow'))
  grid.add(
    timeseries(say('dash.water.flow.title'), 'flowlpm', say('dash.flow.description')).withTarget(
      influxql`SELECT mean("flow_lpm") FROM "water" WHERE ${timeAnd(METERS)}
        GROUP BY time($__interval), "meter" fill(null) ${TZ}`
        .refId('A')
        .alias('$tag_meter'),
    ),
    24,
    8,
  )
  return d.build()
}
