/**
 * The service as it runs, its notifications wired from the environment: a kettle in a dorm room
 * published over MQTT reaches a DingTalk group through the robot's address and secret from the
 * environment (DINGTALK_ROBOT_URL, DINGTALK_ROBOT_SECRET), signed, with a link to the incident's
 * page under PUBLIC_URL signed with LINK_SECRET; taking the incident on through the API tells the
 * group who did. The test waits for the robot's requests, never for the clock.
 */
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LinkSigner } from '../../core/links.js'
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

describe('notifications in the running service', () => {
  it('a kettle published over MQTT reaches the DingTalk group, signed, with a link under PUBLIC_URL', async () => {
    const url = robots.add('dingtalk', 'svc-dorm', { secret: SECRET })
    const svc = await startTestService({
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
      // Taken on through the API: the group hears who took it.
      const followUp = once(robots, 'hit') as Promise<[RobotHit]>
      const ack = await fetch(`${svc.httpUrl}/api/v1/incidents/${incidents[0].id}/ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by: '赵老师' }),
      })
      expect(ack.status).toBe(200)
      const [second] = await followUp
      expect(second.code).toBe(0)
      expect((second.body.markdown as { text: string }).text).toContain('赵老师 已认领')
    } finally {
      await client.endAsync()
      await svc.stop()
    }
  })
})
