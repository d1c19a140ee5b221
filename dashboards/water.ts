/**
 * Water and leaks: the alerts of the water rules, then the figures those rules look at
 * (RULES.md), per meter — the smallest hourly flow (a leak never stops), hours with use per day
 * (24 means the water never stopped for an hour), and the 02:00–04:00 night flow. The litres per
 * day an alert estimates are in its evidence, which InfluxDB does not hold (the API does).
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { alertTable, ruleFamily } from './alerts.js'
import { board } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql } from './influxql.js'
import { bars, COLOR_TEXT, Grid, organize, sortBy, table, thresholds, timeseries } from './panels.js'
import { hoursWithUse, nightFlow, smallestHourlyFlow, TZ, timeAnd, totalPer } from './queries.js'
import { meterVariable, schoolVariable, tagIn, timezoneVariable } from './variables.js'

const METERS = `${tagIn('school', 'school')} AND ${tagIn('meter', 'meter')}`

export function water(facts: DistrictFacts): Dashboard {
  const d = board(
    {
      uid: 'schoolmeter-water',
      title: 'Water and leaks',
      description: 'Leak signs per water meter: flow that never stops, night flow, daily use.',
      from: 'now-7d',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(schoolVariable({ multi: true }))
    .withVariable(meterVariable('water', { building: false }))
  const grid = new Grid(d)

  grid.row('Alerts')
  grid.add(
    alertTable(
      'Water alerts',
      'Alerts of the water rules (leaks, bursts, night flow, running cisterns, flow after hours) on ' +
        'the chosen meters: active at the end of the range, whenever they opened, or changed in it; ' +
        'one row per rule and meter, with its latest transition. Litres per day and cost are in ' +
        "the alert's evidence: GET /api/v1/alerts/{id}.",
      `${METERS} AND ${ruleFamily('water')}`,
      { school: true },
    ),
    24,
    7,
  )

  grid.row('Leaks')
  grid.add(
    table(
      'Smallest hourly flow, last 24 hours',
      'The lowest mean flow of any hour in the last 24 hours. Above zero, water ran every hour: a ' +
        'leak, a running cistern or a timed urinal flush. Litres per day is what that flow wastes.',
    )
      .timeFrom('24h')
      .withTarget(influxql`${smallestHourlyFlow(METERS)}`.refId('A').table())
      .withTransformation(
        organize({
          meter: 'Meter',
          school: 'School',
          smallest_lph: 'Smallest hour (L/h)',
          litres_per_day: 'L/day',
        }),
      )
      .sortBy([sortBy('Smallest hour (L/h)', true)])
      .decimals(1)
      .thresholds(thresholds('green', [1, 'yellow'], [5, 'red']))
      .cellOptions(COLOR_TEXT),
    12,
    8,
  )
  grid.add(
    bars(
      'Hours with use per day',
      'h',
      'Local hours in which the meter counted 1 L or more. 24 means the water never stopped for a ' +
        'whole hour that day — the continuous-flow leak sign.',
    )
      .min(0)
      .max(24)
      .thresholds(thresholds('green', [24, 'red']))
      .withTarget(influxql`${hoursWithUse(METERS)}`.refId('A').alias('$tag_meter')),
    12,
    8,
  )
  grid.add(
    timeseries(
      'Night flow, 02:00–04:00',
      'litreh',
      'Mean flow in the quietest hours of each night, shown at 02:00 local. A step up that stays ' +
        'is a new leak; the rules compare each night with the previous week.',
    )
      .showPoints(common.VisibilityMode.Always)
      .withTarget(influxql`${nightFlow(METERS)}`.refId('A').alias('$tag_meter')),
    12,
    8,
  )
  grid.add(
    bars('Water per day by meter', 'm3', 'Local days ($tz).').withTarget(
      influxql`${totalPer('water', '1d', 'meter', METERS)}`.refId('A').alias('$tag_meter'),
    ),
    12,
    8,
  )

  grid.row('Flow')
  grid.add(
    timeseries('Flow by meter', 'flowlpm', 'Mean flow per interval.').withTarget(
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
