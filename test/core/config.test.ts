import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { demoEnabled, readEnv } from '../../core/config/env.js'
import { loadConfigFile, parseConfig } from '../../core/config/load.js'
import { ConfigError } from '../../core/errors.js'
import { TEST_CONFIG } from '../helpers/registry.js'

function problemsOf(text: string) {
  try {
    parseConfig(text, 'bad.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as ConfigError).problems
  }
  throw new Error('expected a ConfigError')
}

describe('the bundled demo district', () => {
  const { registry } = loadConfigFile()

  it('has a day primary school, a boarding middle school with dormitories and a vocational school', () => {
    expect([...registry.schools.keys()]).toEqual(['sunshine-primary', 'riverside-middle', 'east-vocational'])
    const boarding = registry.schools.get('riverside-middle')!
    const dorm = [...boarding.buildings.values()].find((b) => b.use === 'dormitory')!
    expect(dorm.config.occupancy?.quietHours).toBe('22:30-06:00')
    const rooms = [...dorm.spaces.values()].filter((s) => s.config.appliancePolicy === 'restricted')
    expect(rooms.length).toBeGreaterThanOrEqual(6)
    expect(dorm.meters.filter((m) => m.space && m.kind === 'electricity').length).toBe(rooms.length)
  })

  it('has meters of every kind in every school, linked to their parents', () => {
    for (const s of registry.schools.values()) {
      const kinds = new Set([...s.meters.values()].map((m) => m.kind))
      expect([...kinds].sort()).toEqual(['electricity', 'heat', 'temperature', 'water'])
    }
    expect(registry.meters.get('RM-E-A101')!.parent!.id).toBe('RM-E-DORMA')
    expect(registry.meters.get('SP-W-MAIN')!.registerModulus).toBe(1e5)
  })

  it('takes district defaults (time zone, calendar, tariffs) unless a school sets its own', () => {
    const s = registry.schools.get('east-vocational')!
    expect(s.timezone).toBe('Asia/Shanghai')
    expect(s.calendar.terms.length).toBeGreaterThan(0)
    expect(s.calendar.plannedUse[0]!.name).toBe('Pool top-up')
    expect(registry.meters.get('EV-W-MAIN')!.tariff).toBe(4.6)
    expect(registry.meters.get('EV-T-OUT')!.tariff).toBeUndefined()
  })
})

describe('config errors name the key, the value, what was expected and the line', () => {
  it('schema errors', () => {
    const problems = problemsOf(`schools:
  - id: Bad_Id
    name: x
    buildings:
      - id: b
        use: school
        meters:
          - { id: m1, kind: gas, tarrif: 3 }
`)
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'schools[0].id',
          value: 'Bad_Id',
          line: 2,
          expected: expect.stringMatching(/lower-case/),
        }),
        expect.objectContaining({
          path: 'schools[0].buildings[0].use',
          value: 'school',
          line: 6,
          expected: expect.stringMatching(/one of teaching, dormitory/),
        }),
        expect.objectContaining({
          path: 'schools[0].buildings[0].meters[0].kind',
          value: 'gas',
          line: 8,
          expected: expect.stringMatching(/water, electricity, heat, temperature/),
        }),
        expect.objectContaining({
          path: 'schools[0].buildings[0].meters[0].tarrif',
          value: 3,
          expected: expect.stringMatching(/no such key/),
        }),
      ]),
    )
  })

  it('cross-reference errors', () => {
    const problems = problemsOf(`schools:
  - id: a
    name: A
    timezone: Mars/Olympus
    calendar:
      terms: [{ start: "2026-09-01", end: "2026-02-30" }]
    buildings:
      - id: b
        use: teaching
        meters:
          - { id: m1, kind: water }
          - { id: m2, kind: water, space: nope, parent: e1 }
          - { id: e1, kind: electricity }
  - id: c
    name: C
    buildings:
      - id: b
        use: teaching
        meters:
          - { id: m1, kind: water }
`)
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]))
    expect(byPath['schools[0].timezone']).toMatchObject({ value: 'Mars/Olympus', line: 4 })
    expect(byPath['schools[0].calendar.terms[0].end']).toMatchObject({
      value: '2026-02-30',
      expected: 'a real date',
    })
    expect(byPath['schools[0].buildings[0].meters[1].space']).toMatchObject({ value: 'nope', line: 12 })
    expect(byPath['schools[0].buildings[0].meters[1].parent']!.expected).toMatch(
      /a water meter \(that one is electricity\)/,
    )
    expect(byPath['schools[1].buildings[0].meters[0].id']!.expected).toMatch(
      /also used at schools\[0\]\.buildings\[0\]\.meters\[0\]/,
    )
  })

  it('savings: the baseline, the programme start and the interventions', () => {
    const problems = problemsOf(`defaults:
  savings: { programmeStart: "2026-02-30" }
schools:
  - id: a
    name: A
    savings:
      baseline: { from: "2025-09-01", to: "2026-03-31" }
      programmeStart: "2026-09-01"
      interventions:
        - { name: LED lighting, start: "2026-10-08", end: "2026-10-01" }
      heat: { baseline: { from: "2025-11-01", to: "2026-10-31" } }
    buildings:
      - { id: b, use: teaching }
`)
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]))
    expect(byPath['defaults.savings.programmeStart']).toMatchObject({ expected: 'a real date YYYY-MM-DD' })
    expect(byPath['schools[0].savings.baseline.to']!.expected).toMatch(/at least 12 months .* it has 212/)
    expect(byPath['schools[0].savings.programmeStart']!.expected).toMatch(/either baseline or programmeStart/)
    expect(byPath['schools[0].savings.interventions[0].end']).toMatchObject({
      value: '2026-10-01',
      expected: 'a date on or after 2026-10-08',
    })
    // A utility's own baseline of a full year is fine.
    expect(byPath['schools[0].savings.heat.baseline.to']).toBeUndefined()
  })

  it('YAML syntax errors and unreadable files', () => {
    expect(problemsOf('schools: [\n  - id: x\n')[0]!.expected).toMatch(/valid YAML/)
    expect(() => loadConfigFile('/nonexistent/district.yaml')).toThrow(/readable YAML or JSON file/)
  })

  it('the message is one readable block', () => {
    expect(() => parseConfig('schools: []', 'district.yaml')).toThrow(
      /invalid configuration in district.yaml:\n {2}- schools \(line 1\): got \[\]; expected at least 1 item/,
    )
  })
})

describe('loading', () => {
  it('reads JSON as well as YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-config-'))
    const file = join(dir, 'district.json')
    const yaml = parseConfig(TEST_CONFIG).config
    writeFileSync(file, JSON.stringify(yaml))
    const loaded = loadConfigFile(file)
    expect([...loaded.registry.meters.keys()]).toEqual(['W1', 'W2', 'E1', 'E-R101', 'H1', 'T1', 'OW1'])
    expect(loaded.registry.meters.get('W1')!.intervalSeconds).toBe(60)
  })

  it('JSON with a key given twice or a bad value is refused with the line, as YAML is', () => {
    const json = JSON.stringify(parseConfig(TEST_CONFIG).config, null, 2)
    // The same key twice with the same value: JSON.parse alone would take it as valid.
    const twice = json.replace('"id": "W1",', '"id": "W1",\n"kind":"water",')
    expect(twice).not.toBe(json)
    const dup = problemsOf(twice)
    expect(dup[0]!.expected).toMatch(/valid YAML or JSON: Map keys must be unique/)
    // Named at the second of the two.
    const lines = twice.split('\n')
    const first = lines.findIndex((l) => l.includes('"kind":"water"'))
    expect(dup[0]!.line).toBe(lines.findIndex((l, i) => i > first && l.includes('"kind": "water"')) + 1)
    // A key inside a string with a colon after it is not a key.
    const quoted = json.replace('"id": "W1",', '"id": "W1", "name": "\\"tap\\": kitchen",')
    expect(parseConfig(quoted).registry.meters.get('W1')!.name).toBe('"tap": kitchen')
    const bad = json.replace('"kind": "water"', '"kind": "gas"')
    const problem = problemsOf(bad).find((p) => p.path.endsWith('.kind'))!
    expect(problem).toMatchObject({
      value: 'gas',
      line: bad.split('\n').findIndex((l) => l.includes('"gas"')) + 1,
    })
  })
})

describe('environment', () => {
  it('applies the contract defaults', () => {
    const env = readEnv({})
    expect(env).toMatchObject({
      DATA_DIR: './data',
      HTTP_PORT: 8080,
      MQTT_PORT: 1883,
      INFLUX_BATCH_LINES: 5000,
    })
    expect(env.MQTT_URL).toBeUndefined()
    expect(demoEnabled(env)).toBe(true)
    expect(demoEnabled(readEnv({ CONFIG: 'x.yaml' }))).toBe(false)
    expect(demoEnabled(readEnv({ CONFIG: 'x.yaml', DEMO: '1' }))).toBe(true)
    expect(demoEnabled(readEnv({ DEMO: '0' }))).toBe(false)
  })

  it('names every bad variable', () => {
    expect(() => readEnv({ HTTP_PORT: 'eighty', MQTT_URL: 'localhost:1883', DEMO: 'yes' })).toThrow(
      /HTTP_PORT: got "eighty"; expected a value of type integer[\s\S]*MQTT_URL[\s\S]*DEMO: got "yes"; expected one of 0, 1, true, false/,
    )
  })

  it('treats empty variables as unset', () => {
    expect(readEnv({ INFLUX_URL: '', HTTP_PORT: '' })).toMatchObject({ HTTP_PORT: 8080 })
  })
})
