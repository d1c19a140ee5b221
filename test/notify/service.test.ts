/**
 * The service as it runs, its notifications wired from the environment: a kettle in a dorm room
 * published over MQTT reaches a DingTalk group through the robot's address and secret from the
 * environment (DINGTALK_ROBOT_URL, DINGTALK_ROBOT_SECRET), signed, with a link to the incident's
 * page under PUBLIC_URL signed with LINK_SECRET; that very link opens the incident in the web app
 * (over HTTP, on the service's port) and takes it on, and the group hears who did. The same link
 * altered, turned to another incident, or past its expiry is refused. The test waits for the
 * robot's requests, never for the clock: the web app's clock is moved, not waited for.
 */
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LINK_LIFETIME_MS, LinkSigner } from '../../core/links.js'
import { linksIn, type RobotHit, RobotPlatforms } from '../helpers/robots.js'
import { getJson, mqttClient, startTestService } from '../helpers/service.js'

const robots = new RobotPlatforms({ now: () => Date.now() })
const LINK_SECRET = 'a-link-secret-of-at-least-32-characters!'
const SECRET = 'SECservice-test-dingtalk-secret'

beforeAll(() => robots.start())
afterAll(() => robots.stop())

const CONFIG = `
schools:
  - id: test-school
    name: 测试学校
    timezone: Asia/Shanghai
    notifications:
      contacts:
        facilities: [{ name: 宿管赵老师, email: zhao@test.example, ids: { dingtalk: zhao01 } }]
      channels:
        dingtalk: [{ name: 宿管群, urlEnv: DINGTALK_ROBOT_URL, secretEnv: DINGTALK_ROBOT_SECRET }]
    buildings:
      - id: dorm
        use: dormitory
        spaces:
          - { id: r101, name: 101 室, use: dorm_room, appliancePolicy: restricted }
        meters:
          - { id: E-R101, kind: electricity, space: r101, maxPowerKw: 8, intervalSeconds: 10 }
`

/** A form post with the cookies and CSRF token a page gave, as a browser sends it. */
async function postForm(url: string, page: Response, html: string, form: Record<string, string>) {
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
  expect(csrf).toBeDefined()
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: csrf!, ...form }).toString(),
  })
}

describe('notifications in the running service', () => {
  it('a kettle published over MQTT reaches the DingTalk group, signed, with a link the web app opens', async () => {
    const url = robots.add('dingtalk', 'svc-dorm', { secret: SECRET })
    // The web app's clock; moved past the link's expiry at the end.
    let webAhead = 0
    const svc = await startTestService({
      now: () => Date.now() + webAhead,
      config: CONFIG,
      env: {
        PUBLIC_URL: 'https://energy.test-district.example/',
        LINK_SECRET,
        DINGTALK_ROBOT_URL: url,
        DINGTALK_ROBOT_SECRET: SECRET,
      },
    })
    const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
    try {
      // Six minutes of a dorm room ending now: 2 kW for the last four.
      const now = Date.now()
      let kwh = 10
      const readings = Array.from({ length: 36 }, (_, i) => {
        const ts = now - (35 - i) * 10_000
        const p = 120 + (i >= 12 ? 2000 : 0)
        kwh += (p * 10) / 3.6e6
        return {
          meter: 'E-R101',
          ts: new Date(ts).toISOString(),
          energy_kwh: Math.round(kwh * 1e6) / 1e6,
          power_w: p,
        }
      })
      const told = once(robots, 'hit') as Promise<[RobotHit]>
      await client.publishAsync('schools/test-school/gateways/gw-1', JSON.stringify(readings), { qos: 1 })
      const [hit] = await told
      expect(hit.code).toBe(0)
      expect(robots.violations).toEqual([])
      const { body: incidents } = await getJson(`${svc.httpUrl}/api/v1/incidents?school=test-school`)
      expect(incidents).toHaveLength(1)
      expect(hit.body).toMatchObject({
        msgtype: 'markdown',
        at: { atUserIds: ['zhao01'], atMobiles: [], isAtAll: false },
      })
      const text = (hit.body.markdown as { text: string }).text
      // The building has no name in this registry: its id stands in.
      expect(text).toContain('**测试学校 · dorm · 101 室**')
      expect(text).toContain('值班：@zhao01')
      // The link: under PUBLIC_URL (its trailing slash dropped), signed with LINK_SECRET, for the one person on duty.
      expect(text).toMatch(/\[打开处理 · 一键认领\]\(https:\/\/energy\.test-district\.example\/i\/[\w.-]+\)/)
      const [token] = linksIn(hit.body)
      expect(new LinkSigner(Buffer.from(LINK_SECRET)).verify(token!, Date.now())).toMatchObject({
        incident: incidents[0].id,
        to: '宿管赵老师',
      })
      const id = incidents[0].id as number
      // The web app opens that link (its path, on the service's own port: PUBLIC_URL is the proxy
      // in front): the incident's page, no password asked.
      const link = /\]\((https:\/\/energy\.test-district\.example\/i\/[\w.-]+)\)/.exec(text)![1]!
      const path = new URL(link).pathname
      expect(path).toBe(`/i/${token}`)
      const page = await fetch(`${svc.httpUrl}${path}`)
      expect(page.status).toBe(200)
      const html = await page.text()
      expect(html).toContain(`事件 ${id}`)
      expect(html).toContain(`action="${path}/ack"`)

      // A form of the link that names another incident is refused; nothing changes.
      const other = await postForm(`${svc.httpUrl}${path}/ack`, page, html, { incident: String(id + 1) })
      expect(other.status).toBe(403)
      expect(await other.text()).toContain('此链接属于另一个事件')
      expect((await svc.store.incidents.get(id))!.status).toBe('open')

      // Taken on through the link: recorded under the person it was sent to, and the group hears it.
      const followUp = once(robots, 'hit') as Promise<[RobotHit]>
      const ack = await postForm(`${svc.httpUrl}${path}/ack`, page, html, { incident: String(id) })
      expect(ack.status).toBe(303)
      expect(await svc.store.incidents.get(id)).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: '宿管赵老师',
      })
      const [second] = await followUp
      expect(second.code).toBe(0)
      expect((second.body.markdown as { text: string }).text).toContain('宿管赵老师 已认领')

      // The same link altered (its signature, or its claims) opens nothing.
      const [body, mac] = path.slice('/i/'.length).split('.') as [string, string]
      // Its first character: the last one of a base64url HMAC carries bits a decoder drops ('A' and
      // 'B' there can decode alike), so flipping it failed to alter the signature one time in 16.
      const flipped = `${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`
      const altered = await fetch(`${svc.httpUrl}/i/${body}.${flipped}`)
      expect(altered.status).toBe(403)
      expect(await altered.text()).toContain('此链接无效')
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as [number, string, number]
      const stretched = Buffer.from(JSON.stringify([claims[0], claims[1], claims[2] + 86_400])).toString(
        'base64url',
      )
      expect((await fetch(`${svc.httpUrl}/i/${stretched}.${mac}`)).status).toBe(403)

      // Past its 7 days, the link from the message is refused as expired.
      webAhead = LINK_LIFETIME_MS + 60_000
      const expired = await fetch(`${svc.httpUrl}${path}`)
      expect(expired.status).toBe(410)
      expect(await expired.text()).toContain('此链接已过期')
    } finally {
      await client.endAsync()
      await svc.stop()
    }
  })
})
