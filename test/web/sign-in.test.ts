/**
 * Signing in over HTTP: the session cookie's flags, a wrong password told apart from nothing, the
 * back-off after five failures, forms refused without their token or from another site, and a
 * sign-out that ends the session in the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PEOPLE, startWebDistrict } from '../helpers/webapp.js'

let district: Awaited<ReturnType<typeof startWebDistrict>>
beforeAll(async () => {
  district = await startWebDistrict()
}, 60_000)
afterAll(() => district?.svc.stop())

/** A browser's cookie jar, in a few lines. */
function jar() {
  const cookies = new Map<string, string>()
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    take(res: Response) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';')
        const [k, v] = pair!.split('=')
        if (v) cookies.set(k!, v)
        else cookies.delete(k!)
      }
    },
  }
}

async function loginForm(base: string, j: ReturnType<typeof jar>) {
  const res = await fetch(`${base}/login`, { headers: { cookie: j.header() } })
  j.take(res)
  return /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!
}

const post = (url: string, j: ReturnType<typeof jar>, form: Record<string, string>, headers = {}) =>
  fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: j.header(), ...headers },
    body: new URLSearchParams(form).toString(),
  })

describe('sign-in', () => {
  it('opens a session in an HttpOnly, SameSite cookie; signing out ends it', async () => {
    const base = district.svc.httpUrl
    const j = jar()
    const csrf = await loginForm(base, j)
    const res = await post(`${base}/login`, j, {
      _csrf: csrf,
      username: 'WANG',
      password: PEOPLE.caretaker.password,
      next: '/incidents',
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/incidents')
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('smt_session='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).not.toMatch(/Secure/)
    j.take(res)
    const html = await (await fetch(`${base}/incidents`, { headers: { cookie: j.header() } })).text()
    expect(html).toContain('王师傅')
    const user = (await district.svc.store.users.byUsername('wang'))!
    expect(await district.svc.store.sessions.count(user.id)).toBe(1)
    // Behind HTTPS the cookie is Secure.
    const k = jar()
    const csrf2 = await loginForm(base, k)
    const secure = await post(
      `${base}/login`,
      k,
      { _csrf: csrf2, username: 'wang', password: PEOPLE.caretaker.password },
      { 'x-forwarded-proto': 'https' },
    )
    expect(secure.headers.getSetCookie().find((c) => c.startsWith('smt_session='))).toMatch(/Secure/)

    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!
    const out = await post(`${base}/logout`, j, { _csrf: token })
    expect(out.status).toBe(303)
    expect(await district.svc.store.sessions.count(user.id)).toBe(1)
    j.take(out)
    expect(
      (await fetch(`${base}/incidents`, { redirect: 'manual', headers: { cookie: j.header() } })).status,
    ).toBe(303)
  })

  it('a wrong password is refused; after five, even the right one waits', async () => {
    const base = district.svc.httpUrl
    const j = jar()
    for (let i = 0; i < 5; i++) {
      const res = await post(`${base}/login`, j, {
        _csrf: await loginForm(base, j),
        username: 'li',
        password: 'wrong',
      })
      expect(res.status).toBe(401)
      expect(await res.text()).toContain('登录名或密码不正确')
    }
    const right = await post(`${base}/login`, j, {
      _csrf: await loginForm(base, j),
      username: 'li',
      password: PEOPLE.viewer.password,
    })
    expect(right.status).toBe(429)
    expect(await right.text()).toMatch(/请 \d+ 秒后再试/)
  })

  it('refuses a form without its token, or from another site', async () => {
    const base = district.svc.httpUrl
    const j = jar()
    const csrf = await loginForm(base, j)
    expect(
      (await post(`${base}/login`, j, { username: 'zhao', password: PEOPLE.manager.password })).status,
    ).toBe(403)
    const foreign = await post(
      `${base}/login`,
      j,
      { _csrf: csrf, username: 'zhao', password: PEOPLE.manager.password },
      { origin: 'https://evil.example' },
    )
    expect(foreign.status).toBe(403)
    expect(await foreign.text()).toContain('表单无法提交')
    const ok = await post(`${base}/login`, j, {
      _csrf: csrf,
      username: 'zhao',
      password: PEOPLE.manager.password,
      next: '//evil.example/',
    })
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe('/')
  })
})
