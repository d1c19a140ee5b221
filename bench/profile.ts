/**
 * `npm run profile`: the service (as its own process, like `npm start`) under the single-reading
 * QoS 0 load through the embedded broker, with `node --cpu-prof`; prints the functions with the
 * most self time and leaves the .cpuprofile in bench/results/profiles/ — open it in Chrome
 * DevTools (Performance → Load profile) or at speedscope.app for the flame graph.
 *
 * Options: `npm run profile -- --help`.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { toolCommandLine } from '../core/cli.js'
import { startupLocale } from '../core/config/load.js'
import { type Message, msg } from '../core/i18n/index.js'
import { startInfluxd } from '../test/helpers/influxd.js'
import { freePort } from '../test/helpers/ports.js'
import { hotSpots } from './lib/cpuprofile.js'
import type { LoadResult } from './lib/loadgen.js'
import { spawnHelper, startService } from './lib/procs.js'
import { firstTs, registryJson } from './lib/workload.js'
import { extraEnvFor } from './scenarios.js'

const locale = startupLocale()
const cli = toolCommandLine(
  {
    options: {
      seconds: { type: 'string', default: '30' },
      'service-dir': { type: 'string' },
      shape: { type: 'string', default: 'single' },
      qos: { type: 'string', default: '0' },
      meters: { type: 'string', default: '10000' },
      top: { type: 'string', default: '30' },
      influx: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  },
  { script: 'profile', usage: 'profile.cli.usage', locale },
)
const values = cli.values
const refuse: (sentence: Message) => never = cli.refuse
for (const option of ['seconds', 'meters', 'top'] as const)
  if (!(Number(values[option]) > 0))
    refuse(msg('bench.cli.badNumber', { option: `--${option}`, value: values[option] }))
if (values.shape !== 'single' && values.shape !== 'batch100')
  refuse(msg('cli.notOneOf', { option: '--shape', values: ['single', 'batch100'], value: values.shape }))
if (values.qos !== '0' && values.qos !== '1')
  refuse(msg('cli.notOneOf', { option: '--qos', values: ['0', '1'], value: values.qos }))
if (values.influx !== '0' && values.influx !== '1')
  refuse(msg('cli.notOneOf', { option: '--influx', values: ['0', '1'], value: values.influx }))
const root = fileURLToPath(new URL('..', import.meta.url))
const dir = resolve(values['service-dir'] ?? root)
const seconds = Number(values.seconds)
const meters = Number(values.meters)
const profiles = resolve(root, 'bench/results/profiles')
mkdirSync(profiles, { recursive: true })
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const out = join(profiles, stamp)
mkdirSync(out)

const influx = values.influx === '1' ? await startInfluxd() : undefined
const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-profile-'))
const schools = Math.max(1, Math.round(meters / 1000))
const w = { schools, metersPerSchool: meters / schools }
writeFileSync(join(dataDir, 'district.json'), registryJson(w))
const mqttPort = await freePort()
const env = {
  CONFIG: join(dataDir, 'district.json'),
  DATA_DIR: dataDir,
  HTTP_PORT: String(await freePort()),
  MQTT_PORT: String(mqttPort),
  DEMO: '0',
  ...(influx ? { INFLUX_URL: influx.url, INFLUX_DATABASE: 'profile' } : {}),
}
const svc = await startService({
  dir,
  env: { ...env, ...extraEnvFor({ name: 'profiled', dir }, { serviceEnv: {} } as never) },
  nodeArgs: ['--cpu-prof', '--cpu-prof-dir', out],
})
console.log(`profiling ${dir} for ${seconds} s (${values.shape}, QoS ${values.qos}, ${meters} meters)`)
const steps = Math.ceil((2_000_000 * seconds) / meters) + 10
const load = spawnHelper('loadgen.ts')
const result = new Promise<LoadResult>((r) =>
  load.on('message', (m: LoadResult) => {
    if (m.type === 'result') r(m)
  }),
)
load.send({
  host: '127.0.0.1',
  port: mqttPort,
  shape: values.shape,
  qos: Number(values.qos),
  connections: 4,
  window: 100,
  workload: w,
  t0: firstTs(steps),
  maxSteps: steps,
  seconds,
})
const r = await result
console.log(`published ${r.readings} readings in ${r.seconds.toFixed(1)} s`)
await svc.stop()
await influx?.destroy()
rmSync(dataDir, { recursive: true, force: true })
// The main thread's profile is the largest; tsx's loader thread writes a small one too.
const files = readdirSync(out)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => join(out, f))
  .sort((a, b) => statSync(b).size - statSync(a).size)
if (!files[0]) throw new Error(`no profile written to ${out}`)
console.table(hotSpots(files[0], Number(values.top), dir))
console.log(`flame graph: ${files[0]} (Chrome DevTools → Performance → Load profile, or speedscope.app)`)
