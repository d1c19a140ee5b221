/**
 * Data quality and ingest, as InfluxDB sees it: readings per second by reading time, meters
 * reporting, meters gone quiet, hours with readings per meter, and the alerts of the meter rules
 * (offline, register anomalies). Rejections by reason, counts of register anomalies, duplicates
 * and write health are Prometheus counters on `/metrics`, not in InfluxDB; they join when a
 * Prometheus data source is provisioned beside this one.
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { METER_KINDS } from '../core/index.js'
import { alertTable, rulesIn } from './alerts.js'
import { board } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql, refId } from './influxql.js'
import { COLOR_TEXT, Grid, MERGE, organize, sortBy, stat, table, thresholds, timeseries } from './panels.js'
import { coverage, metersHeard, readingField, TZ, timeAnd } from './queries.js'
import { schoolVariable, tagIn, timezoneVariable } from './variables.js'

const SCHOOL = tagIn('school', 'school')

export function dataQuality(facts: DistrictFacts): Dashboard {
  const d = board(
    {
      uid: 'schoolmeter-data-quality',
      title: 'Data quality and ingest',
      description: 'Readings arriving, meters reporting and meters gone quiet, from what InfluxDB holds.',
      from: 'now-24h',
      refresh: '1m',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(schoolVariable({ multi: true }))
  const grid = new Grid(d)

  grid.row('Meter alerts')
  grid.add(
    alertTable(
      'Offline meters and register anomalies',
      'meter.offline: nothing heard for 3 × the interval (at least 15 minutes) by the wall clock, ' +
        'so its transitions carry the time the service noticed. meter.register_anomaly: a register ' +
        'that rolled over, was reset or replaced, or jumped implausibly. Active at the end of the ' +
        'range, whenever they opened, or changed in it; one row per rule and meter.',
      `${SCHOOL} AND ${rulesIn('meter.offline', 'meter.register_anomaly')}`,
      { school: true },
    ),
    24,
    7,
  )

  grid.row('Readings')
  const rate = timeseries(
    'Readings per second',
    'cps',
    'Readings stored per second of reading time, by meter kind. A backfill shows up where its ' +
      'readings belong, not when it ran.',
  ).stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
  const reporting = timeseries(
    'Meters reporting',
    'short',
    'Meters that sent at least one reading in each interval (15 minutes or more, so that ' +
      '5-minute meters count in every one).',
  )
    .interval('15m')
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
  for (const [i, kind] of METER_KINDS.entries()) {
    const field = readingField(kind)
    rate.withTarget(
      influxql`SELECT count("${field}") * 1000 / $__interval_ms FROM "${kind}" WHERE ${timeAnd(SCHOOL)}
        GROUP BY time($__interval) fill(0) ${TZ}`
        .refId(refId(i))
        .alias(kind),
    )
    reporting.withTarget(
      influxql`SELECT count("n") FROM (
          SELECT count("${field}") AS "n" FROM "${kind}" WHERE ${timeAnd(SCHOOL)}
          GROUP BY time($__interval), "meter" fill(none) ${TZ}
        ) WHERE $timeFilter GROUP BY time($__interval) fill(0) ${TZ}`
        .refId(refId(i))
        .alias(kind),
    )
  }
  grid.add(rate, 12, 8)
  grid.add(reporting, 12, 8)

  grid.row('Quiet meters')
  const heard = (title: string, description: string) => {
    const s = stat(title, 'short', description).textMode(common.BigValueTextMode.ValueAndName)
    for (const [i, kind] of METER_KINDS.entries()) {
      s.withTarget(influxql`${metersHeard(kind, SCHOOL)}`.refId(refId(i)).alias(kind))
    }
    return s
  }
  grid.add(
    heard('Heard in the last 15 minutes', 'Meters with a reading in the last 15 minutes.').timeFrom('15m'),
    6,
    6,
  )
  grid.add(heard('Heard in the range', 'Meters with a reading in the selected range.'), 6, 6)
  grid.add(lastReadings(), 12, 12)
  grid.add(meterCoverage(), 12, 6)
  return d.build()
}

/** Each meter's last reading time, oldest first: the quiet ones float to the top. */
function lastReadings() {
  const t = table(
    'Last reading per meter',
    'When each meter last sent a reading in the range, oldest first. The service marks a meter ' +
      'offline after 3 × its interval (at least 15 minutes).',
  )
  for (const [i, kind] of METER_KINDS.entries()) {
    t.withTarget(
      influxql`SELECT last("${readingField(kind)}") AS "${kind}" FROM "${kind}" WHERE ${timeAnd(SCHOOL)}
        GROUP BY "meter", "school"`
        .refId(refId(i))
        .table(),
    )
  }
  return t
    .withTransformation(MERGE)
    .withTransformation(
      organize({ Time: 'Last reading', meter: 'Meter', school: 'School' }, [...METER_KINDS]),
    )
    .overrideByName('Last reading', [{ id: 'unit', value: 'dateTimeAsIso' }])
    .sortBy([sortBy('Last reading', false)])
}

function meterCoverage() {
  const t = table(
    'Hours with readings per meter',
    'Share of hours in the range in which the meter sent at least one reading.',
  )
    .unit('percent')
    .decimals(1)
    .min(0)
    .max(100)
    .thresholds(thresholds('red', [90, 'yellow'], [98, 'green']))
    .cellOptions(COLOR_TEXT)
  for (const [i, kind] of METER_KINDS.entries()) {
    t.withTarget(influxql`${coverage(kind, 'meter', SCHOOL, 'pct')}`.refId(refId(i)).table())
  }
  return t
    .withTransformation(MERGE)
    .withTransformation(organize({ meter: 'Meter', pct: 'Hours with readings' }))
    .sortBy([sortBy('Hours with readings', false)])
}
