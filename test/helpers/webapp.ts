/**
 * The web app's test district, live: the real service started in-process and fed over MQTT with
 * readings that end now — leaks (water that never stands still) at both schools, a
 * meter that reported once and went silent, and ordinary meters — plus people with logins, and a
 * browser (Debian's Chromium through playwright-core) to look at it as a caretaker would.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { incidentLink, LinkSigner, linkSecret } from '../../core/links.js'
import { hashSecret } from '../../core/secrets.js'
import { mqttClient, startTestService } from './service.js'

export const WEB_CONFIG = `
district: { id: test-district, name: 测试区教育局 }
defaults:
  tariffs: { water: 4.6, electricity: 0.75, heat: 0.28 }
schools:
  - id: north-primary
    name: 北区小学
    timezone: Asia/Shanghai
    pupils: 600
    calendar:
      terms: [{ name: 秋季学期, start: "2030-09-01", end: "2031-01-20" }]
    buildings:
      - id: main
        name: 教学楼
        use: teaching
        spaces:
          - { id: wc-1, name: 一楼卫生间, use: toilet }
        meters:
          - { id: N-W-MAIN, kind: water, name: 总水表, registerDigits: 6, nominalFlowM3h: 10, intervalSeconds: 600 }
          - { id: N-W-WC1, kind: water, name: 卫生间水表, space: wc-1, parent: N-W-MAIN, intervalSeconds: 900 }
          - { id: N-E-MAIN, kind: electricity, name: 总电表, maxPowerKw: 200, intervalSeconds: 900 }
          - { id: N-T-OUT, kind: temperature, name: 室外温度, placement: outdoor, intervalSeconds: 60 }
  - id: south-middle
    name: 南区中学
    timezone: Asia/Shanghai
    buildings:
      - id: main
        name: 教学楼
        use: teaching
        meters:
          - { id: S-W-MAIN, kind: water, name: 总水表, nominalFlowM3h: 10, intervalSeconds: 900 }
          - { id: S-E-MAIN, kind: electricity, name: 总电表, maxPowerKw: 200, intervalSeconds: 900 }
`

const MIN = 60_000
const HOUR = 3_600_000

/** Who signs in: a caretaker, a head teacher who may only read, a facility manager. */
export const PEOPLE = {
  caretaker: { username: 'wang', name: '王师傅', role: 'maintenance', password: 'leak-fixer-2030' },
  viewer: { username: 'li', name: '李校长', role: 'viewer', password: 'read-only-2030' },
  manager: { username: 'zhao', name: '赵科长', role: 'admin', password: 'district-2030' },
} as const

/**
 * The service, fed. Its API clock runs 20 minutes ahead, so the outdoor sensor (60 s interval, 15
 * minutes' grace) that reported once is silent, while meters with 10 and 15 minute intervals (30
 * and 45 minutes' grace) are reporting.
 */
export async function startWebDistrict(o: { people?: boolean } = {}) {
  const svc = await startTestService({ config: WEB_CONFIG, now: () => Date.now() + 20 * MIN })
  const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
  const end = Math.floor(Date.now() / MIN) * MIN - MIN
  const start = end - 30 * HOUR
  const publish = (school: string, rows: Record<string, unknown>[]) =>
    client.publishAsync(`schools/${school}/gateways/gw-1`, JSON.stringify(rows), { qos: 1 })

  // The leak: 3 L/min day and night, lessons' use on top by day; the toilet's meter stands still at night.
  let main = 1200
  let wc = 300
  let kwh = 50_000
  const north: Record<string, unknown>[] = []
  for (let t = start; t <= end; t += 10 * MIN) {
    const hour = new Date(t + 8 * HOUR).getUTCHours()
    const day = hour >= 8 && hour < 17
    const wcFlow = day ? 6 : 0
    const flow = 3 + wcFlow + (day ? 4 : 0)
    main += (flow * 10) / 1000
    wc += (wcFlow * 10) / 1000
    north.push({ meter: 'N-W-MAIN', ts: t, volume_m3: round(main), flow_lpm: flow })
    if ((t - start) % (15 * MIN) < 10 * MIN)
      north.push({ meter: 'N-W-WC1', ts: t, volume_m3: round(wc), flow_lpm: wcFlow })
    const kw = day ? 60 : 12
    kwh += (kw * 10) / 60
    north.push({ meter: 'N-E-MAIN', ts: t, energy_kwh: round(kwh), power_w: kw * 1000 })
  }
  for (let i = 0; i < north.length; i += 400) await publish('north-primary', north.slice(i, i + 400))
  await publish('north-primary', [{ meter: 'N-T-OUT', ts: end, temp_c: 4.5 }])

  let sw = 800
  let se = 20_000
  const south: Record<string, unknown>[] = []
  for (let t = end - 24 * HOUR; t <= end; t += 15 * MIN) {
    const hour = new Date(t + 8 * HOUR).getUTCHours()
    const day = hour >= 8 && hour < 17
    // A second leak, smaller: 2 L/min while the school is empty.
    const flow = day ? 8 : 2
    sw += (flow * 15) / 1000
    se += ((day ? 50 : 8) * 15) / 60
    south.push({ meter: 'S-W-MAIN', ts: t, volume_m3: round(sw), flow_lpm: flow })
    south.push({ meter: 'S-E-MAIN', ts: t, energy_kwh: round(se), power_w: (day ? 50 : 8) * 1000 })
  }
  await publish('south-middle', south)
  // A reading no meter of the registry owns: data quality lists it.
  await publish('south-middle', [{ meter: 'S-W-UNKNOWN', ts: end, volume_m3: 1 }])
  await client.endAsync()
  await svc.alerts.idle()

  const [leak] = await svc.store.incidents.list({
    school: 'north-primary',
    family: 'water_loss',
    status: 'active',
  })
  if (!leak) throw new Error('the fed leak raised no incident')

  if (o.people !== false)
    for (const p of Object.values(PEOPLE))
      await svc.store.users.add({
        username: p.username,
        name: p.name,
        role: p.role,
        hash: hashSecret(p.password),
      })

  const signer = new LinkSigner(linkSecret({}, svc.store.meta))
  /** The link a notification to `to` carries. */
  const link = (incident: number, to: string, expiresInMs = 7 * 24 * HOUR) =>
    incidentLink(
      svc.httpUrl,
      signer.sign({ incident, to, exp: Math.floor((Date.now() + expiresInMs) / 1000) }),
    )
  return { svc, leak, link }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000
}

let chromiumBrowser: Promise<Browser> | undefined

/**
 * Debian's Chromium, headless: launched once (per test file), each caller given a context of its
 * own — its own cookies, storage and cache, as a fresh profile would have. `closeBrowser()` ends it.
 */
export async function openBrowser(
  viewport: { width: number; height: number },
  locale = 'zh-CN',
): Promise<BrowserContext> {
  chromiumBrowser ??= chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
  return (await chromiumBrowser).newContext({ viewport, locale })
}

export async function closeBrowser(): Promise<void> {
  const launched = chromiumBrowser
  chromiumBrowser = undefined
  await (await launched)?.close()
}

export const PHONE = { width: 360, height: 740 }
export const DESK = { width: 1280, height: 900 }

export async function signIn(page: Page, base: string, who: { username: string; password: string }) {
  await page.goto(`${base}/login`)
  await page.getByLabel('登录名').fill(who.username)
  await page.getByLabel('密码').fill(who.password)
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.getByRole('button', { name: '登录' }).click(),
  ])
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical findings on the page (run through the debugger: the page's CSP stays on). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE)
  const found = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[]
  }
  return found.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}
