/**
 * The NATS users file `gateway nats-users` writes (ingest/broker/nats-users.ts): who is in it, who
 * is left out and why, that a gateway's subjects say what the embedded broker's rules say, and
 * that the real nats-server reads it — whatever the usernames and school ids in the store.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bcryptHashSecret } from '../../core/secrets.js'
import { gatewayPermissions, natsUsers, WORKER_PERMISSIONS } from '../../ingest/broker/nats-users.js'
import { mayPublish, maySubscribe, type Principal } from '../../ingest/broker/security.js'
import type { GatewayCredential } from '../../store/index.js'
import { requireBinary } from '../helpers/binaries.js'

const HASH = bcryptHashSecret('a gateway password, 32 characters')
const WORKER = { username: 'schoolmeter', bcryptHash: bcryptHashSecret('the workers password, long') }

function login(username: string, schoolId: string, more: Partial<GatewayCredential> = {}): GatewayCredential {
  return {
    username,
    schoolId,
    hash: 'scrypt$…',
    bcryptHash: HASH,
    maySubscribeAlerts: false,
    createdAt: 0,
    ...more,
  }
}

/** NATS subject matching: `*` is one token, `>` one or more at the end. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.')
  const s = subject.split('.')
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false
  }
  return p.length === s.length
}
const allowed = (rule: { allow: string[]; deny?: string[] }, subject: string) =>
  rule.allow.some((a) => matches(a, subject)) && !(rule.deny ?? []).some((d) => matches(d, subject))
const subject = (topic: string) => topic.replaceAll('/', '.')

const TOPICS = [
  'schools/a/meters/m1',
  'schools/a/gateways/g1',
  'schools/a/x/y/z',
  'schools/a',
  'schools/ab/meters/m1',
  'schools/a-b/meters/m1',
  'schools/b/meters/m1',
  'schools/a/alerts',
  'schools/a/alerts/x',
  'schools/a/alertsx',
  'schools/a/rejected',
  'schools/a/rejected/x/y',
  'schools/b/alerts',
  'schools/b/rejected',
  'other/a/meters/m1',
]

describe('a gateway’s NATS subjects', () => {
  for (const alerts of [false, true]) {
    it(`say what the embedded broker allows (alerts ${alerts ? 'allowed' : 'not allowed'})`, () => {
      const principal: Principal = {
        kind: 'gateway',
        username: 'g',
        school: 'a',
        maySubscribeAlerts: alerts,
        hash: '',
      }
      const permissions = gatewayPermissions({ schoolId: 'a', maySubscribeAlerts: alerts })
      for (const topic of TOPICS) {
        expect(allowed(permissions.publish, subject(topic)), `publish ${topic}`).toBe(
          mayPublish(principal, topic),
        )
        expect(allowed(permissions.subscribe, subject(topic)), `subscribe ${topic}`).toBe(
          maySubscribe(principal, topic),
        )
      }
    })
  }

  it('the workers subscribe to every school (as `schools/#` and per school) and publish alerts and rejections only', () => {
    for (const s of ['schools', 'schools.a.meters.m1', 'schools.b.gateways.g']) {
      expect(allowed(WORKER_PERMISSIONS.subscribe, s), s).toBe(true)
    }
    for (const s of ['schools.a.alerts', 'schools.b.rejected'])
      expect(allowed(WORKER_PERMISSIONS.publish, s), s).toBe(true)
    for (const s of ['schools.a.meters.m1', 'other', '$JS.API.STREAM.LIST'])
      expect(allowed(WORKER_PERMISSIONS.publish, s), s).toBe(false)
  })
})

describe('natsUsers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-natsusers-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes the workers and the active gateways with bcrypt hashes, leaving out the revoked and naming those to rotate', () => {
    const users = natsUsers(
      [
        login('gw-b', 'b'),
        login('gw-a', 'a', { maySubscribeAlerts: true }),
        login('gw-gone', 'a', { revokedAt: 1 }),
        login('gw-old', 'a', { bcryptHash: undefined }),
        login('gw-bad-hash', 'a', { bcryptHash: 'scrypt$16384$8$1$x$y' }),
      ],
      { worker: WORKER, header: ['first line', 'second\nline'] },
    )
    expect(users.gateways).toEqual(['gw-a', 'gw-b'])
    expect(users.needRotation).toEqual(['gw-bad-hash', 'gw-old'])
    expect(users.unsafe).toEqual([])
    expect(users.text).not.toContain('gw-gone')
    expect(users.text).not.toContain('scrypt')
    expect(users.text.split('\n').slice(0, 3)).toEqual(['# first line', '# second line', 'authorization {'])
    expect(users.text).toContain(
      `{ user: "schoolmeter", password: "${WORKER.bcryptHash}", allowed_connection_types: ["MQTT"]`,
    )
    expect(users.text).toContain(
      `{ user: "gw-a", password: "${HASH}", allowed_connection_types: ["MQTT"], permissions: { publish: { allow: ["schools.a.>"]`,
    )
  })

  it('leaves out, and names, logins whose username or school id would not stay a quoted value, or that clash with the workers', () => {
    const odd = [
      'gw", permissions: {}, x: "',
      'gw\nauthorization { users: [] }',
      'gw}',
      'gw\\',
      'gw $VAR',
      '',
      'schoolmeter',
    ]
    const users = natsUsers(
      [
        ...odd.map((u) => login(u, 'a')),
        login('gw-wild', '>'),
        login('gw-star', 'a.*'),
        login('gw-quote', 'a"'),
        login('gw-good', 'a'),
      ],
      { worker: WORKER },
    )
    expect(users.gateways).toEqual(['gw-good'])
    expect(new Set(users.unsafe)).toEqual(new Set([...odd, 'gw-wild', 'gw-star', 'gw-quote']))
    for (const u of [...odd.filter((u) => u !== 'schoolmeter' && u !== ''), 'gw-wild', 'gw-star', 'gw-quote'])
      expect(users.text).not.toContain(u)
    expect(users.text.match(/user: "schoolmeter"/g)).toHaveLength(1)
  })

  it('refuses a workers login it cannot write', () => {
    expect(() => natsUsers([], { worker: { ...WORKER, username: 'a"b' } })).toThrow()
    expect(() => natsUsers([], { worker: { ...WORKER, bcryptHash: 'plain text' } })).toThrow()
  })

  it('is read by the real nats-server, with the names a login may have at their oddest', () => {
    const users = natsUsers(
      [
        login('A', 'a'),
        login('Gw_1.b-2', '0-school-with-dashes', { maySubscribeAlerts: true }),
        login(`g${'x'.repeat(127)}`, `s${'9'.repeat(63)}`),
      ],
      { worker: WORKER, header: ['网关账号 (gateway logins): "quoted" { braces } $VAR'] },
    )
    expect(users.gateways).toHaveLength(3)
    writeFileSync(join(dir, 'users.conf'), users.text)
    writeFileSync(
      join(dir, 'nats.conf'),
      `server_name: t\njetstream { store_dir: "${join(dir, 'js')}" }\nmqtt { listen: 127.0.0.1:0 }\ninclude "users.conf"\n`,
    )
    const r = spawnSync(requireBinary('nats-server', 'nats-server'), ['-t', '-c', join(dir, 'nats.conf')], {
      encoding: 'utf8',
    })
    expect(`${r.stdout}${r.stderr}`).toContain('is valid')
    expect(r.status).toBe(0)
  })
})
