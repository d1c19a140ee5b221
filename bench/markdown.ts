/**
 * `npx tsx bench/markdown.ts bench/results/issue-<time>.json`: the tables of a bench run as
 * Markdown, for docs/performance.md and release notes.
 */
import { readFileSync } from 'node:fs'
import type { CeilingRow, LatencyRow, MemoryRow, OverloadRow, ThroughputRow } from './scenarios.js'

interface Run {
  machine: { cpus: number; cpuModel?: string; memGiB: number; node: string }
  options: { seconds: number; ceilingSeconds: number; meters: number }
  ceilings: CeilingRow[]
  throughput: ThroughputRow[]
  latency: LatencyRow[]
  overload: OverloadRow[]
  memory: MemoryRow[]
  failures: { tree?: string; scenario: string; error: string }[]
}

function table(head: string[], rows: (string | number | undefined)[][]): string {
  const cell = (v: string | number | undefined) =>
    v === undefined || (typeof v === 'number' && Number.isNaN(v))
      ? ''
      : typeof v === 'number'
        ? v.toLocaleString('en-US')
        : v
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n')
}

export function markdown(run: Run): string {
  const m = run.machine
  const out: string[] = [
    `${m.cpus} × ${m.cpuModel ?? 'CPU'}, ${m.memGiB} GiB, Node ${m.node}; ${run.options.seconds} s per scenario (ceiling ${run.options.ceilingSeconds} s), ${run.options.meters.toLocaleString('en-US')} meters.`,
  ]
  if (run.ceilings.length)
    out.push(
      '**Raw ceiling** — Mosquitto → one mqtt.js subscriber that only parses JSON:',
      table(
        ['shape', 'QoS', 'readings/s', 'messages/s', 'subscriber CPU %', 'Mosquitto CPU %'],
        run.ceilings.map((c) => [
          c.shape,
          c.qos,
          c.readingsPerSecond,
          c.messagesPerSecond,
          c.sinkCpuPercent,
          c.mosquittoCpuPercent,
        ]),
      ),
    )
  if (run.throughput.length)
    out.push(
      '**Throughput**, rules on:',
      table(
        [
          'scenario',
          'checkout',
          'readings/s',
          'of ceiling',
          'stored/s',
          'sent',
          'loss',
          'CPU %',
          'RSS MiB',
          'influxd CPU %',
        ],
        run.throughput.map((r) => [
          r.scenario,
          r.tree,
          r.readingsPerSecond,
          r.ratioToCeiling,
          r.storedPerSecond,
          r.sent,
          r.loss,
          r.serviceCpuPercent,
          r.serviceRssPeakMiB,
          r.influxdCpuPercent,
        ]),
      ),
    )
  if (run.latency.length)
    out.push(
      '**Publish → alert**, single readings at QoS 0 through the embedded broker:',
      table(
        ['checkout', 'paced readings/s', 'faults', 'alerts', 'p50 ms', 'p99 ms', 'max ms', 'loss', 'CPU %'],
        run.latency.map((r) => [
          r.tree,
          r.achievedPerSecond,
          r.faults,
          r.alerts,
          r.p50Ms,
          r.p99Ms,
          r.maxMs,
          r.loss,
          r.serviceCpuPercent,
        ]),
      ),
    )
  if (run.overload.length)
    out.push(
      '**Overload**, QoS 1 at twice the sustainable rate:',
      table(
        [
          'checkout',
          'offered/s',
          'achieved/s',
          'sent',
          'loss',
          'RSS peak MiB',
          'RSS every 5 s (MiB)',
          'writer queue max',
        ],
        run.overload.map((r) => [
          r.tree,
          r.offeredPerSecond,
          r.achievedPerSecond,
          r.sent,
          r.loss,
          r.serviceRssPeakMiB,
          r.rssMiBEvery5s.join(' '),
          r.writerQueuedLinesMax,
        ]),
      ),
    )
  if (run.memory.length)
    out.push(
      '**Memory and restart**:',
      table(
        [
          'checkout',
          'meters',
          'readings',
          'loss',
          'RSS idle → loaded MiB',
          'heap B/meter',
          'rule + register state B/meter',
          'first start s',
          'restart s',
          'restore s (log)',
        ],
        run.memory.map((r) => {
          const log = r.restoreFromLog?.['state restored'] as { ms?: number } | undefined
          return [
            r.tree,
            r.meters,
            r.readings,
            r.readings - r.stored,
            `${r.rssIdleMiB} → ${r.rssLoadedMiB}`,
            r.heapPerMeterBytes,
            r.ruleAndRegisterBytesPerMeter,
            r.firstStartSeconds,
            r.restartSeconds,
            log?.ms !== undefined ? `${r.restoreSeconds} (${(log.ms / 1000).toFixed(1)})` : r.restoreSeconds,
          ]
        }),
      ),
    )
  if (run.failures.length)
    out.push(
      '**Failed**:',
      table(
        ['checkout', 'scenario', 'error'],
        run.failures.map((f) => [f.tree, f.scenario, f.error.split('\n')[0]]),
      ),
    )
  return out.join('\n\n')
}

if (process.argv[2]) console.log(markdown(JSON.parse(readFileSync(process.argv[2], 'utf8')) as Run))
