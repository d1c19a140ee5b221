/**
 * Panel shapes the dashboards share, and the grid they are laid out on. Every panel is pinned to
 * the one provisioned data source, and gets its id and position from the grid, so that ids are
 * unique and panels never overlap by construction (and test/dashboards checks both anyway).
 */

import type { Builder } from '@grafana/grafana-foundation-sdk/cog'
import * as common from '@grafana/grafana-foundation-sdk/common'
import {
  type DashboardBuilder,
  type DataTransformerConfig,
  type GridPos,
  type Panel,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat'
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table'
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries'
import { DATASOURCE } from './influxql.js'

type Positioned = Builder<Panel> & { id(id: number): unknown; gridPos(gridPos: GridPos): unknown }

const GRID_WIDTH = 24
/**
 * Minimum interval of panels over heat meters and temperature sensors, which report every
 * 5 minutes: finer intervals would be mostly empty.
 */
export const FIVE_MINUTES = '5m'
/** A meter is offline after 15 minutes without a reading (CONTRACT.md). */
const OFFLINE_MS = 15 * 60_000

/** Lays panels out left to right in rows of 24 columns, numbering them as it goes. */
export class Grid {
  private x = 0
  private y = 0
  private lineHeight = 0
  private nextId = 1

  constructor(private readonly dashboard: DashboardBuilder) {}

  row(title: string): this {
    this.newLine()
    this.dashboard.withRow(
      new RowBuilder(title).id(this.nextId++).gridPos({ x: 0, y: this.y, w: GRID_WIDTH, h: 1 }),
    )
    this.y += 1
    return this
  }

  add(panel: Positioned, w: number, h: number): this {
    if (this.x + w > GRID_WIDTH) this.newLine()
    panel.id(this.nextId++)
    panel.gridPos({ x: this.x, y: this.y, w, h })
    this.dashboard.withPanel(panel)
    this.x += w
    this.lineHeight = Math.max(this.lineHeight, h)
    return this
  }

  private newLine(): void {
    if (this.x === 0 && this.lineHeight === 0) return
    this.y += this.lineHeight
    this.x = 0
    this.lineHeight = 0
  }
}

/** Lines over time, one per series, with a legend that names them. */
export function timeseries(title: string, unit: string, description: string) {
  return (
    new TimeseriesBuilder()
      .title(title)
      .description(description)
      .datasource({ ...DATASOURCE })
      .unit(unit)
      .lineWidth(1)
      .fillOpacity(8)
      // Join points across empty intervals shorter than the offline threshold (meters reporting
      // every 5 minutes leave most 1-minute intervals empty); a longer gap stays a gap.
      .spanNulls(OFFLINE_MS)
      .showPoints(common.VisibilityMode.Never)
      .legend(
        new common.VizLegendOptionsBuilder()
          .showLegend(true)
          .displayMode(common.LegendDisplayMode.List)
          .placement(common.LegendPlacement.Bottom),
      )
      .tooltip(
        new common.VizTooltipOptionsBuilder()
          .mode(common.TooltipDisplayMode.Multi)
          .sort(common.SortOrder.Descending),
      )
  )
}

/** Bars per interval (days, hours): consumption reads better as bars than as a line. */
export function bars(title: string, unit: string, description: string) {
  return timeseries(title, unit, description)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(70)
    .lineWidth(1)
    .barAlignment(common.BarAlignment.After)
}

/** One big number per series, reduced with `calc` (lastNotNull unless said). */
export function stat(title: string, unit: string, description: string, calc = 'lastNotNull') {
  return new StatBuilder()
    .title(title)
    .description(description)
    .datasource({ ...DATASOURCE })
    .unit(unit)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.None)
    .textMode(common.BigValueTextMode.Auto)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs([calc]).values(false))
}

export function table(title: string, description: string) {
  return new TableBuilder()
    .title(title)
    .description(description)
    .datasource({ ...DATASOURCE })
    .cellHeight(common.TableCellHeight.Sm)
}

/** Colour steps: `thresholds('green', [50, 'yellow'], [60, 'red'])`. */
export function thresholds(base: string, ...steps: [number, string][]) {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))])
}

/** Table frames from several queries joined into one table on their common columns. */
export const MERGE: DataTransformerConfig = { id: 'merge', options: {} }

/**
 * Hides InfluxDB's time column (the start of the range for whole-range aggregates) and names
 * columns; `order` puts columns in that order, by their names before renaming.
 */
export function organize(
  rename: Record<string, string>,
  hide: string[] = ['Time'],
  order: string[] = [],
): DataTransformerConfig {
  return {
    id: 'organize',
    options: {
      excludeByName: Object.fromEntries(hide.map((h) => [h, true])),
      renameByName: rename,
      indexByName: Object.fromEntries(order.map((name, i) => [name, i])),
    },
  }
}

/** A table's initial sort: the column as displayed, highest first when `desc`. */
export function sortBy(column: string, desc: boolean) {
  return new common.TableSortByFieldStateBuilder().displayName(column).desc(desc)
}

/** A table column shown as a bar in its cell: rankings. */
export const GAUGE_CELL: common.TableCellOptions = {
  type: common.TableCellDisplayMode.Gauge,
  mode: common.BarGaugeDisplayMode.Basic,
}

/** Table cells coloured by the thresholds: coverage below 90 % in red. */
export const COLOR_TEXT: common.TableCellOptions = { type: common.TableCellDisplayMode.ColorText }
