/**
 * InfluxQL targets for Grafana's InfluxDB data source. The foundation SDK ships no InfluxDB
 * query type, so this is the small custom one its README describes: a plain object that cog
 * accepts as a `Dataquery`, and a builder for it.
 *
 * Every target is raw InfluxQL (`rawQuery: true`): InfluxDB 1.x answers it directly, 2.x through
 * a DBRP mapping and 3.x natively (CONTRACT.md). Flux is never used; InfluxDB 3 dropped it.
 */
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog'
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common'

/** The one data source every panel and variable uses; deploy/grafana/datasources/*.yaml provision it. */
export const DATASOURCE = { type: 'influxdb', uid: 'schoolmeter-influxql' } as const satisfies DataSourceRef

export type ResultFormat = 'time_series' | 'table'

/** Grafana's InfluxQL query model, as its query editor saves a raw query. */
export interface InfluxQLQuery {
  refId?: string
  hide?: boolean
  datasource?: DataSourceRef
  query: string
  rawQuery: true
  resultFormat: ResultFormat
  /** Series name pattern: `$tag_meter`, `$col`, `$m`. */
  alias?: string
  /** Annotation queries only, as Grafana's InfluxQL annotation editor saves them. */
  fromAnnotations?: true
  /** The column whose value is an annotation's text. */
  textColumn?: string
  /** Columns whose values become an annotation's tags, comma-separated. */
  tagsColumn?: string
  _implementsDataqueryVariant(): void
}

export class InfluxQLQueryBuilder implements Builder<Dataquery> {
  private readonly internal: InfluxQLQuery

  constructor(query: string) {
    this.internal = {
      datasource: { ...DATASOURCE },
      query: normalise(query),
      rawQuery: true,
      resultFormat: 'time_series',
      _implementsDataqueryVariant() {},
    }
  }

  build(): InfluxQLQuery {
    return this.internal
  }

  refId(refId: string): this {
    this.internal.refId = refId
    return this
  }

  alias(alias: string): this {
    this.internal.alias = alias
    return this
  }

  /** Rows instead of series: what table panels and bar gauges over tags want. */
  table(): this {
    this.internal.resultFormat = 'table'
    return this
  }

  hide(hide: boolean): this {
    this.internal.hide = hide
    return this
  }

  /**
   * Makes this an annotation query: each row an event at its time, `text` its text and the
   * `tags` columns its tags (tags of InfluxDB can be selected as columns for this).
   */
  annotation(text: string, tags: string[]): this {
    this.internal.fromAnnotations = true
    this.internal.textColumn = text
    this.internal.tagsColumn = tags.join(',')
    return this
  }
}

/** Grafana's query letters: A, B, C … */
export function refId(index: number): string {
  return String.fromCharCode(65 + index)
}

/** Shorthand: `influxql\`SELECT …\`` reads like the query it builds. */
export function influxql(strings: TemplateStringsArray, ...values: unknown[]): InfluxQLQueryBuilder {
  return new InfluxQLQueryBuilder(String.raw({ raw: strings }, ...values))
}

/**
 * Queries are written indented over several lines for reading; Grafana shows them in its editor
 * and sends them as they are, so they are stored on one line with single spaces.
 */
function normalise(query: string): string {
  return query.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim()
}
