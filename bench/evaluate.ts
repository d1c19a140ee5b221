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
import { Worker } from 'node:worker_threads'
import { formatCount, progressLine, toolCommandLine } from '../core/cli.js'
import { startupLocale } from '../core/config/load.js'
import { type Message, msg, t } from '../core/i18n/index.js'
import { Progress } from '../core/progress.js'
import { KIND_DESCRIPTIONS } from '../simulator/index.js'
import { buildDistrict, DEMO_START, DISTRICTS, type DistrictName } from './evaluation/districts.js'
import type { RunOptions, RunResult } from './evaluation/run.js'
import { type DistrictScore, overall, type RuleRow, scoreDistrict, total } from './evaluation/score.js'

const locale = startupLocale()

function options() {
  const cli = toolCommandLine(
    {
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
    },
    {
      script: 'evaluate',
      usage: 'evaluate.cli.usage',
      usageParams: {
        districts: DISTRICTS.map(
          (d) =>
            `                      ${d.padEnd(15)} ${d === 'demo' ? 'the bundled demo district with the all-faults scenario' : KIND_DESCRIPTIONS[d]}`,
        ).join('\n'),
        demoStart: DEMO_START,
      },
      locale,
    },
  )
  const values = cli.values
  const refuse: (sentence: Message) => never = cli.refuse
  const weeks = Number(values.weeks)
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52)
    refuse(msg('cli.notWhole', { option: '--weeks', min: 1, max: 52, value: values.weeks }))
  const jobs = Number(values.jobs)
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)
    refuse(msg('cli.notWhole', { option: '--jobs', min: 1, max: 64, value: values.jobs }))
  const districts = values.districts?.split(',').map((d) => d.trim()) ?? [...DISTRICTS]
  for (const d of districts)
    if (!(DISTRICTS as readonly string[]).includes(d))
      refuse(msg('evaluate.cli.unknownDistrict', { district: d, districts: [...DISTRICTS] }))
  const start = values.start
  if (start !== undefined && Number.isNaN(Date.parse(start)))
    refuse(msg('evaluate.cli.badStart', { value: start, example: DEMO_START }))
  return {
    districts: districts as DistrictName[],
    weeks,
    seed: values.seed,
    jobs,
    ...(start !== undefined ? { start } : {}),
    ...(values.json ? { json: values.json } : {}),
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
  const progress = new Progress(list.length)
  let readings = 0
  const results = await runAll(list, o.jobs, (r, done) => {
    readings += r.readings
    const p = progress.at(done, true)!
    console.log(
      `  ${progressLine(locale, p, {
        what: t(locale, 'evaluate.progress.what'),
        done: t(locale, 'evaluate.progress.done', {
          done,
          total: list.length,
          district: r.district,
          kind: t(locale, r.faults ? 'evaluate.progress.withFaults' : 'evaluate.progress.faultFree'),
          readings: formatCount(locale, r.readings),
          alerts: r.alerts.length,
        }),
        rate: t(locale, 'cli.rate.readings', {
          rate: formatCount(locale, readings / Math.max(p.elapsedSeconds, 1e-3)),
        }),
      })}`,
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
