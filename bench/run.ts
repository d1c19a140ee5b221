/**
 * `npm run bench`: prints tables and writes bench/results/<suite>-<timestamp>.json.
 * Options: --suite ingest,simulator (default both); ingest: --messages N (200000), --meters N
 * (1000), --runs N (3), --qos 0|1; simulator: --hours N (24).
 * Never part of `npm test`: these are figures, not pass/fail checks.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { benchIngest } from './ingest.js'
import { benchSimulator } from './simulator.js'

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'ingest,simulator' },
    messages: { type: 'string', default: '200000' },
    meters: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    qos: { type: 'string', default: '0' },
    hours: { type: 'string', default: '24' },
  },
})

const suites = values.suite.split(',')
const runs = Number(values.runs)
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
mkdirSync('bench/results', { recursive: true })
console.log(`schoolmeter benchmarks on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`)

if (suites.includes('ingest')) {
  const opts = {
    messages: Number(values.messages),
    meters: Number(values.meters),
    runs,
    qos: Number(values.qos) as 0 | 1,
  }
  console.log(`\ningest: ${JSON.stringify(opts)}`)
  const result = await benchIngest(opts)
  console.table(result.runs)
  console.log(
    `median of ${runs}: ${result.median.acceptedPerSecond} readings/s accepted, ` +
      `${result.median.storedPerSecond} readings/s queryable in InfluxDB (single-reading messages, QoS ${opts.qos}, embedded broker)`,
  )
  const file = `bench/results/ingest-${stamp}.json`
  writeFileSync(file, JSON.stringify({ machine, options: opts, ...result }, null, 2))
  console.log(`written to ${file}`)
}

if (suites.includes('simulator')) {
  const opts = { hours: Number(values.hours), runs }
  console.log(
    `\nsimulator publish rate: demo district, ${opts.hours} h backfilled into Mosquitto, median of ${runs}`,
  )
  const rows = await benchSimulator(opts)
  console.table(rows)
  const file = `bench/results/simulator-${stamp}.json`
  writeFileSync(file, JSON.stringify({ machine, options: opts, rows }, null, 2))
  console.log(`written to ${file}`)
}
