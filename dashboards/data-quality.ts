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
import { board, type Words, wordsFor } from './board.js'
import type { DistrictFacts } from './facts.js'
import { influxql, refId } from './influxql.js'
import { COLOR_TEXT, Grid, MERGE, organize, sortBy, stat, table, thresholds, timeseries } from './panels.js'
import { coverage, metersHeard, readingField, TZ, timeAnd } from './queries.js'
import { schoolVariable, tagIn, timezoneVariable } from './variables.js'

const SCHOOL = tagIn('school', 'school')

export function dataQuality(facts: DistrictFacts): Dashboard {
  const say = wordsFor(facts)
  const d = board(
    {
      uid: 'schoolmeter-data-quality',
      title: say('dash.dq.title'),
      description: say('dash.dq.description'),
      from: 'now-24h',
      refresh: '1m',
    },
    facts,
  )
    .withVariable(timezoneVariable(facts))
    .withVariable(schoolVariable({ multi: true, say }))
  const grid = new Grid(d)

  grid.row(say('dash.dq.row.alerts'))
  grid.add(
    alertTable(
      say('dash.dq.alerts.title'),
      say('dash.dq.alerts.description'),
      `${SCHOOL} AND ${rulesIn('meter.offline', 'meter.register_anomaly')}`,
      { school: true, say },
    ),
    24,
    7,
  )

  grid.row(say('dash.dq.row.readings'))
  const rate = timeseries(say('dash.dq.rate.title'), 'cps', say('dash.dq.rate.description')).stacking(
    new common.StackingConfigBuilder().mode(common.StackingMode.Normal),
  )
  const reporting = timeseries(say('dash.dq.reporting.title'), 'short', say('dash.dq.reporting.description'))
    .interval('15m')
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
  for (const [i, kind] of METER_KINDS.entries()) {
    const field = readingField(kind)
    rate.withTarget(
      influxql`SELECT count("${field}") * 1000 / $__interval_ms FROM "${kind}" WHERE ${timeAnd(SCHOOL)}
        GROUP BY time($__interval) fill(0) ${TZ}`
        .refId(refId(i))
        .alias(say('dash.kind', { kind })),
    )
    reporting.withTarget(
      influxql`SELECT count("n") FROM (
          SELECT count("${field}") AS "n" FROM "${kind}" WHERE ${timeAnd(SCHOOL)}
          GROUP BY time($__interval), "meter" fill(none) ${TZ}
        ) WHERE $timeFilter GROUP BY time($__interval) fill(0) ${TZ}`
        .refId(refId(i))
        .alias(say('dash.kind', { kind })),
    )
  }
  grid.add(rate, 12, 8)
  grid.add(reporting, 12, 8)

  grid.row(say('dash.dq.row.quiet'))
  const heard = (title: string, description: string) => {
    const s = stat(title, 'short', description).textMode(common.BigValueTextMode.ValueAndName)
    for (const [i, kind] of METER_KINDS.entries()) {
      s.withTarget(influxql`${metersHeard(kind, SCHOOL)}`.refId(refId(i)).alias(say('dash.kind', { kind })))
    }
    return s
  }
  grid.add(heard(say('dash.dq.heard15.title'), say('dash.dq.heard15.description')).timeFrom('15m'), 6, 6)
  grid.add(heard(say('dash.dq.heardRange.title'), say('dash.dq.heardRange.description')), 6, 6)
  grid.add(lastReadings(say), 12, 12)
  grid.add(meterCoverage(say), 12, 6)
  return d.build()
}

/** Each meter's last reading time, oldest first: the quiet ones float to the top. */
function lastReadings(say: Words) {
  const t = table(say('dash.dq.last.title'), say('dash.dq.last.description'))
  for (const [i, kind] of METER_KINDS.entries()) {
    t.withTarget(
      influxql`SELECT last("${readingField(kind)}") AS "${kind}" FROM "${kind}" WHERE ${timeAnd(SCHOOL)}
        GROUP BY "meter", "school"`
        .refId(refId(i))
        .table(),
    )
  }
  const last = say('dash.dq.last.column')
  return t
    .withTransformation(MERGE)
    .withTransformation(
      organize({ Time: last, meter: say('dash.column.meter'), school: say('dash.column.school') }, [
        ...METER_KINDS,
      ]),
    )
    .overrideByName(last, [{ id: 'unit', value: 'dateTimeAsIso' }])
    .sortBy([sortBy(last, false)])
}

function meterCoverage(say: Words) {
  const t = table(say('dash.dq.coverage.title'), say('dash.dq.coverage.description'))
    .unit('percent')
    .decimals(1)
    .min(0)
    .max(100)
    .thresholds(thresholds('red', [90, 'yellow'], [98, 'green']))
    .cellOptions(COLOR_TEXT)
  for (const [i, kind] of METER_KINDS.entries()) {
    t.withTarget(influxql`${coverage(kind, 'meter', SCHOOL, 'pct')}`.refId(refId(i)).table())
  }
  const hours = say('dash.dq.coverage.column')
  return t
    .withTransformation(MERGE)
    .withTransformation(organize({ meter: say('dash.column.meter'), pct: hours }))
    .sortBy([sortBy(hours, false)])
}
