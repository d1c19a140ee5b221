import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { demoEnabled, describeUnknownVariables, readEnv, unknownVariables } from '../../core/config/env.js'
import { loadConfigFile, parseConfig, startupLocale } from '../../core/config/load.js'
import { ConfigError } from '../../core/errors.js'
import { render } from '../../core/i18n/index.js'
import { TEST_CONFIG } from '../helpers/registry.js'

function problemsOf(text: string) {
  try {
    parseConfig(text, 'bad.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    // What was expected, as an English reader sees it.
    return (err as ConfigError).problems.map((p) => ({
      ...p,
      expected: typeof p.expected === 'string' ? p.expected : render('en', p.expected),
    }))
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
    expect(s.calendar.plannedUse[0]!.name).toBe('泳池补水')
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
    expect(byPath['defaults.savings.programmeStart']).toMatchObject({ expected: 'a real date' })
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

  it("reads in the reader's language", () => {
    let err: ConfigError | undefined
    try {
      parseConfig('schools: []\nextra: 1\n', 'district.yaml')
    } catch (e) {
      err = e as ConfigError
    }
    expect(err!.text('zh-CN')).toBe(
      '配置有误（district.yaml）：\n  - extra（第 2 行）：当前为 1，应为此处没有这一项（拼写有误或位置放错？）\n  - schools（第 1 行）：当前为 []，应为至少 1 项',
    )
    expect(err!.text('en')).toBe(err!.message)
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
      /HTTP_PORT: got "eighty"; expected a whole number[\s\S]*MQTT_URL: got "localhost:1883"; expected a URL starting with mqtt:\/\/[\s\S]*DEMO: got "yes"; expected one of 0, 1, true, false/,
    )
  })

  it('says what a value out of range should be, as a sentence', () => {
    let err: ConfigError | undefined
    try {
      readEnv({ HTTP_PORT: '99999', CHECKPOINT_SECONDS: '0' })
    } catch (e) {
      err = e as ConfigError
    }
    expect(err!.message).toBe(
      'invalid configuration in the environment:\n' +
        '  - HTTP_PORT: got 99999; expected a number of at most 65535\n' +
        '  - CHECKPOINT_SECONDS: got 0; expected a number of at least 1',
    )
    expect(err!.text('zh-CN')).toBe(
      '配置有误（环境变量）：\n' +
        '  - HTTP_PORT：当前为 99999，应为不大于 65535 的数\n' +
        '  - CHECKPOINT_SECONDS：当前为 0，应为不小于 1 的数',
    )
  })

  it('names variables that look like its own but are not, with the likely intended one', () => {
    const unknown = unknownVariables({
      HTTP_PROT: '8081',
      INFLUX_UR: 'http://x',
      MQTT_PASWORD: 'x',
      INFLUX_HOST: 'x',
      SMTP_USER: 'x',
      CONFIG: 'd.yaml',
      HTTP_PROXY: 'http://proxy',
      HTTPS_PROXY: 'http://proxy',
      HOME: '/root',
      PATH: '/bin',
      NODE_OPTIONS: '',
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      http_prot: '1',
    })
    expect(unknown).toEqual([
      { name: 'HTTP_PROT', suggestion: 'HTTP_PORT' },
      { name: 'INFLUX_HOST' },
      { name: 'INFLUX_UR', suggestion: 'INFLUX_URL' },
      { name: 'MQTT_PASWORD', suggestion: 'MQTT_PASSWORD' },
      { name: 'SMTP_USER' },
    ])
    expect(describeUnknownVariables('en', unknown.slice(0, 2))).toBe(
      "The environment variables HTTP_PROT (did you mean HTTP_PORT?), INFLUX_HOST are not schoolmeter's and are ignored; docs/configuration.md lists every variable.",
    )
    expect(describeUnknownVariables('zh-CN', unknown.slice(0, 1))).toBe(
      '环境变量 HTTP_PROT（是否应为 HTTP_PORT？） 不是 schoolmeter 的设置，已忽略；全部环境变量见 docs/configuration.md。',
    )
    expect(describeUnknownVariables('en', [])).toBeUndefined()
  })

  it("speaks at start-up in LOCALE, else the district's language, else Chinese", () => {
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-locale-'))
    const english = join(dir, 'english.yaml')
    writeFileSync(english, 'district: { id: d, name: D, locale: en }\nschools: oops\n')
    expect(startupLocale({ CONFIG: english })).toBe('en')
    expect(startupLocale({ CONFIG: english, LOCALE: 'zh-CN' })).toBe('zh-CN')
    expect(startupLocale({ LOCALE: 'en' })).toBe('en')
    expect(startupLocale({})).toBe('zh-CN')
    expect(startupLocale({ CONFIG: join(dir, 'missing.yaml'), LOCALE: 'fr' })).toBe('zh-CN')
  })

  it('treats empty variables as unset', () => {
    expect(readEnv({ INFLUX_URL: '', HTTP_PORT: '' })).toMatchObject({ HTTP_PORT: 8080 })
  })
})
