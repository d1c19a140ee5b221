/**
 * Draws the evidence charts of a page with ECharts (only the parts used: a line and bar chart with
 * a marked area, SVG renderer), from the JSON the server put beside each chart. The chart's
 * accessible name is the server's sentence; the numbers stay in the table under it.
 */
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'

echarts.use([LineChart, BarChart, GridComponent, MarkAreaComponent, TooltipComponent, SVGRenderer])

interface ChartData {
  locale: string
  zone: string
  from: number
  to: number
  rate: [number, number, number][]
  use: [number, number][]
  fault?: [number, number]
  labels: { rate: string; use: string; fault: string; unit: string; useUnit: string }
  summary: string
}

function draw(el: HTMLElement, data: ChartData): void {
  const time = new Intl.DateTimeFormat(data.locale, {
    timeZone: data.zone,
    hour: '2-digit',
    minute: '2-digit',
  })
  const day = new Intl.DateTimeFormat(data.locale, { timeZone: data.zone, month: 'short', day: 'numeric' })
  const clock = new Intl.DateTimeFormat('en', {
    timeZone: data.zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
  const full = new Intl.DateTimeFormat(data.locale, {
    timeZone: data.zone,
    dateStyle: 'medium',
    timeStyle: 'short',
  })
  const number = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 1 })
  const hourly = data.rate.length === 0
  const unit = hourly ? data.labels.useUnit : data.labels.unit
  const chart = echarts.init(el, undefined, { renderer: 'svg', locale: data.locale === 'en' ? 'EN' : 'ZH' })
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 12, top: 28, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => `${number.format(Number(v))} ${unit}`,
      axisPointer: { label: { formatter: (p: { value: unknown }) => full.format(Number(p.value)) } },
    },
    xAxis: {
      type: 'time',
      min: data.from,
      max: data.to,
      axisLabel: {
        hideOverlap: true,
        // Midnight carries the date: a 48-hour axis crosses two of them.
        formatter: (v: number) => (clock.format(v) === '00:00' ? day.format(v) : time.format(v)),
      },
    },
    yAxis: { type: 'value', name: unit, nameTextStyle: { align: 'left' }, min: 0 },
    series: [
      {
        type: hourly ? 'bar' : 'line',
        name: hourly ? data.labels.use : data.labels.rate,
        data: hourly
          ? data.use.map((p) => [p[0] + 1_800_000, p[1]])
          : data.rate.map((p) => [p[0] + 300_000, p[1]]),
        showSymbol: false,
        lineStyle: { width: 2 },
        itemStyle: { color: '#1f5fa8' },
        ...(data.fault
          ? {
              markArea: {
                silent: true,
                itemStyle: { color: 'rgba(200, 40, 40, 0.14)' },
                label: { color: '#a11', fontWeight: 'bold', position: 'insideTop' },
                data: [[{ name: data.labels.fault, xAxis: data.fault[0] }, { xAxis: data.fault[1] }]],
              },
            }
          : {}),
      },
    ],
  })
  el.dataset.drawn = 'true'
  new ResizeObserver(() => chart.resize()).observe(el)
}

for (const el of document.querySelectorAll<HTMLElement>('[data-chart]')) {
  const source = document.getElementById(el.dataset.chart ?? '')
  if (source?.textContent) draw(el, JSON.parse(source.textContent) as ChartData)
}
