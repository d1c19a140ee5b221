/**
 * School overview: one school as its facility manager sees it — what it draws right now, its
 * alerts, today's consumption against a typical day, and the live curves of its meters, building
 * by building. Every alert transition is an annotation on the curves.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { alertAnnotations, alertTable } from './alerts.js'
import { board, wordsFor } from './board.js'
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
const UTILITIES: Consuming[] = ['water', 'electricity', 'heat']

export function schoolOverview(facts: DistrictFacts): Dashboard {
  const say = wordsFor(facts)
  const d = board(
    {
      uid: 'schoolmeter-school',
      title: say('dash.school.title'),
      description: say('dash.school.description'),
      from: 'now-24h',
      refresh: '1m',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(outdoorVariable(facts))
    .withVariable(schoolVariable({ multi: false, say }))
    .withVariable(buildingVariable(say))
    .annotation(alertAnnotations(SCHOOL, say))
  const grid = new Grid(d)

  grid.row(say('dash.school.row.now'))
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
  const topLevel = say('dash.school.now.topLevel')
  grid.add(now(say('dash.school.now.power'), 'watt', 'electricity', 'power_w', topLevel), 6, 4)
  grid.add(now(say('dash.school.now.flow'), 'flowlpm', 'water', 'flow_lpm', topLevel), 6, 4)
  grid.add(
    now(say('dash.heat.power.title'), 'kwatt', 'heat', 'power_kw', say('dash.school.now.circuits')),
    6,
    4,
  )
  grid.add(
    stat(say('dash.outdoor.title'), 'celsius', say('dash.school.now.outdoor'))
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

  grid.row(say('dash.row.alerts'))
  grid.add(
    alertTable(say('dash.row.alerts'), say('dash.school.alerts.description'), SCHOOL, { school: false, say }),
    24,
    7,
  )

  grid.row(say('dash.school.row.today'))
  for (const kind of UTILITIES) {
    const c = consumption(kind)
    grid.add(
      stat(say('dash.school.today.title', { kind }), c.unit, say('dash.school.today.description'))
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
      stat(say('dash.school.typical.title', { kind }), c.unit, say('dash.school.typical.description'))
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
  for (const kind of ['electricity', 'water'] as const) {
    // Hourly water reads better in litres than in m³; used_l is stored in litres.
    const { field } = consumption(kind)
    const unit = kind === 'water' ? 'litre' : consumption(kind).unit
    grid.add(
      bars(say('dash.school.hourly.title', { kind }), unit, say('dash.school.hourly.description')).withTarget(
        influxql`SELECT sum("${field}") FROM "${kind}" WHERE ${timeAnd(schoolTotal())}
          GROUP BY time(1h) fill(none) ${TZ}`
          .refId('A')
          .alias(say('dash.utility', { kind })),
      ),
      12,
      8,
    )
  }

  grid.row(say('dash.school.row.live'))
  grid.add(
    timeseries(say('dash.school.live.power'), 'watt', say('dash.el.power.description')).withTarget(
      influxql`SELECT mean("power_w") FROM "electricity" WHERE ${timeAnd(IN_BUILDING)}
        GROUP BY time($__interval), "meter" fill(null) ${TZ}`
        .refId('A')
        .alias('$tag_meter'),
    ),
    12,
    8,
  )
  grid.add(
    timeseries(say('dash.school.live.flow'), 'flowlpm', say('dash.flow.description')).withTarget(
      influxql`SELECT mean("flow_lpm") FROM "water" WHERE ${timeAnd(IN_BUILDING)}
        GROUP BY time($__interval), "meter" fill(null) ${TZ}`
        .refId('A')
        .alias('$tag_meter'),
    ),
    12,
    8,
  )
  grid.add(
    timeseries(say('dash.school.live.supplyReturn'), 'celsius', say('dash.heat.supplyReturn.description'))
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
    timeseries(say('dash.school.live.rooms'), 'celsius', say('dash.school.live.roomsDescription'))
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
