/**
 * Dashboard variables. Query variables list tag values with InfluxQL `SHOW TAG VALUES` (1.x, 2.x
 * and 3.x all answer it); the time filter keeps InfluxDB 3 from looking only at the last day,
 * its default for SHOW TAG VALUES. Variables that only the registry can fill (top-level meters,
 * outdoor sensors) are hidden custom variables written at generation time.
 */
import {
  ConstantVariableBuilder,
  CustomVariableBuilder,
  QueryVariableBuilder,
  VariableHide,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { t } from '../core/i18n/index.js'
import type { MeterKind } from '../core/index.js'
import type { Words } from './board.js'
import type { DistrictFacts } from './facts.js'
import { DATASOURCE } from './influxql.js'

const ALL = { selected: true, text: ['All'], value: ['$__all'] }
const MEASUREMENTS = '"water", "electricity", "heat", "temperature"'

/** Matches a tag against a (multi-value) variable the way Grafana expands it: `/^(a|b)$/`. */
export function tagIn(tag: string, variable: string): string {
  return `"${tag}" =~ /^$${variable}$/`
}

/** The district's time zone for `tz('$tz')`, so days and months end at local midnight. */
export function timezoneVariable(facts: DistrictFacts) {
  return new ConstantVariableBuilder('tz')
    .value(facts.timezone)
    .description(t(facts.locale, 'dash.variable.tz'))
}

/** Top-level meters (no parent): whole-school totals sum these only. */
export function topLevelVariable(facts: DistrictFacts) {
  return hiddenList('top_level', facts.topLevelMeters, t(facts.locale, 'dash.variable.topLevel'))
}

/** Outdoor temperature sensors: the weather behind degree days. */
export function outdoorVariable(facts: DistrictFacts) {
  return hiddenList('outdoor', facts.outdoorSensors, t(facts.locale, 'dash.variable.outdoor'))
}

function hiddenList(name: string, values: string[], description: string) {
  // A list Grafana expands to /^(a|b|…)$/; "-" matches no meter when the registry has none.
  return new CustomVariableBuilder(name)
    .values(values.length ? values.join(',') : '-')
    .description(description)
    .multi(true)
    .includeAll(true)
    .current(ALL)
    .hide(VariableHide.HideVariable)
}

export function schoolVariable(o: { multi: boolean; say: Words }) {
  const v = tagValues(
    'school',
    o.say('dash.variable.school'),
    `SHOW TAG VALUES FROM ${MEASUREMENTS} WITH KEY = "school" WHERE $timeFilter`,
  )
  return o.multi ? v.multi(true).includeAll(true).current(ALL) : v.multi(false).includeAll(false)
}

export function buildingVariable(say: Words) {
  return tagValues(
    'building',
    say('dash.variable.building'),
    `SHOW TAG VALUES FROM ${MEASUREMENTS} WITH KEY = "building" WHERE ${tagIn('school', 'school')} AND $timeFilter`,
  )
    .multi(true)
    .includeAll(true)
    .current(ALL)
}

/** Meters of one kind in the chosen schools and buildings. */
export function meterVariable(kind: MeterKind, o: { building: boolean; say: Words }) {
  const building = o.building ? ` AND ${tagIn('building', 'building')}` : ''
  return tagValues(
    'meter',
    o.say('dash.variable.meter'),
    `SHOW TAG VALUES FROM "${kind}" WITH KEY = "meter" WHERE ${tagIn('school', 'school')}${building} AND $timeFilter`,
  )
    .multi(true)
    .includeAll(true)
    .current(ALL)
}

function tagValues(name: string, label: string, query: string) {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource({ ...DATASOURCE })
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .allowCustomValue(false)
}
