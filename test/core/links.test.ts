import { describe, expect, it } from 'vitest'
import { incidentLink, LinkSigner, linkSecret } from '../../core/links.js'

const NOW = Date.parse('2026-12-01T08:00:00+08:00')
const signer = new LinkSigner(Buffer.alloc(32, 7))

describe('signed incident links', () => {
  it('opens exactly its incident until it expires', () => {
    const token = signer.sign({ incident: 42, to: '李师傅', exp: NOW / 1000 + 3600 })
    expect(signer.verify(token, NOW)).toEqual({ incident: 42, to: '李师傅', exp: NOW / 1000 + 3600 })
    expect(signer.verify(token, NOW + 3600_000)).toBeUndefined()
  })

  it('refuses an altered token, another secret, and garbage', () => {
    const token = signer.sign({ incident: 42, to: 'li', exp: NOW / 1000 + 3600 })
    const [body, mac] = token.split('.') as [string, string]
    const other = Buffer.from(JSON.stringify([43, 'li', NOW / 1000 + 3600])).toString('base64url')
    expect(signer.verify(`${other}.${mac}`, NOW)).toBeUndefined()
    expect(signer.verify(`${body}.${mac.slice(0, -2)}AA`, NOW)).toBeUndefined()
    expect(new LinkSigner(Buffer.alloc(32, 8)).verify(token, NOW)).toBeUndefined()
    for (const junk of ['', '.', 'abc', `${body}.`, `.${mac}`, 'x'.repeat(5000)])
      expect(signer.verify(junk, NOW)).toBeUndefined()
  })

  it('keeps a made secret in the store, or takes LINK_SECRET', () => {
    const kept = new Map<string, string>()
    const store = { get: (k: string) => kept.get(k), set: (k: string, v: string) => void kept.set(k, v) }
    const first = linkSecret({}, store)
    expect(first.length).toBeGreaterThanOrEqual(32)
    expect(linkSecret({}, store)).toEqual(first)
    expect(linkSecret({ LINK_SECRET: 'y'.repeat(40) }, store).toString()).toBe('y'.repeat(40))
    expect(() => new LinkSigner(Buffer.from('short'))).toThrow(/32 bytes/)
    expect(incidentLink('https://sm.example/', 'abc.def')).toBe('https://sm.example/i/abc.def')
  })
})
