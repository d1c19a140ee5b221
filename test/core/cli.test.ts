/**
 * Every command a person runs from package.json answers `--help`, and refuses an option it does
 * not know with a sentence from the catalogues (and where to find the options) — never a stack
 * trace. The scripts are read from package.json, so a new one is held to the same. Each tool runs
 * as a real process, as npm runs it: part of `npm run test:system`.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
const run = promisify(execFile)
const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts

/** `npm run x` scripts that are our own TypeScript programs (not npm's pre-hooks, not vitest, tsc or biome). */
const tools = Object.entries(scripts)
  .filter(([name]) => !name.startsWith('pre') && !name.startsWith('post'))
  .map(([name, command]) => [name, /^(?:tsx|node --import tsx) (\S+\.ts)$/.exec(command)?.[1]] as const)
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
