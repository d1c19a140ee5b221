/**
 * Every command a person runs from package.json answers `--help`, and refuses an option it does
 * not know with a sentence from the catalogues (and where to find the options) — never a stack
 * trace. The scripts are read from package.json, so a new one is held to the same. And the
 * progress line's arithmetic: share done, pace, time left.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { formatSeconds, progressLine } from '../../core/cli.js'
import { Progress } from '../../core/progress.js'

const ROOT = join(import.meta.dirname, '../..')
const run = promisify(execFile)
const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts

/** `npm run x` scripts that are our own TypeScript programs (not npm's pre-hooks, not vitest, tsc or biome). */
const tools = Object.entries(scripts)
  .filter(([name]) => !name.startsWith('pre') && !name.startsWith('post'))
  .map(([name, command]) => [name, /^tsx (\S+\.ts)$/.exec(command)?.[1]] as const)
  .filter((t): t is readonly [string, string] => t[1] !== undefined)

function tool(file: string, ...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOCALE: 'en' },
    timeout: 60_000,
  })
}

describe('the tools of package.json', () => {
  it('are all found: start, simulate, evaluate, evaluate:savings, bench, profile, report, admin, dashboards…', () => {
    expect(tools.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'start',
        'simulate',
        'evaluate',
        'evaluate:savings',
        'bench',
        'profile',
        'report',
        'admin',
        'dashboards',
        'screenshots',
      ]),
    )
  })

  it.each(tools)(
    'npm run %s -- --help prints its usage; an unknown option is refused in a sentence',
    async (name, file) => {
      const help = await tool(file, '--help')
      expect(help.stdout).toMatch(/^(schoolmeter \S+ — .*\n\n)?usage: npm (run \S+|start)/m)
      expect(help.stderr).not.toMatch(/\n\s+at /)

      const refused = await tool(file, '--colour', 'red').then(
        () => undefined,
        (err: { code: number; stdout: string; stderr: string }) => err,
      )
      expect(refused, `${name} took --colour`).toBeDefined()
      expect(refused!.code).toBe(2)
      // admin reads an area first, the others options: either way the first line names what it cannot take.
      expect(refused!.stderr.split('\n')[0]).toMatch(/^(unknown option --colour|unknown area "--colour")/)
      expect(refused!.stderr).not.toMatch(/\n\s+at |ERR_PARSE_ARGS/)
    },
    120_000,
  )

  it('in the district language unless LOCALE says otherwise', async () => {
    const zh = await run(process.execPath, ['--import', 'tsx', 'simulator/cli.ts', '--colour'], {
      cwd: ROOT,
      env: { ...process.env, LOCALE: '' },
    }).catch((err: { stderr: string }) => err)
    expect(zh.stderr).toBe('没有 --colour 这个选项\n运行 `npm run simulate -- --help` 查看全部选项。\n')
  })
})

describe('progress lines', () => {
  it('the share done, the time so far and, from the pace, the time left; one line per interval', () => {
    let now = 0
    const p = new Progress(200, { everyMs: 5000, now: () => now })
    expect(p.at(0)).toMatchObject({ fraction: 0, elapsedSeconds: 0 })
    expect(p.at(0)?.secondsLeft).toBeUndefined()
    now = 3000
    expect(p.at(10)).toBeUndefined()
    now = 10_000
    expect(p.at(50)).toEqual({ done: 50, total: 200, fraction: 0.25, elapsedSeconds: 10, secondsLeft: 30 })
    now = 11_000
    expect(p.at(60, true)).toMatchObject({ done: 60, secondsLeft: (11 / 60) * 140 })
    expect(p.state(250, 20_000)).toMatchObject({ done: 200, fraction: 1, secondsLeft: 0 })
  })

  it('reads as a sentence in both languages', () => {
    const state = { done: 50, total: 200, fraction: 0.25, elapsedSeconds: 10, secondsLeft: 150 }
    const words = { what: 'backfill', done: '1,200 readings', rate: '120 readings/s' }
    expect(progressLine('en', state, words)).toBe(
      'backfill: 25% done (1,200 readings), 120 readings/s, 10 sec so far, about 2.5 min left',
    )
    expect(
      progressLine('zh-CN', state, { what: '回填', done: '1,200 条读数', rate: '每秒 120 条读数' }),
    ).toBe('回填：已完成 25%（1,200 条读数），每秒 120 条读数，已用 10秒，预计还需 2.5分钟')
    // Done: no estimate of what is left.
    expect(progressLine('en', { ...state, done: 200, fraction: 1, secondsLeft: 0 }, words)).toBe(
      'backfill: 100% done (1,200 readings), 120 readings/s, 10 sec so far',
    )
    expect(formatSeconds('en', 5400)).toBe('1.5 hr')
  })
})
