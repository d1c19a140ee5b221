/**
 * Electricity and after-hours: what a school uses when nobody is there. The alerts of
 * `electricity.after_hours` and `electricity.high_power_appliance` come first. Day (06:00–18:00)
 * and night (18:00–06:00) halves stand in for occupied and unoccupied hours until rollups split
 * consumption by the calendar; the base load follows the method of `electricity.after_hours`;
 * metered rooms (dorm rooms) show the peaks a kettle or heater makes.
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { alertTable, rulesIn } from './alerts.js'
import { board, wordsFor } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql } from './influxql.js'
import { bars, GAUGE_CELL, Grid, organize, sortBy, table, thresholds, timeseries } from './panels.js'
import { baseLoad, dayNightPairs, nightShare, schoolTotal, TZ, timeAnd } from './queries.js'
import { buildingVariable, schoolVariable, tagIn, timezoneVariable, topLevelVariable } from './variables.js'

const IN_BUILDING = `${tagIn('school', 'school')} AND ${tagIn('building', 'building')}`
/** Meters of a space (a dorm room, a lab): the registry gives a space only to such sub-meters. */
const ROOMS = `${IN_BUILDING} AND "space" =~ /./`
/** `electricity.high_power_appliance`: the room limit, and the step that trips it. */
const ROOM_LIMIT_W = 1500
const STEP_W = 800

export function electricity(facts: DistrictFacts): Dashboard {
  const say = wordsFor(facts)
  const d = board(
    {
      uid: 'schoolmeter-electricity',
      title: say('dash.el.title'),
      description: say('dash.el.description'),
      from: 'now-7d',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(schoolVariable({ multi: true, say }))
    .withVariable(buildingVariable(say))
  const grid = new Grid(d)

  grid.row(say('dash.row.alerts'))
  grid.add(
    alertTable(
      say('dash.el.alerts.title'),
      say('dash.el.alerts.description', { step: STEP_W }),
      `${IN_BUILDING} AND ${rulesIn('electricity.after_hours', 'electricity.high_power_appliance')}`,
      { school: true, say },
    ),
    24,
    7,
  )

  const day = say('dash.el.day')
  const night = say('dash.el.night')
  grid.row(say('dash.el.row.dayNight'))
  grid.add(
    bars(say('dash.el.dayNight.title'), 'kwatth', say('dash.el.dayNight.description'))
      // Night bars paler than day bars, so each school's pair reads as one day.
      .overrideByRegexp(` ${night}$`, [{ id: 'custom.fillOpacity', value: 25 }])
      .withTarget(
        influxql`SELECT "day" AS "${day}", "night" AS "${night}" FROM (${dayNightPairs(schoolTotal())})
          WHERE "halves" = 2 AND $timeFilter GROUP BY "school"`
          .refId('A')
          .alias('$tag_school $col'),
      ),
    12,
    8,
  )
  const share = say('dash.el.nightShare.column')
  grid.add(
    table(say('dash.el.nightShare.title'), say('dash.el.nightShare.description'))
      .unit('percent')
      .decimals(1)
      .min(0)
      .max(100)
      .thresholds(thresholds('green', [50, 'yellow'], [60, 'red']))
      .overrideByName(share, [{ id: 'custom.cellOptions', value: GAUGE_CELL }])
      .withTarget(influxql`${nightShare(schoolTotal())}`.refId('A').table())
      .withTransformation(organize({ school: say('dash.column.school'), after_hours_pct: share }))
      .sortBy([sortBy(share, true)]),
    12,
    8,
  )
  grid.add(
    timeseries(say('dash.el.baseLoad.title'), 'kwatt', say('dash.el.baseLoad.description'))
      .showPoints(common.VisibilityMode.Always)
      .withTarget(influxql`${baseLoad(schoolTotal())}`.refId('A').alias('$tag_school')),
    12,
    8,
  )
  grid.add(
    timeseries(say('dash.el.power.title'), 'watt', say('dash.el.power.description')).withTarget(
      influxql`SELECT mean("power_w") FROM "electricity" WHERE ${timeAnd(IN_BUILDING)}
        GROUP BY time($__interval), "meter" fill(null) ${TZ}`
        .refId('A')
        .alias('$tag_meter'),
    ),
    12,
    8,
  )

  grid.row(say('dash.el.row.rooms'))
  grid.add(
    timeseries(
      say('dash.el.roomPower.title'),
      'watt',
      say('dash.el.roomPower.description', { step: STEP_W, limit: ROOM_LIMIT_W }),
    )
      .thresholds(thresholds('green', [STEP_W, 'yellow'], [ROOM_LIMIT_W, 'red']))
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
      )
      .withTarget(
        influxql`SELECT max("power_w") FROM "electricity" WHERE ${timeAnd(ROOMS)}
          GROUP BY time($__interval), "space" fill(null) ${TZ}`
          .refId('A')
          .alias('$tag_space'),
      ),
    16,
    8,
  )
  const peak = say('dash.el.peaks.peak')
  grid.add(
    table(say('dash.el.peaks.title'), say('dash.el.peaks.description'))
      .unit('watt')
      .thresholds(thresholds('green', [STEP_W, 'yellow'], [ROOM_LIMIT_W, 'red']))
      .overrideByName(peak, [{ id: 'custom.cellOptions', value: GAUGE_CELL }])
      .withTarget(
        influxql`SELECT max("power_w") AS "peak" FROM "electricity" WHERE ${timeAnd(ROOMS)}
          GROUP BY "space", "meter"`
          .refId('A')
          .table(),
      )
      .withTransformation(
        organize(
          {
            Time: say('dash.el.peaks.when'),
            space: say('dash.el.peaks.room'),
            meter: say('dash.column.meter'),
            peak,
          },
          [],
        ),
      )
      .sortBy([sortBy(peak, true)]),
    8,
    8,
  )
  return d.build()
}
