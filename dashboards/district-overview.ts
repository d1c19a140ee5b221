/**
 * District overview: the schools side by side for the district office — this month's water,
 * electricity and heat from each school's top-level meters, day by day, how complete the data
 * behind those numbers is, and the alerts the rules raised. Expected consumption and the savings
 * ranking join when reports reach InfluxDB.
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { activeBy, alertTable, openedBy } from './alerts.js'
import { board, wordsFor } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql, refId } from './influxql.js'
import {
  bars,
  COLOR_TEXT,
  FIVE_MINUTES,
  Grid,
  MERGE,
  organize,
  sortBy,
  stat,
  table,
  thresholds,
  timeseries,
} from './panels.js'
import { type Consuming, consumption, coverage, metersHeard, TZ, totalBy, totalPer } from './queries.js'
import { outdoorVariable, tagIn, timezoneVariable, topLevelVariable } from './variables.js'

const ALL_TOP_LEVEL = tagIn('meter', 'top_level')
const UTILITIES: Consuming[] = ['water', 'electricity', 'heat']

export function districtOverview(facts: DistrictFacts): Dashboard {
  const say = wordsFor(facts)
  const school = say('dash.column.school')
  const d = board(
    {
      uid: 'schoolmeter-district',
      title: say('dash.district.title'),
      description: say('dash.district.description'),
      from: 'now/M',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(outdoorVariable(facts))
  const grid = new Grid(d)

  grid.row(say('dash.district.row.totals'))
  for (const kind of UTILITIES) {
    const c = consumption(kind)
    grid.add(
      stat(
        say('dash.utility', { kind }),
        c.unit,
        say('dash.district.total.description', { kind }),
      ).withTarget(
        influxql`SELECT sum("${c.field}")${c.scale} FROM "${kind}" WHERE ${ALL_TOP_LEVEL} AND $timeFilter`.refId(
          'A',
        ),
      ),
      6,
      4,
    )
  }
  const heard = stat(
    say('dash.district.heard.title'),
    'short',
    say('dash.district.heard.description'),
  ).textMode(common.BigValueTextMode.ValueAndName)
  for (const [i, kind] of (['water', 'electricity', 'heat', 'temperature'] as const).entries()) {
    heard.withTarget(influxql`${metersHeard(kind, '')}`.refId(refId(i)).alias(say('dash.kind', { kind })))
  }
  grid.add(heard, 6, 4)

  grid.row(say('dash.row.alerts'))
  const opened = say('dash.district.counts.opened')
  const counts = (tag: 'school' | 'rule', name: string) =>
    table(say('dash.district.counts.title', { tag }), say('dash.district.counts.description'))
      .withTarget(influxql`${openedBy(tag, '', 'opened')}`.refId('A').table())
      .withTarget(influxql`${activeBy(tag, '', 'active')}`.refId('B').table())
      .withTransformation(MERGE)
      .withTransformation(organize({ [tag]: name, opened, active: say('dash.district.counts.active') }))
      .sortBy([sortBy(opened, true)])
  grid.add(counts('school', school), 10, 7)
  grid.add(counts('rule', say('dash.column.rule')), 14, 7)
  grid.add(
    alertTable(say('dash.district.alerts.title'), say('dash.district.alerts.description'), '', {
      school: true,
      say,
    }),
    24,
    9,
  )

  grid.row(say('dash.district.row.schools'))
  const bySchool = table(say('dash.district.bySchool.title'), say('dash.district.bySchool.description'))
    .withTarget(influxql`${totalBy('water', 'school', ALL_TOP_LEVEL, 'water_m3')}`.refId('A').table())
    .withTarget(
      influxql`${totalBy('electricity', 'school', ALL_TOP_LEVEL, 'electricity_kwh')}`.refId('B').table(),
    )
    .withTarget(influxql`${totalBy('heat', 'school', ALL_TOP_LEVEL, 'heat_kwh')}`.refId('C').table())
    .withTransformation(MERGE)
    .withTransformation(
      organize({
        school,
        water_m3: say('dash.column.waterM3'),
        electricity_kwh: say('dash.column.electricityKwh'),
        heat_kwh: say('dash.column.heatKwh'),
      }),
    )
    .decimals(1)
  grid.add(bySchool, 12, 8)

  const cover = table(say('dash.district.coverage.title'), say('dash.district.coverage.description'))
    .unit('percent')
    .decimals(1)
    .min(0)
    .max(100)
    .thresholds(thresholds('red', [90, 'yellow'], [98, 'green']))
    .cellOptions(COLOR_TEXT)
    .withTransformation(MERGE)
    .withTransformation(
      organize({
        school,
        water_pct: say('dash.utility', { kind: 'water' }),
        electricity_pct: say('dash.utility', { kind: 'electricity' }),
        heat_pct: say('dash.utility', { kind: 'heat' }),
        temperature_pct: say('dash.utility', { kind: 'temperature' }),
      }),
    )
  for (const [i, kind] of (['water', 'electricity', 'heat', 'temperature'] as const).entries()) {
    cover.withTarget(influxql`${coverage(kind, 'school', '', `${kind}_pct`)}`.refId(refId(i)).table())
  }
  grid.add(cover, 12, 8)

  grid.row(say('dash.district.row.daily'))
  for (const kind of UTILITIES) {
    const c = consumption(kind)
    grid.add(
      bars(
        say('dash.district.daily.title', { kind }),
        c.unit,
        say('dash.district.daily.description'),
      ).withTarget(
        influxql`${totalPer(kind, '1d', 'school', ALL_TOP_LEVEL)}`.refId('A').alias('$tag_school'),
      ),
      12,
      8,
    )
  }
  grid.add(
    timeseries(say('dash.district.outdoor.title'), 'celsius', say('dash.outdoor.description'))
      .interval(FIVE_MINUTES)
      .withTarget(
        influxql`SELECT mean("temp_c") FROM "temperature" WHERE ${tagIn('meter', 'outdoor')} AND $timeFilter
        GROUP BY time($__interval), "school" fill(null) ${TZ}`
          .refId('A')
          .alias('$tag_school'),
      ),
    12,
    8,
  )
  return d.build()
}
