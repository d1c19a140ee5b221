/**
 * District overview: the schools side by side for the district office — this month's water,
 * electricity and heat from each school's top-level meters, day by day, how complete the data
 * behind those numbers is, and the alerts the rules raised. Expected consumption and the savings
 * ranking join when reports reach InfluxDB.
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { activeBy, alertTable, openedBy } from './alerts.js'
import { board } from './board.js'
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
const UTILITIES: [Consuming, string][] = [
  ['water', 'Water'],
  ['electricity', 'Electricity'],
  ['heat', 'Heat'],
]

export function districtOverview(facts: DistrictFacts): Dashboard {
  const d = board(
    {
      uid: 'schoolmeter-district',
      title: 'District overview',
      description: 'All schools side by side: consumption of top-level meters and data coverage.',
      from: 'now/M',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(topLevelVariable(facts))
    .withVariable(outdoorVariable(facts))
  const grid = new Grid(d)

  grid.row('District totals')
  for (const [kind, name] of UTILITIES) {
    const c = consumption(kind)
    grid.add(
      stat(name, c.unit, `${name} counted by the top-level meters of every school in the range.`).withTarget(
        influxql`SELECT sum("${c.field}")${c.scale} FROM "${kind}" WHERE ${ALL_TOP_LEVEL} AND $timeFilter`.refId(
          'A',
        ),
      ),
      6,
      4,
    )
  }
  const heard = stat(
    'Meters heard',
    'short',
    'Meters of each kind that sent at least one reading in the range.',
  ).textMode(common.BigValueTextMode.ValueAndName)
  for (const [i, kind] of (['water', 'electricity', 'heat', 'temperature'] as const).entries()) {
    heard.withTarget(influxql`${metersHeard(kind, '')}`.refId(refId(i)).alias(kind))
  }
  grid.add(heard, 6, 4)

  grid.row('Alerts')
  const counts = (tag: string, name: string) =>
    table(
      `Alerts by ${tag}`,
      'Alerts opened in the range, and alerts still active (open or acknowledged) at its end, ' +
        'whenever they opened.',
    )
      .withTarget(influxql`${openedBy(tag, '', 'opened')}`.refId('A').table())
      .withTarget(influxql`${activeBy(tag, '', 'active')}`.refId('B').table())
      .withTransformation(MERGE)
      .withTransformation(organize({ [tag]: name, opened: 'Opened', active: 'Active at the end' }))
      .sortBy([sortBy('Opened', true)])
  grid.add(counts('school', 'School'), 10, 7)
  grid.add(counts('rule', 'Rule'), 14, 7)
  grid.add(
    alertTable(
      'Alerts of the range, latest status',
      'One row per rule and meter: alerts active at the end of the range, whenever they opened, and ' +
        'alerts that changed in it, with their latest transition. The alert number is the id of ' +
        'the API (GET /api/v1/alerts/{id}), which holds the evidence.',
      '',
      { school: true },
    ),
    24,
    9,
  )

  grid.row('Schools side by side')
  const bySchool = table(
    'Consumption by school',
    'Top-level meters only, so that a sub-meter is not counted twice. Water in m³, energy in kWh.',
  )
    .withTarget(influxql`${totalBy('water', 'school', ALL_TOP_LEVEL, 'water_m3')}`.refId('A').table())
    .withTarget(
      influxql`${totalBy('electricity', 'school', ALL_TOP_LEVEL, 'electricity_kwh')}`.refId('B').table(),
    )
    .withTarget(influxql`${totalBy('heat', 'school', ALL_TOP_LEVEL, 'heat_kwh')}`.refId('C').table())
    .withTransformation(MERGE)
    .withTransformation(
      organize({
        school: 'School',
        water_m3: 'Water (m³)',
        electricity_kwh: 'Electricity (kWh)',
        heat_kwh: 'Heat (kWh)',
      }),
    )
    .decimals(1)
  grid.add(bySchool, 12, 8)

  const cover = table(
    'Data coverage by school',
    'Share of hours in the range in which each meter sent at least one reading, averaged over the ' +
      "school's meters of each kind. Reports count a month with less than 90 % as indicative.",
  )
    .unit('percent')
    .decimals(1)
    .min(0)
    .max(100)
    .thresholds(thresholds('red', [90, 'yellow'], [98, 'green']))
    .cellOptions(COLOR_TEXT)
    .withTransformation(MERGE)
    .withTransformation(
      organize({
        school: 'School',
        water_pct: 'Water',
        electricity_pct: 'Electricity',
        heat_pct: 'Heat',
        temperature_pct: 'Temperature',
      }),
    )
  for (const [i, kind] of (['water', 'electricity', 'heat', 'temperature'] as const).entries()) {
    cover.withTarget(influxql`${coverage(kind, 'school', '', `${kind}_pct`)}`.refId(refId(i)).table())
  }
  grid.add(cover, 12, 8)

  grid.row('Day by day')
  for (const [kind, name] of UTILITIES) {
    const c = consumption(kind)
    grid.add(
      bars(`${name} per day by school`, c.unit, `Local days ($tz), top-level meters.`).withTarget(
        influxql`${totalPer(kind, '1d', 'school', ALL_TOP_LEVEL)}`.refId('A').alias('$tag_school'),
      ),
      12,
      8,
    )
  }
  grid.add(
    timeseries('Outdoor temperature by school', 'celsius', "Mean of each school's outdoor sensors.")
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
