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
  run(process.execPath, ['--import', 'tsx', 'simulator/cli.ts', ...args], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, LOCALE: 'en' },
  })
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
      stderr: 'unknown option --colour\n`npm run simulate -- --help` lists the options.\n',
    })
    await expect(cli('--mode', 'fast')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^--mode is realtime, backfill or once, not "fast"\n/),
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

  it('a district of a kind, with a planned fault of every class, writes its registry, plan and truth', async () => {
    const dir = tmp()
    const file = (f: string) => join(dir, f)
    await cli(
      ...['--kind', 'urban-senior', '--seed', 's', '--write-config', file('d.yaml'), '--mode', 'once'],
      ...['--start', '2026-11-16T00:00:00+08:00', '--end', '2026-11-23T00:00:00+08:00', '--plan-faults'],
      ...['--write-scenario', file('s.yaml'), '--truth', file('t.jsonl'), '--out', file('m.jsonl')],
    )
    const { registry } = loadConfigFile(file('d.yaml'))
    expect([...registry.schools.keys()]).toEqual(['harbin-no3-senior'])
    const truth = readFileSync(file('t.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(truth.length).toBeGreaterThan(5)
    expect(readFileSync(file('s.yaml'), 'utf8')).toContain('type: kettle')
    await expect(cli('--kind', 'castle', '--mode', 'once', '--out', '/dev/null')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /--kind is one of rural-boarding, urban-senior, vocational, mild-primary, not "castle"/,
      ),
    })
  }, 60_000)

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
      // Progress lines first (the share done, the rate, the time left), then the total.
      expect(stderr).toMatch(
        /^backfill: \d+% done \([\d,]+ readings, simulated to \S+\), [\d,]+ readings\/s, /m,
      )
      const summaries = [...stderr.matchAll(/simulate: ([\d,]+) readings in ([\d,]+) messages/g)]
      const sent = Number(summaries.at(-1)![1]!.replaceAll(',', ''))
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
