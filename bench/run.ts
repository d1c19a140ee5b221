/**
 * `npm run bench`: prints a table and writes bench/results/<name>-<timestamp>.json.
 * Options: --messages N (default 200000), --meters N (1000), --runs N (3), --qos 0|1.
 * Never part of `npm test`: these are figures, not pass/fail checks.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { benchIngest } from './ingest.js'

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    meters: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    qos: { type: 'string', default: '0' },
  },
})

const opts = {
  messages: Number(values.messages),
  meters: Number(values.meters),
  runs: Number(values.runs),
  qos: Number(values.qos) as 0 | 1,
}
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
}
console.log(`schoolmeter ingest benchmark — ${JSON.stringify(opts)} on ${machine.cpus} × ${machine.cpuModel}`)
const result = await benchIngest(opts)
console.table(result.runs)
console.log(
  `median of ${opts.runs}: ${result.median.acceptedPerSecond} readings/s accepted, ` +
    `${result.median.storedPerSecond} readings/s queryable in InfluxDB (single-reading messages, QoS ${opts.qos}, embedded broker)`,
)
mkdirSync('bench/results', { recursive: true })
const file = `bench/results/ingest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
writeFileSync(file, JSON.stringify({ machine, options: opts, ...result }, null, 2))
console.log(`written to ${file}`)
