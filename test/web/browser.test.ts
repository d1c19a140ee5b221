/**
 * The web app in a real browser (Debian's Chromium through playwright-core) against the real
 * service, fed over MQTT: a caretaker opens a notification link on a 360 px phone, sees the leak's
 * chart, acknowledges (with the keyboard) and resolves it, and the API shows it resolved by that
 * person; a viewer cannot acknowledge; a manager finds the silent meter from the district page in
 * three clicks; the savings page shows the monthly report API's figures; links that are altered,
 * expired or used for another incident are refused with a page; every page passes axe-core with no
 * serious violation at 360 and 1280 px.
 */
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  closeBrowser,
  DESK,
  openBrowser,
  PEOPLE,
  PHONE,
  seriousViolations,
  signIn,
  startWebDistrict,
} from '../helpers/webapp.js'

let district: Awaited<ReturnType<typeof startWebDistrict>>
let base: string
const browsers: BrowserContext[] = []
const browser = async (viewport = PHONE) => {
  const b = await openBrowser(viewport)
  browsers.push(b)
  return b
}

beforeAll(async () => {
  district = await startWebDistrict({ people: false })
  base = district.svc.httpUrl
}, 60_000)
afterAll(async () => {
  for (const b of browsers) await b.close()
  await closeBrowser()
  await district?.svc.stop()
})

describe('the web app', () => {
  it('opens without a sign-in on the loopback demo; once people have logins, it asks', async () => {
    const open = await fetch(`${base}/district`, { redirect: 'manual' })
    expect(open.status).toBe(200)
    expect(await open.text()).toContain('北区小学')
    const { svc } = district
    const { hashSecret } = await import('../../core/secrets.js')
    for (const p of Object.values(PEOPLE))
      await svc.store.users.add({
        username: p.username,
        name: p.name,
        role: p.role,
        hash: hashSecret(p.password),
      })
    const closed = await fetch(`${base}/district`, { redirect: 'manual' })
    expect(closed.status).toBe(303)
    expect(closed.headers.get('location')).toBe('/login?next=%2Fdistrict')
    // Machines keep their API, and the API its own rules (no token exists: still open on loopback).
    expect((await fetch(`${base}/api/v1/incidents/${district.leak.id}`)).status).toBe(200)
  })

  it('a caretaker opens the link on a phone, sees the leak’s chart, acknowledges and resolves it', async () => {
    const page = await (await browser(PHONE)).newPage()
    await page.goto(district.link(district.leak.id, '王师傅'))
    await expect.poll(() => page.locator('h1').textContent()).toContain(`事件 ${district.leak.id}`)
    // The chart is drawn (SVG by ECharts) with the fault marked, its name a sentence.
    const chart = page.locator('[data-chart][data-drawn="true"]')
    await chart.waitFor()
    expect(await chart.locator('svg path').count()).toBeGreaterThan(2)
    expect(await chart.getAttribute('aria-label')).toMatch(
      /^近 48 小时的流量，最高 .+ 升\/分钟；图中标出了自 .+ 起的故障时段。$/,
    )
    expect(await page.getByText('每天损失').count()).toBeGreaterThan(0)
    const width = await page.evaluate('document.documentElement.scrollWidth')
    expect(width).toBeLessThanOrEqual(360)
    expect(await seriousViolations(page)).toEqual([])

    // Acknowledge with the keyboard: tab to the button, Enter.
    const ack = page.getByRole('button', { name: '确认：我来处理' })
    for (let i = 0; i < 30 && !(await ack.evaluate((el) => el === el.ownerDocument.activeElement)); i++)
      await page.keyboard.press('Tab')
    await Promise.all([page.waitForURL(/done=ack/), page.keyboard.press('Enter')])
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('已确认')

    await page.getByLabel('处理记录（发现了什么、做了什么）').fill('更换了卫生间进水阀')
    await Promise.all([
      page.waitForURL(/done=resolve/),
      page.getByRole('button', { name: '处理完毕' }).click(),
    ])
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('处理完毕')

    const api = (await (await fetch(`${base}/api/v1/incidents/${district.leak.id}`)).json()) as Record<
      string,
      unknown
    >
    expect(api).toMatchObject({
      status: 'resolved',
      acknowledgedBy: '王师傅',
      resolvedBy: '王师傅',
      note: '更换了卫生间进水阀',
    })
    const audit = await district.svc.store.audit.list({ target: `incident:${district.leak.id}` })
    expect(audit.map((e) => [e.actor, e.action, e.detail?.via])).toEqual([
      ['王师傅', 'incident.resolve', 'link'],
      ['王师傅', 'incident.acknowledge', 'link'],
    ])
  })

  it('refuses a link that was altered, has expired or is used for another incident, with a page', async () => {
    const good = district.link(district.leak.id, '王师傅')
    const altered = await fetch(`${good.slice(0, -3)}abc`)
    expect(altered.status).toBe(403)
    expect(await altered.text()).toContain('此链接无效')
    const expired = await fetch(district.link(district.leak.id, '王师傅', -60_000))
    expect(expired.status).toBe(410)
    expect(await expired.text()).toContain('此链接已过期')

    // A form of this link posted with another incident's id: refused, nothing changes.
    const other = (await district.svc.store.incidents.list({ limit: 100 })).find(
      (i) => i.id !== district.leak.id,
    )!
    const page = await (await browser(PHONE)).newPage()
    await page.goto(district.link(other.id, '王师傅'))
    const before = (await district.svc.store.incidents.get(other.id))!.status
    await page.locator('form[action$="/resolve"] input[name="incident"]').evaluate((el, id) => {
      el.setAttribute('value', String(id))
    }, district.leak.id)
    await page.getByRole('button', { name: '处理完毕' }).click()
    await expect.poll(() => page.locator('h1').textContent()).toContain('此链接属于另一个事件')
    expect((await district.svc.store.incidents.get(other.id))!.status).toBe(before)

    // A form without its token, or from another site, is refused.
    const forged = await fetch(`${base}/i/${good.split('/i/')[1]}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `incident=${district.leak.id}`,
    })
    expect(forged.status).toBe(403)
  })

  it('a viewer reads an incident but cannot acknowledge it', async () => {
    const incident = (await district.svc.store.incidents.list({ status: 'active', limit: 10 }))[0]!
    const page = await (await browser(PHONE)).newPage()
    await signIn(page, base, PEOPLE.viewer)
    await page.goto(`${base}/incidents/${incident.id}`)
    expect(await page.getByRole('button', { name: '确认：我来处理' }).count()).toBe(0)
    expect(await page.getByText('只能查看此事件').count()).toBe(1)
    // Posting the form anyway, with the page's own token: refused.
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue()
    const res = await page.request.post(`${base}/incidents/${incident.id}/ack`, {
      form: { _csrf: csrf, incident: String(incident.id) },
      maxRedirects: 0,
    })
    expect(res.status()).toBe(403)
    expect((await district.svc.store.incidents.get(incident.id))!.status).toBe(incident.status)
  })

  it('a manager finds the silent meter from the district page in three clicks', async () => {
    const page = await (await browser(DESK)).newPage()
    await signIn(page, base, PEOPLE.manager)
    await page.goto(`${base}/district`)
    let clicks = 0
    await Promise.all([
      page.waitForURL(/\/schools\/north-primary/),
      page.getByRole('link', { name: '1 块表计失联' }).click(),
    ])
    clicks++
    await Promise.all([
      page.waitForURL(/\/meters\/N-T-OUT/),
      page.getByRole('link', { name: '室外温度' }).click(),
    ])
    clicks++
    expect(clicks).toBeLessThanOrEqual(3)
    await expect.poll(() => page.locator('h1').textContent()).toContain('已失联')
  })

  it('the savings page shows the figures of the monthly report API', async () => {
    const page = await (await browser(DESK)).newPage()
    await signIn(page, base, PEOPLE.manager)
    await page.goto(`${base}/savings?utility=water`)
    const month = await page.locator('#month').inputValue()
    const api = (await (await fetch(`${base}/api/v1/reports/monthly?month=${month}`)).json()) as Record<
      string,
      unknown
    >[]
    const water = api.filter((r) => r.utility === 'water')
    expect(water.length).toBe(2)
    for (const r of water) {
      const row = page.locator(`#monthly tr[data-school="${r.school}"]`)
      expect(Number(await row.locator('td').nth(0).getAttribute('data-value'))).toBe(r.actual)
      expect(await row.locator('td').nth(1).getAttribute('data-value')).toBe(
        r.expected === undefined ? '' : String(r.expected),
      )
      expect(await row.locator('td').nth(3).getAttribute('data-value')).toBe(
        r.savingsPct === undefined ? '' : String(r.savingsPct),
      )
      expect(await row.locator('td').nth(0).textContent()).toContain(
        new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 }).format(r.actual as number),
      )
    }
    const csv = await page.request.get(`${base}/savings.csv?month=${month}&utility=water`)
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8')
    expect((await csv.text()).split('\n').length).toBeGreaterThanOrEqual(3)
  })

  it('every page has no serious accessibility violation at 360 and 1280 px', async () => {
    for (const viewport of [PHONE, DESK]) {
      const page = await (await browser(viewport)).newPage()
      await signIn(page, base, PEOPLE.manager)
      for (const path of [
        '/incidents',
        `/incidents/${district.leak.id}`,
        '/district',
        '/schools/north-primary',
        '/meters/N-W-MAIN',
        '/quality',
        '/savings',
        '/readiness',
      ]) {
        await page.goto(`${base}${path}`)
        expect(await seriousViolations(page), `${path} at ${viewport.width} px`).toEqual([])
        expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(
          viewport.width,
        )
      }
    }
  })
})
