/**
 * Heating: the alerts of the heating rules, heat use against the weather (degree days), the
 * circuits' supply, return and delta-T, and rooms outside the comfort band. Limits are those of
 * the heating rules (RULES.md).
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { alertTable, ruleFamily } from './alerts.js'
import { board } from './board.js'
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
  const d = board(
    {
      uid: 'schoolmeter-heating',
      title: 'Heating',
      description: 'Heat use against degree days, circuit temperatures and delta-T, rooms outside the band.',
      from: 'now-7d',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(outdoorVariable(facts))
    .withVariable(schoolVariable({ multi: true }))
    .withVariable(buildingVariable())
  const grid = new Grid(d)

  grid.row('Alerts')
  grid.add(
    alertTable(
      'Heating alerts',
      'Alerts of the heating rules: frost risk, no heat, overheating, low delta-T, heating an empty ' +
        'building. Active at the end of the range, whenever they opened, or changed in it; one row ' +
        'per rule and meter (circuit or room sensor), with its latest transition.',
      `${IN_BUILDING} AND ${ruleFamily('heat')}`,
      { school: true },
    ),
    24,
    7,
  )

  grid.row('Weather and heat use')
  grid.add(
    bars(
      'Heat per day against degree days',
      'kwatth',
      'Bars: heat counted by the top-level heat meters per local day. Line (right axis): heating ' +
        'degree days, base 18 °C, from the outdoor sensors. Heat should follow the line.',
    )
      .withTarget(
        influxql`${totalPer('heat', '1d', 'school', schoolTotal())}`.refId('A').alias('$tag_school heat'),
      )
      .withTarget(influxql`${degreeDays(SCHOOL)}`.refId('B').alias('$tag_school degree days'))
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

  grid.row('Circuits: $building')
  grid.add(
    timeseries('Supply and return', 'celsius', 'Mean supply and return temperature of each circuit.')
      .interval(FIVE_MINUTES)
      .withTarget(
        influxql`SELECT mean("supply_c") AS "supply", mean("return_c") AS "return" FROM "heat"
        WHERE ${timeAnd(IN_BUILDING)} GROUP BY time($__interval), "meter" fill(null) ${TZ}`
          .refId('A')
          .alias('$tag_meter $col'),
      ),
    12,
    8,
  )
  grid.add(
    timeseries(
      'Delta-T while water flows',
      'kelvin',
      `Supply minus return while the circuit has flow. Below ${LOW_DELTA_T_K} K for hours: a bypass ` +
        'is open or a valve is stuck, and the pumps move water for nothing.',
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
    timeseries('Heating power', 'kwatt', 'Mean power of each circuit.')
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
    timeseries('Outdoor temperature', 'celsius', "Mean of each school's outdoor sensors.")
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

  grid.row('Rooms: $building')
  grid.add(
    timeseries(
      'Room temperatures and the band',
      'celsius',
      `Indoor sensors. Below ${ROOM_LOW_C} °C in school hours is too cold, above ${ROOM_HIGH_C} °C too warm; ` +
        'nights and days off are set back on purpose.',
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
  grid.add(
    table(
      'Hours outside the band per room',
      `Hours whose mean room temperature was below ${ROOM_LOW_C} °C or above ${ROOM_HIGH_C} °C. Cold ` +
        'hours include set-back nights and days off; warm hours are always worth a look.',
    )
      .unit('h')
      .withTarget(influxql`${roomHours(IN_BUILDING, `< ${ROOM_LOW_C}`, 'below')}`.refId('A').table())
      .withTarget(influxql`${roomHours(IN_BUILDING, `> ${ROOM_HIGH_C}`, 'above')}`.refId('B').table())
      .withTransformation(MERGE)
      .withTransformation(
        organize({
          meter: 'Sensor',
          school: 'School',
          below: `Below ${ROOM_LOW_C} °C`,
          above: `Above ${ROOM_HIGH_C} °C`,
        }),
      )
      .sortBy([sortBy(`Above ${ROOM_HIGH_C} °C`, true)]),
    12,
    8,
  )
  return d.build()
}
