/**
 * Alerts, from the `alerts` measurement (CONTRACT.md): one point per transition of an alert —
 * `opened`, `acknowledged`, `resolved`, `escalated` — at the time it happened: the event time of
 * the reading for what the rules do, the wall clock for what people and the escalation timer do.
 * Tags `school, building, meter, rule, severity`; fields `status`, `transition`, `message`
 * (strings) and `id`. The message is the one of the transition (while a condition lasts the
 * service refreshes its copy, not InfluxDB's); it and the evidence, current, are in the API
 * (`GET /api/v1/alerts/{id}`).
 *
 * What InfluxQL can answer, and what it cannot:
 * - An alert's id is a field, and InfluxQL groups by tags only, so no query can follow one alert.
 *   The rules keep at most one alert active per rule and meter, so the latest transition of each
 *   rule and meter is the latest state of that pair's newest alert. Which alerts are active is
 *   therefore exact; an older alert of the same rule and meter that also changed in the range
 *   hides behind the newer one in the tables (the annotations and the counts of opened alerts
 *   still show it).
 * - "Active" needs the latest transition before the end of the range, however long ago: those
 *   queries look back without a lower time bound (the measurement is small), so that a leak
 *   opened last week still shows when the last 24 hours are on screen.
 * - "Latest" is by the time of the transition. Rules transition at the readings' event time,
 *   people and the escalation timer at the wall clock; a rule's transition from readings that
 *   arrive late can therefore sort before a person's acknowledgement that came after it.
 * - Severity is a tag that can change (an alert escalated from warning to critical continues in
 *   the series of its new severity), so it is selected as a column, never grouped by: grouping
 *   would show the escalated alert twice, still open as a warning and resolved as critical.
 */
import { AnnotationQueryBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import type { RuleId } from '../rules/index.js'
import { valueNames, type Words } from './board.js'
import { DATASOURCE, influxql } from './influxql.js'
import { COLOR_TEXT, MERGE, organize, sortBy, table } from './panels.js'
import { timeAnd } from './queries.js'

/** Grafana's range end in epoch milliseconds (a global variable). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
const UNTIL_END = 'time <= ${__to}ms'
/** One alert at a time per rule and meter (RULES.md); the school makes the meter's row readable. */
const PER_ALERT = '"school", "meter", "rule"'
const COLUMNS = '"transition", "severity", "message", "id"'

/** Alerts of one family of rules: `ruleFamily('water')` is every `water.*` rule. */
export function ruleFamily(family: string): string {
  return `"rule" =~ /^${family}\\./`
}

/** Alerts of these rules (RULE_IDS of rules/types.ts). */
export function rulesIn(...ids: RuleId[]): string {
  return `"rule" =~ /^(${ids.map((id) => id.replaceAll('.', '\\.')).join('|')})$/`
}

function and(...conditions: string[]): string {
  return conditions.filter(Boolean).join(' AND ')
}

/** Each rule and meter's latest transition up to the end of the range. */
function latestUntilEnd(where: string): string {
  return `SELECT last("status") AS "status", ${COLUMNS} FROM "alerts"
    WHERE ${and(where, UNTIL_END)} GROUP BY ${PER_ALERT}`
}

/** Alerts active (open or acknowledged) at the end of the range, whenever they opened. */
export function activeAlerts(where: string): string {
  return `SELECT "status", ${COLUMNS} FROM (${latestUntilEnd(where)})
    WHERE "status" != 'resolved' GROUP BY ${PER_ALERT}`
}

/** Each rule and meter's latest transition in the range: the alerts that changed in it. */
export function changedAlerts(where: string): string {
  return `SELECT last("status") AS "status", ${COLUMNS} FROM "alerts"
    WHERE ${timeAnd(where)} GROUP BY ${PER_ALERT}`
}

/** How many alerts were opened in the range, per value of a tag. */
export function openedBy(tag: string, where: string, as: string): string {
  return `SELECT count("id") AS "${as}" FROM "alerts"
    WHERE ${timeAnd(where, `"transition" = 'opened'`)} GROUP BY "${tag}"`
}

/** How many alerts were active at the end of the range, per value of a tag. */
export function activeBy(tag: string, where: string, as: string): string {
  return `SELECT count("status") AS "${as}" FROM (${latestUntilEnd(where)})
    WHERE "status" != 'resolved' GROUP BY "${tag}"`
}

const STATUS_COLOURS = {
  type: 'value',
  options: {
    open: { color: 'red', index: 0 },
    acknowledged: { color: 'orange', index: 1 },
    resolved: { color: 'green', index: 2 },
  },
}
const SEVERITY_COLOURS = {
  type: 'value',
  options: {
    critical: { color: 'red', index: 0 },
    warning: { color: 'orange', index: 1 },
    info: { color: 'blue', index: 2 },
  },
}

/**
 * The alerts of the range, one row per rule and meter: active at the end of the range (query A,
 * whenever they opened) or changed in it (query B, resolved ones included), with their latest
 * status. An alert in both answers is the same row, which Grafana's merge shows once.
 */
export function alertTable(
  title: string,
  description: string,
  where: string,
  o: { school: boolean; say: Words },
) {
  const hide = ['transition', ...(o.school ? [] : ['school'])]
  const column = (name: string) => o.say('dash.alerts.column', { name })
  const lastChange = column('time')
  return table(title, description)
    .withTarget(influxql`${activeAlerts(where)}`.refId('A').table())
    .withTarget(influxql`${changedAlerts(where)}`.refId('B').table())
    .withTransformation(MERGE)
    .withTransformation(
      organize(
        {
          Time: lastChange,
          school: column('school'),
          rule: column('rule'),
          meter: column('meter'),
          severity: column('severity'),
          status: column('status'),
          message: column('message'),
          id: column('id'),
        },
        hide,
        ['Time', 'school', 'rule', 'meter', 'severity', 'status', 'message', 'id'],
      ),
    )
    .overrideByName(lastChange, [
      { id: 'unit', value: 'dateTimeAsIso' },
      { id: 'custom.width', value: 170 },
    ])
    .overrideByName(column('status'), [
      { id: 'mappings', value: [valueNames(STATUS_COLOURS, 'dash.alerts.status', o.say)] },
      { id: 'custom.cellOptions', value: COLOR_TEXT },
      { id: 'custom.width', value: 110 },
    ])
    .overrideByName(column('severity'), [
      { id: 'mappings', value: [valueNames(SEVERITY_COLOURS, 'dash.alerts.severity', o.say)] },
      { id: 'custom.cellOptions', value: COLOR_TEXT },
      { id: 'custom.width', value: 90 },
    ])
    .overrideByName(column('id'), [
      { id: 'decimals', value: 0 },
      { id: 'custom.width', value: 70 },
    ])
    .sortBy([sortBy(lastChange, true)])
}

/**
 * Every alert transition as a Grafana annotation: the alert's message as text, the rule, meter,
 * severity and transition as tags.
 */
export function alertAnnotations(where: string, say: Words) {
  return new AnnotationQueryBuilder()
    .name(say('dash.alerts.annotations'))
    .datasource({ ...DATASOURCE })
    .enable(true)
    .iconColor('red')
    .target(
      influxql`SELECT "message", "rule", "meter", "severity", "transition" FROM "alerts" WHERE ${timeAnd(where)}`
        .refId('Anno')
        .annotation('message', ['rule', 'meter', 'severity', 'transition']),
    )
}
