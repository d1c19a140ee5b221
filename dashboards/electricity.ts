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
import { board } from './board.js'
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
  const d = board(
    {
      uid: 'schoolmeter-electricity',
      title: 'Electricity and after-hours',
      description: 'Day against night consumption, base load, and high-power events in metered rooms.',
      from: 'now-7d',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(schoolVariable({ multi: true }))
    .withVariable(buildingVariable())
  const grid = new Grid(d)

  grid.row('Alerts')
  grid.add(
    alertTable(
      'After-hours and appliance alerts',
      'electricity.after_hours: a building drawing more than its base load while empty. ' +
        `electricity.high_power_appliance: a step of ${STEP_W} W or more, or more than the room limit, ` +
        'in a dorm room where appliances are restricted. Active at the end of the range, whenever ' +
        'they opened, or changed in it; one row per rule and meter, with its latest transition.',
      `${IN_BUILDING} AND ${rulesIn('electricity.after_hours', 'electricity.high_power_appliance')}`,
      { school: true },
    ),
    24,
    7,
  )

  grid.row('Day and night')
  grid.add(
    bars(
      'Day (06–18) and night (18–06) per day',
      'kwatth',
      "Top-level meters. Each day's 06:00–18:00 and the night after it; the day still under way " +
        'appears once its night is over. Weekends count their daytime as day.',
    )
      // Night bars paler than day bars, so each school's pair reads as one day.
      .overrideByRegexp(' night$', [{ id: 'custom.fillOpacity', value: 25 }])
      .withTarget(
        influxql`SELECT "day", "night" FROM (${dayNightPairs(schoolTotal())})
          WHERE "halves" = 2 AND $timeFilter GROUP BY "school"`
          .refId('A')
          .alias('$tag_school $col'),
      ),
    12,
    8,
  )
  grid.add(
    table(
      'Night share by school',
      'Share of electricity used 18:00–06:00 over the complete days in the range. Energy Sparks ' +
        'counts 50 % out-of-hours use as exemplary and 60 % as high.',
    )
      .unit('percent')
      .decimals(1)
      .min(0)
      .max(100)
      .thresholds(thresholds('green', [50, 'yellow'], [60, 'red']))
      .overrideByName('Night share', [{ id: 'custom.cellOptions', value: GAUGE_CELL }])
      .withTarget(influxql`${nightShare(schoolTotal())}`.refId('A').table())
      .withTransformation(organize({ school: 'School', after_hours_pct: 'Night share' }))
      .sortBy([sortBy('Night share', true)]),
    12,
    8,
  )
  grid.add(
    timeseries(
      'Base load per day',
      'kwatt',
      "Mean of the day's 8 lowest half-hours, top-level meters: what the school draws when " +
        'everything that can be off is off. It should not creep up.',
    )
      .showPoints(common.VisibilityMode.Always)
      .withTarget(influxql`${baseLoad(schoolTotal())}`.refId('A').alias('$tag_school')),
    12,
    8,
  )
  grid.add(
    timeseries('Power by meter', 'watt', 'Mean power per interval.').withTarget(
      influxql`SELECT mean("power_w") FROM "electricity" WHERE ${timeAnd(IN_BUILDING)}
        GROUP BY time($__interval), "meter" fill(null) ${TZ}`
        .refId('A')
        .alias('$tag_meter'),
    ),
    12,
    8,
  )

  grid.row('Metered rooms')
  grid.add(
    timeseries(
      'Room power, highest per interval',
      'watt',
      `Dorm rooms and other metered spaces. A kettle or heater steps up by ${STEP_W} W or more; ` +
        `the room limit is ${ROOM_LIMIT_W} W.`,
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
  grid.add(
    table('Room peaks', 'Highest power each metered room drew in the range, and when.')
      .unit('watt')
      .thresholds(thresholds('green', [STEP_W, 'yellow'], [ROOM_LIMIT_W, 'red']))
      .overrideByName('Peak', [{ id: 'custom.cellOptions', value: GAUGE_CELL }])
      .withTarget(
        influxql`SELECT max("power_w") AS "peak" FROM "electricity" WHERE ${timeAnd(ROOMS)}
          GROUP BY "space", "meter"`
          .refId('A')
          .table(),
      )
      .withTransformation(organize({ Time: 'When', space: 'Room', meter: 'Meter', peak: 'Peak' }, []))
      .sortBy([sortBy('Peak', true)]),
    8,
    8,
  )
  return d.build()
}
