/**
 * School overview: one school as its facility manager sees it — what it draws right now, its
 * alerts, today's consumption against a typical day, and the live curves of its meters, building
 * by building. Every alert transition is an annotation on the curves.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { alertAnnotations, alertTable } from './alerts.js'
import { board } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql } from './influxql.js'
import { bars, FIVE_MINUTES, Grid, stat, timeseries } from './panels.js'
import { type Consuming, consumption, schoolTotal, TZ, timeAnd } from './queries.js'
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
const UTILITIES: [Consuming, string][] = [
  ['water', 'Water'],
  ['electricity', 'Electricity'],
  ['heat', 'Heat'],
]

export function schoolOverview(facts: DistrictFacts): Dashboard {
  const d = board(
    {
      uid: 'schoolmeter-school',
      title: 'School overview',
      description: 'One school: what it draws now, today against a typical day, and every meter live.',
      from: 'now-24h',
      refresh: '1m',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(outdoorVariable(facts))
    .withVariable(schoolVariable({ multi: false }))
    .withVariable(buildingVariable())
    .annotation(alertAnnotations(SCHOOL))
  const grid = new Grid(d)

  grid.row('Now')
  // The last reading of each top-level meter in the last 15 minutes, added up: a meter that has
  // gone quiet drops out instead of adding a stale value.
  const now = (title: string, unit: string, kind: string, field: string, description: string) =>
    stat(title, unit, description)
      .timeFrom('15m')
      .withTarget(
        influxql`SELECT sum("v") FROM (
          SELECT last("${field}") AS "v" FROM "${kind}" WHERE ${timeAnd(schoolTotal())} GROUP BY "meter"
        )`.refId('A'),
      )
  grid.add(now('Electric power', 'watt', 'electricity', 'power_w', 'Sum of the top-level meters.'), 6, 4)
  grid.add(now('Water flow', 'flowlpm', 'water', 'flow_lpm', 'Sum of the top-level meters.'), 6, 4)
  grid.add(now('Heating power', 'kwatt', 'heat', 'power_kw', 'Sum of the heating circuits.'), 6, 4)
  grid.add(
    stat('Outdoor temperature', 'celsius', "Mean of the school's outdoor sensors.")
      .timeFrom('15m')
      .withTarget(
        influxql`SELECT mean("t") FROM (
          SELECT last("temp_c") AS "t" FROM "temperature" WHERE ${timeAnd(SCHOOL, tagIn('meter', 'outdoor'))}
          GROUP BY "meter"
        )`.refId('A'),
      ),
    6,
    4,
  )

  grid.row('Alerts')
  grid.add(
    alertTable(
      'Alerts',
      "The school's alerts active at the end of the range, whenever they opened, and those that " +
        'changed in it: one row per rule and meter, with its latest transition. Each transition is ' +
        'also an annotation on the curves below. The alert number is the id of the API, which ' +
        'holds the evidence.',
      SCHOOL,
      { school: false },
    ),
    24,
    7,
  )

  grid.row('Today against a typical day')
  for (const [kind, name] of UTILITIES) {
    const c = consumption(kind)
    grid.add(
      stat(`${name} today`, c.unit, 'Since local midnight, top-level meters.')
        .timeFrom('now/d')
        .withTarget(
          influxql`SELECT sum("${c.field}")${c.scale} FROM "${kind}" WHERE ${timeAnd(schoolTotal())}`.refId(
            'A',
          ),
        ),
      4,
      4,
    )
    // The median of the last four weeks' daily totals: a school day in a school week (five of
    // seven days), robust to the partial day in progress and to holidays.
    grid.add(
      stat(`${name}, typical day`, c.unit, 'Median daily total over the last 28 days.')
        .timeFrom('28d')
        .withTarget(
          influxql`SELECT median("daily") FROM (
            SELECT sum("${c.field}")${c.scale} AS "daily" FROM "${kind}" WHERE ${timeAnd(schoolTotal())}
            GROUP BY time(1d) fill(none) ${TZ}
          )`.refId('A'),
        ),
      4,
      4,
    )
  }
  for (const [kind, name] of [
    ['electricity', 'Electricity'],
    ['water', 'Water'],
  ] as const) {
    // Hourly water reads better in litres than in m³; used_l is stored in litres.
    const { field } = consumption(kind)
    const unit = kind === 'water' ? 'litre' : consumption(kind).unit
    grid.add(
      bars(`${name} by hour`, unit, 'Local hours, top-level meters of the school.').withTarget(
        influxql`SELECT sum("${field}") FROM "${kind}" WHERE ${timeAnd(schoolTotal())}
          GROUP BY time(1h) fill(none) ${TZ}`
          .refId('A')
          .alias(name),
      ),
      12,
      8,
    )
  }

  grid.row('Live: $building')
  grid.add(
    timeseries('Electric power by meter', 'watt', 'Mean power per interval.').withTarget(
      influxql`SELECT mean("power_w") FROM "electricity" WHERE ${timeAnd(IN_BUILDING)}
        GROUP BY time($__interval), "meter" fill(null) ${TZ}`
        .refId('A')
        .alias('$tag_meter'),
    ),
    12,
    8,
  )
  grid.add(
    timeseries('Water flow by meter', 'flowlpm', 'Mean flow per interval.').withTarget(
      influxql`SELECT mean("flow_lpm") FROM "water" WHERE ${timeAnd(IN_BUILDING)}
        GROUP BY time($__interval), "meter" fill(null) ${TZ}`
        .refId('A')
        .alias('$tag_meter'),
    ),
    12,
    8,
  )
  grid.add(
    timeseries('Heating supply and return', 'celsius', 'Flow and return temperature of each circuit.')
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
    timeseries('Room temperatures', 'celsius', 'Every temperature sensor indoors.')
      .interval(FIVE_MINUTES)
      .withTarget(
        influxql`SELECT mean("temp_c") FROM "temperature" WHERE ${timeAnd(IN_BUILDING, '"meter" !~ /^$outdoor$/')}
        GROUP BY time($__interval), "meter" fill(null) ${TZ}`
          .refId('A')
          .alias('$tag_meter'),
      ),
    12,
    8,
  )
  return d.build()
}
