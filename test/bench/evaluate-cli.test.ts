/**
 * `npm run evaluate` as a person runs it (a real process): its options, and a short run end to end
 * that writes the JSON. Part of `npm run test:system`.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'

const run = promisify(execFile)
const evaluate = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'bench/evaluate.ts', ...args], {
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, LOCALE: 'en' },
  })

const DAY = 86_400_000

describe('npm run evaluate', () => {
  it('answers --help, and refuses unknown options and bad values with a sentence', async () => {
    const { stdout } = await evaluate('--help')
    for (const o of ['--districts', '--weeks', '--seed', '--start', '--jobs', '--json', 'rural-boarding'])
      expect(stdout).toContain(o)
    await expect(evaluate('--colour', 'red')).rejects.toMatchObject({
      code: 2,
      stderr: 'unknown option --colour\n`npm run evaluate -- --help` lists the options.\n',
    })
    await expect(evaluate('--weeks', 'many')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^--weeks takes a whole number from 1 to 52, not "many"\n/),
    })
    await expect(evaluate('--districts', 'demo,atlantis')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no district "atlantis": choose from demo, rural-boarding/),
    })
  })

  it('runs a district end to end and writes the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-evaluate-'))
    const { stdout } = await evaluate(
      ...['--districts', 'mild-primary', '--weeks', '1', '--jobs', '1', '--json', join(dir, 'e.json')],
    )
    expect(stdout).toMatch(/mild-primary: \d+ meters, 7 scored days/)
    expect(stdout).toMatch(/2 runs in \d+ s/)
    // A progress line after each run: how far, how fast, how long still.
    expect(stdout).toMatch(
      /evaluation: 50% done \(1 of 2 runs; the last: mild-primary, .*readings\/s, .* so far, about .* left/,
    )
    expect(stdout).toMatch(/evaluation: 100% done \(2 of 2 runs/)
    const json = JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8'))
    const [d] = json.districts
    expect(d.district).toBe('mild-primary')
    expect(d.faults.length).toBeGreaterThan(5)
    const start = Date.parse('2027-05-10T00:00:00+08:00')
    for (const f of d.faults) {
      expect(Date.parse(f.start)).toBeGreaterThanOrEqual(start)
      expect(Date.parse(f.end)).toBeLessThanOrEqual(start + 7 * DAY)
    }
    // Bursts of a quarter of Q3 and more for 40 minutes or longer are found by today's rule.
    expect(
      d.faults
        .filter((f: { fault: string }) => f.fault === 'burst')
        .every((f: { found: boolean }) => f.found),
    ).toBe(true)
    expect(json.total.rows.map((r: { rule: string }) => r.rule)).toContain('water.burst')
    expect(stringify(json.options)).toContain('mild-primary')
  }, 180_000)
})
