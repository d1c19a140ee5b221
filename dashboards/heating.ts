/**
 * Heating: the alerts of the heating rules, heat use against the weather (degree days), the
 * circuits' supply, return and delta-T, and rooms outside the comfort band. Limits are those of
 * the heating rules (RULES.md).
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { alertTable, ruleFamily } from './alerts.js'
import { board, wordsFor } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql } from './influxql.js'
import { bars, FIVE_MINUTES, Grid, MERGE, organize, sortBy, table, thresholds, timeseries } from './panels.js'
import { degreeDays, roomHours, schoolTotal, TZ, timeAnd, totalPer } from './queries.js'
import {
  buildingVariable,
  outdoorVariable,
  schoolVariable,
  tagIn,
  timezoneVariable,
  topLevelVariable,
} from './variables.js'

const SCHOOL = tagIn('school', 'school')
const IN_BUILDING = `${SCHOOL} AND ${tagIn('building', 'building')}`
/** `heat.no_heat` (room < 16 °C occupied) and `heat.overheating` (> 24 °C). */
const ROOM_LOW_C = 16
const ROOM_HIGH_C = 24
/** `heat.low_delta_t`: supply − return below 5 K with flow. */
const LOW_DELTA_T_K = 5

export function heating(facts: DistrictFacts): Dashboard {
  const say = wordsFor(facts)
  const d = board(
    {
      uid: 'schoolmeter-heating',
      title: say('dash.heat.title'),
      description: say('dash.heat.description'),
      from: 'now-7d',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(outdoorVariable(facts))
    .withVariable(schoolVariable({ multi: true, say }))
    .withVariable(buildingVariable(say))
  const grid = new Grid(d)

  grid.row(say('dash.row.alerts'))
  grid.add(
    alertTable(
      say('dash.heat.alerts.title'),
      say('dash.heat.alerts.description'),
      `${IN_BUILDING} AND ${ruleFamily('heat')}`,
      { school: true, say },
    ),
    24,
    7,
  )

  grid.row(say('dash.heat.row.weather'))
  grid.add(
    bars(say('dash.heat.degreeDays.title'), 'kwatth', say('dash.heat.degreeDays.description'))
      .withTarget(
        influxql`${totalPer('heat', '1d', 'school', schoolTotal())}`
          .refId('A')
          .alias(`$tag_school ${say('dash.heat.degreeDays.heat')}`),
      )
      .withTarget(
        influxql`${degreeDays(SCHOOL)}`.refId('B').alias(`$tag_school ${say('dash.heat.degreeDays.line')}`),
      )
      .overrideByQuery('B', [
        { id: 'custom.drawStyle', value: common.GraphDrawStyle.Line },
        { id: 'custom.axisPlacement', value: common.AxisPlacement.Right },
        { id: 'custom.showPoints', value: common.VisibilityMode.Always },
        { id: 'custom.fillOpacity', value: 0 },
        { id: 'unit', value: 'suffix: K·d' },
      ]),
    24,
    9,
  )

  grid.row(say('dash.heat.row.circuits'))
  grid.add(
    timeseries(say('dash.heat.supplyReturn.title'), 'celsius', say('dash.heat.supplyReturn.description'))
      .interval(FIVE_MINUTES)
      .withTarget(
        influxql`SELECT mean("supply_c") AS "${say('dash.heat.supply')}", mean("return_c") AS "${say('dash.heat.return')}" FROM "heat"
        WHERE ${timeAnd(IN_BUILDING)} GROUP BY time($__interval), "meter" fill(null) ${TZ}`
          .refId('A')
          .alias('$tag_meter $col'),
      ),
    12,
    8,
  )
  grid.add(
    timeseries(
      say('dash.heat.deltaT.title'),
      'kelvin',
      say('dash.heat.deltaT.description', { low: LOW_DELTA_T_K }),
    )
      .interval(FIVE_MINUTES)
      .thresholds(thresholds('red', [LOW_DELTA_T_K, 'green']))
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
      )
      .withTarget(
        influxql`SELECT mean("supply_c") - mean("return_c") FROM "heat"
          WHERE ${timeAnd(IN_BUILDING, '"flow_m3h" > 0')}
          GROUP BY time($__interval), "meter" fill(null) ${TZ}`
          .refId('A')
          .alias('$tag_meter'),
      ),
    12,
    8,
  )
  grid.add(
    timeseries(say('dash.heat.power.title'), 'kwatt', say('dash.heat.power.description'))
      .interval(FIVE_MINUTES)
      .withTarget(
        influxql`SELECT mean("power_kw") FROM "heat" WHERE ${timeAnd(IN_BUILDING)}
        GROUP BY time($__interval), "meter" fill(null) ${TZ}`
          .refId('A')
          .alias('$tag_meter'),
      ),
    12,
    8,
  )
  grid.add(
    timeseries(say('dash.outdoor.title'), 'celsius', say('dash.outdoor.description'))
      .interval(FIVE_MINUTES)
      .withTarget(
        influxql`SELECT mean("temp_c") FROM "temperature" WHERE ${timeAnd(SCHOOL, tagIn('meter', 'outdoor'))}
        GROUP BY time($__interval), "school" fill(null) ${TZ}`
          .refId('A')
          .alias('$tag_school'),
      ),
    12,
    8,
  )

  grid.row(say('dash.heat.row.rooms'))
  grid.add(
    timeseries(
      say('dash.heat.band.title'),
      'celsius',
      say('dash.heat.band.description', { low: ROOM_LOW_C, high: ROOM_HIGH_C }),
    )
      .interval(FIVE_MINUTES)
      .thresholds(thresholds('blue', [ROOM_LOW_C, 'green'], [ROOM_HIGH_C, 'red']))
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
      )
      .withTarget(
        influxql`SELECT mean("temp_c") FROM "temperature"
          WHERE ${timeAnd(IN_BUILDING, '"meter" !~ /^$outdoor$/')}
          GROUP BY time($__interval), "meter" fill(null) ${TZ}`
          .refId('A')
          .alias('$tag_meter'),
      ),
    12,
    8,
  )
  const above = say('dash.heat.outside.above', { high: ROOM_HIGH_C })
  grid.add(
    table(
      say('dash.heat.outside.title'),
      say('dash.heat.outside.description', { low: ROOM_LOW_C, high: ROOM_HIGH_C }),
    )
      .unit('h')
      .withTarget(influxql`${roomHours(IN_BUILDING, `< ${ROOM_LOW_C}`, 'below')}`.refId('A').table())
      .withTarget(influxql`${roomHours(IN_BUILDING, `> ${ROOM_HIGH_C}`, 'above')}`.refId('B').table())
      .withTransformation(MERGE)
      .withTransformation(
        organize({
          meter: say('dash.heat.outside.sensor'),
          school: say('dash.column.school'),
          below: say('dash.heat.outside.below', { low: ROOM_LOW_C }),
          above,
        }),
      )
      .sortBy([sortBy(above, true)]),
    12,
    8,
  )
  return d.build()
}
