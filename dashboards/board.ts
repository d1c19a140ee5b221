/** What every schoolmeter dashboard has in common: tags, time zone, links to the others. */
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { type MessageKey, type MessageParams, t } from '../core/i18n/index.js'
import type { DistrictFacts } from './facts.js'

export const TAG = 'schoolmeter'

export interface BoardOptions {
  uid: string
  title: string
  description: string
  /** Default range, Grafana's relative syntax: now-7d, now/M. */
  from: string
  to?: string
  refresh?: string
}

export function board(o: BoardOptions, facts: DistrictFacts): DashboardBuilder {
  return (
    new DashboardBuilder(o.title)
      .uid(o.uid)
      .description(o.description)
      .tags([TAG])
      // Times on the axes and `now/d`, `now/M` in time ranges follow the district's zone, as
      // `tz('$tz')` does in the queries; otherwise "today" would end at the viewer's midnight.
      .timezone(facts.timezone)
      .weekStart('monday')
      .time({ from: o.from, to: o.to ?? 'now' })
      .refresh(o.refresh ?? '5m')
      .tooltip(DashboardCursorSync.Crosshair)
      .editable()
      .link(
        new DashboardLinkBuilder(t(facts.locale, 'dash.links'))
          .type(DashboardLinkType.Dashboards)
          .tags([TAG])
          .asDropdown(true)
          .includeVars(true)
          .keepTime(true),
      )
  )
}

export type Words = (key: MessageKey, params?: MessageParams) => string

/** The district's words for a dashboard's titles, descriptions and labels. */
export function wordsFor(facts: DistrictFacts): Words {
  return (key, params) => t(facts.locale, key, params)
}

/** A value mapping that shows each value in the reader's words, coloured when a colour is given. */
export function valueNames(
  mapping: { type: string; options: Record<string, { color?: string; index: number }> },
  key: MessageKey,
  say: Words,
) {
  return {
    type: mapping.type,
    options: Object.fromEntries(
      Object.entries(mapping.options).map(([value, o]) => [value, { ...o, text: say(key, { value }) }]),
    ),
  }
}
