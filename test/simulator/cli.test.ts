import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadConfigFile } from '../../core/config/load.js'
import { metricValue, startTestService } from '../helpers/service.js'

const run = promisify(execFile)
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'simulator/cli.ts', ...args], { maxBuffer: 64 * 1024 * 1024 })
const tmp = () => mkdtempSync(join(tmpdir(), 'schoolmeter-cli-'))

describe('npm run simulate', () => {
  it('--help explains every option', async () => {
    const { stdout } = await cli('--help')
    for (const opt of [
      '--config',
      '--schools',
      '--scenario',
      '--truth',
      '--seed',
      '--mode',
      '--start',
      '--speed',
      '--url',
      '--gateway',
      '--qos',
      '--out',
    ]) {
      expect(stdout).toContain(opt)
    }
  })

  it('refuses unknown options and bad values with a sentence and exit code 2', async () => {
    await expect(cli('--colour', 'red')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Unknown option '--colour'/),
    })
    await expect(cli('--mode', 'fast')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--mode must be realtime, backfill or once/),
    })
    await expect(
      cli('--scenario', 'nope.yaml', '--mode', 'once', '--out', '/dev/null'),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/a readable scenario file, or demo \/ all-faults/),
    })
  })

  it('once mode writes the messages; a generated district writes its registry', async () => {
    const dir = tmp()
    await cli(
      '--schools',
      '3',
      '--rooms',
      '10',
      '--write-config',
      join(dir, 'd.yaml'),
      '--mode',
      'once',
      '--start',
      '-10m',
      '--end',
      'now',
      '--out',
      join(dir, 'm.jsonl'),
    )
    const { registry } = loadConfigFile(join(dir, 'd.yaml'))
    expect(registry.schools.size).toBe(3)
    expect(
      [...registry.meters.values()].filter((m) => m.kind === 'electricity' && m.space?.use === 'dorm_room')
        .length,
    ).toBe(10)
    const lines = readFileSync(join(dir, 'm.jsonl'), 'utf8').trim().split('\n')
    const first = JSON.parse(lines[0]!)
    expect(first.topic).toMatch(/^schools\/school-000\d-[a-z]+\/meters\//)
    expect(JSON.parse(first.payload).ts).toMatch(/\+08:00$/)
  })

  it('backfill publishes to a broker and writes the ground truth', async () => {
    const svc = await startTestService({ config: readFileSync('core/demo/district.yaml', 'utf8') })
    const dir = tmp()
    try {
      const { stderr } = await cli(
        '--mode',
        'backfill',
        '--start',
        '-3h',
        '--end',
        'now',
        '--scenario',
        'demo',
        '--truth',
        join(dir, 'truth.jsonl'),
        '--only',
        'riverside-middle',
        '--url',
        `mqtt://127.0.0.1:${svc.mqttPort}`,
      )
      // The last summary: a slow run prints progress every 5 s before it.
      const summaries = [...stderr.matchAll(/simulate: (\d+) readings in (\d+) messages/g)]
      const sent = Number(summaries.at(-1)![1])
      expect(sent).toBeGreaterThan(((3 * 3600) / 10) * 6)
      const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text()
      expect(metricValue(metrics, 'schoolmeter_readings_accepted_total')).toBe(sent)
      const truth = readFileSync(join(dir, 'truth.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      expect(truth.map((t) => t.fault)).toEqual(['drip_leak', 'kettle'])
    } finally {
      await svc.stop()
    }
  }, 60_000)
})
