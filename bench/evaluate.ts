/**
 * `npm run evaluate`: detection quality against the simulator's ground truth, on the demo
 * district and on generated districts of each kind (schools the rules were not tuned to). Each
 * district runs a warm-up week and its scored weeks twice — with a fault of every class, and
 * with none — through the real pipeline (bench/evaluation/run.ts), and is scored per rule:
 * faults injected and found, recall, time to detect, false alerts per 1,000 meter-days, and
 * notifications per fault (bench/evaluation/score.ts; definitions in docs/rules.md).
 * Run with --help for the options.
 */
import { writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { KIND_DESCRIPTIONS } from '../simulator/index.js'
import { buildDistrict, DEMO_START, DISTRICTS, type DistrictName } from './evaluation/districts.js'
import type { RunOptions, RunResult } from './evaluation/run.js'
import { type DistrictScore, overall, type RuleRow, scoreDistrict, total } from './evaluation/score.js'

const HELP = `schoolmeter evaluate — how well the rules find faults, on schools they were not tuned to

usage: npm run evaluate -- [options]

Each district is simulated for a warm-up week and its scored weeks, once with a fault of every
class and once without any, through the real decoder, registers, rules and alerts; each rule is
scored against the ground truth. Definitions: docs/rules.md, "Detection quality".

  --districts a,b   which districts (default: all)
${DISTRICTS.map((d) => `                      ${d.padEnd(15)} ${d === 'demo' ? `the bundled demo district with the all-faults scenario` : KIND_DESCRIPTIONS[d]}`).join('\n')}
  --weeks N         scored weeks after the warm-up week (default 4); only faults inside them count
  --seed S          seed of the generated districts, their fault plans and the readings (default evaluate)
  --start TIME      the first scored Monday for every district, ISO-8601 with offset
                    (default: each district's own; the demo's is ${DEMO_START})
  --jobs N          runs at once, in worker threads (default: 2, at most the CPUs)
  --json FILE       write every table, fault and false alert as JSON
  -h, --help        this text

examples
  npm run evaluate
  npm run evaluate -- --districts demo,rural-boarding --weeks 1 --json baseline.json
`

function fail(message: string): never {
  console.error(`evaluate: ${message}\nrun with --help for the options`)
  process.exit(2)
}

function options() {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      options: {
        districts: { type: 'string' },
        weeks: { type: 'string', default: '4' },
        seed: { type: 'string', default: 'evaluate' },
        start: { type: 'string' },
        jobs: { type: 'string', default: String(Math.min(2, availableParallelism())) },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    fail(`${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}.`)
  }
  if (values.help) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const weeks = Number(values.weeks)
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52)
    fail('--weeks takes a whole number of weeks, 1 to 52')
  const jobs = Number(values.jobs)
  if (!Number.isInteger(jobs) || jobs < 1) fail('--jobs takes a positive whole number')
  const districts = (values.districts as string | undefined)?.split(',').map((d) => d.trim()) ?? [
    ...DISTRICTS,
  ]
  for (const d of districts)
    if (!(DISTRICTS as readonly string[]).includes(d))
      fail(`no district "${d}": choose from ${DISTRICTS.join(', ')}`)
  const start = values.start as string | undefined
  if (start !== undefined && Number.isNaN(Date.parse(start)))
    fail(`--start "${start}" is not a time: give a Monday as ISO-8601 with an offset, e.g. ${DEMO_START}`)
  return {
    districts: districts as DistrictName[],
    weeks,
    seed: values.seed as string,
    jobs,
    ...(start !== undefined ? { start } : {}),
    ...(values.json ? { json: values.json as string } : {}),
  }
}

/** Runs the jobs in worker threads, `jobs` at a time, and returns the results in order. */
async function runAll(list: RunOptions[], jobs: number, onDone: (r: RunResult, done: number) => void) {
  const file = new URL(`./evaluation/worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href
  // Under tsx the worker registers the TypeScript loader itself; compiled, it is plain JavaScript.
  const boot = file.endsWith('.ts')
    ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(file)}) })`
    : `import(${JSON.stringify(file)})`
  const results: RunResult[] = new Array(list.length)
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const i = next++
      results[i] = await new Promise<RunResult>((resolve, reject) => {
        const w = new Worker(boot, { eval: true, workerData: list[i] })
        w.once('message', (r: RunResult) => {
          resolve(r)
          void w.terminate()
        })
        w.once('error', reject)
      })
      onDone(results[i]!, ++done)
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, list.length) }, worker))
  return results
}

const COLUMNS: [keyof RuleRow, string, number][] = [
  ['rule', 'rule', 34],
  ['injected', 'injected', 8],
  ['found', 'found', 6],
  ['recall', 'recall', 7],
  ['medianMinutesToDetect', 'TTD median min', 14],
  ['maxMinutesToDetect', 'TTD max min', 11],
  ['falseAlerts', 'false', 6],
  ['falsePer1000MeterDays', 'false/1000 md', 13],
  ['notificationsPerFault', 'notif/fault', 11],
  ['falseNotifications', 'false notif', 11],
  ['unexplainedInFaultyRun', 'unexplained', 11],
]

function cell(v: unknown, key: keyof RuleRow): string {
  if (v === null || v === undefined) return '–'
  if (key === 'recall') return `${Math.round((v as number) * 1000) / 10} %`
  return String(v)
}

function table(rows: RuleRow[], all: ReturnType<typeof overall>): string {
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(COLUMNS[i]![2]) : c.padStart(COLUMNS[i]![2]))).join('  ')
  const out = [line(COLUMNS.map(([, h]) => h))]
  for (const r of rows) out.push(line(COLUMNS.map(([k]) => cell(r[k], k))))
  out.push(
    line([
      'all rules',
      String(all.injected),
      String(all.found),
      all.recall === null ? '–' : `${Math.round(all.recall * 1000) / 10} %`,
      '',
      '',
      String(all.falseAlerts),
      String(all.falsePer1000MeterDays),
      all.notificationsPerFault === null ? '–' : String(all.notificationsPerFault),
      String(all.falseNotifications),
      '',
    ]),
  )
  return out.join('\n')
}

async function main(): Promise<void> {
  const o = options()
  const began = performance.now()
  const list: RunOptions[] = o.districts.flatMap((name) =>
    [true, false].map((faults) => ({
      name,
      seed: o.seed,
      weeks: o.weeks,
      faults,
      ...(o.start ? { start: o.start } : {}),
    })),
  )
  console.log(
    `evaluating ${o.districts.join(', ')}: a warm-up week, then ${o.weeks} scored week${o.weeks > 1 ? 's' : ''}, ` +
      `with faults and without; ${list.length} runs, ${o.jobs} at a time`,
  )
  const results = await runAll(list, o.jobs, (r, done) => {
    const elapsed = (performance.now() - began) / 1000
    const left = (elapsed / done) * (list.length - done)
    console.log(
      `  [${done}/${list.length}] ${r.district} ${r.faults ? 'with faults' : 'fault-free '}: ${r.meters} meters, ` +
        `${r.readings.toLocaleString('en')} readings, ${r.alerts.length} alerts, ${r.seconds.toFixed(1)} s ` +
        `(${elapsed.toFixed(0)} s so far, about ${left.toFixed(0)} s left)`,
    )
  })
  const scores: DistrictScore[] = o.districts.map((name) => {
    const faulty = results.find((r) => r.district === name && r.faults)!
    const clean = results.find((r) => r.district === name && !r.faults)!
    const { registry } = buildDistrict({
      name,
      seed: o.seed,
      weeks: o.weeks,
      ...(o.start ? { start: o.start } : {}),
    })
    return scoreDistrict(registry, faulty, clean)
  })
  for (const s of scores) {
    console.log(
      `\n${s.district}: ${s.meters} meters, ${s.scoredDays} scored days (${s.meterDays} meter-days)`,
    )
    console.log(table(s.rows, overall(s.rows, s.outcomes, s.meterDays)))
    for (const m of s.outcomes.filter((x) => !x.found))
      console.log(
        `  missed: ${m.fault.name ?? m.fault.fault} on ${m.fault.meter} from ${m.fault.start} (${m.fault.expectedRule})`,
      )
  }
  const rows = total(scores)
  const meterDays = scores.reduce((a, s) => a + s.meterDays, 0)
  const totals = overall(
    rows,
    scores.flatMap((s) => s.outcomes),
    meterDays,
  )
  console.log(`\nall districts: ${meterDays} meter-days`)
  console.log(table(rows, totals))
  const seconds = (performance.now() - began) / 1000
  console.log(`\n${list.length} runs in ${seconds.toFixed(0)} s (${o.jobs} at a time)`)
  if (o.json) {
    const falseOf = (s: DistrictScore) =>
      s.falseAlerts.map((a) => ({
        rule: a.rule,
        meter: a.meter,
        openedAt: new Date(a.openedAt).toISOString(),
        message: a.message,
      }))
    writeFileSync(
      o.json,
      JSON.stringify(
        {
          options: o,
          seconds: Math.round(seconds),
          total: { rows, ...totals },
          districts: scores.map((s) => ({
            district: s.district,
            meters: s.meters,
            scoredDays: s.scoredDays,
            meterDays: s.meterDays,
            rows: s.rows,
            overall: overall(s.rows, s.outcomes, s.meterDays),
            faults: s.outcomes.map((x) => ({
              ...x.fault,
              found: x.found,
              ...(x.foundBy ? { foundBy: x.foundBy } : {}),
              minutesToDetect: x.minutesToDetect,
              notifications: x.notifications,
            })),
            falseAlerts: falseOf(s),
            unexplained: s.unexplained.map((a) => ({
              rule: a.rule,
              meter: a.meter,
              openedAt: new Date(a.openedAt).toISOString(),
              message: a.message,
            })),
          })),
        },
        null,
        2,
      ),
    )
    console.log(`wrote ${o.json}`)
  }
}

await main()
