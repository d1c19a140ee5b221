/** Token parsing, loopback addresses and the verification cache, without a server. */
import { describe, expect, it } from 'vitest'
import { bearer, isLoopback, TokenVerifier } from '../../api/auth.js'
import { verifySecret } from '../../core/secrets.js'
import { parseToken } from '../../store/security.js'
import { openTestStore } from '../helpers/app-store.js'

describe('addresses and headers', () => {
  it('knows loopback addresses from the rest', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(a), a).toBe(true)
    for (const a of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'schoolmeter.example', '', undefined])
      expect(isLoopback(a), String(a)).toBe(false)
  })

  it('reads a bearer token, and tells a header that is not one from no header', () => {
    expect(bearer(undefined)).toBeUndefined()
    expect(bearer('Bearer smt_abc')).toBe('smt_abc')
    expect(bearer('bearer  smt_abc ')).toBe('smt_abc')
    expect(bearer('Basic dXNlcg==')).toBe('')
    expect(bearer('Bearer a b')).toBe('')
  })

  it('parses smt_<id>_<secret> and nothing else', () => {
    expect(parseToken('smt_0123456789ab_abcdefghijklmnop_-')).toEqual({
      id: '0123456789ab',
      secret: 'abcdefghijklmnop_-',
    })
    for (const t of [
      'smt_0123456789ab_short',
      'smt_XYZ_abcdefghijklmnopq',
      'abc_0123456789ab_abcdefghijklmnop',
    ])
      expect(parseToken(t), t).toBeUndefined()
  })
})

describe('TokenVerifier', () => {
  it('runs scrypt once per token a minute, and still sees a revoke or rotation at once', async () => {
    const store = await openTestStore(':memory:')
    let clock = 1_000_000
    let checks = 0
    const verifier = new TokenVerifier(store.apiTokens, {
      now: () => clock,
      check: (secret, hash) => {
        checks++
        return verifySecret(secret, hash)
      },
    })
    const { token, row } = await store.apiTokens.add('ops', 'admin')

    // Ten requests at once with a new token share one scrypt; the next hundred need none.
    const actors = await Promise.all(Array.from({ length: 10 }, () => verifier.verify(token)))
    expect(actors.every((a) => a?.name === 'ops' && a.role === 'admin' && a.tokenId === row.id)).toBe(true)
    expect(checks).toBe(1)
    for (let i = 0; i < 100; i++) await verifier.verify(token)
    expect(checks).toBe(1)
    expect(verifier.recentId(token)).toBe(row.id)
    expect((await store.apiTokens.get(row.id))?.lastUsedAt).toBeDefined()

    // A wrong secret for the same id is refused, and remembered as refused.
    const wrong = `${token.slice(0, 17)}${'A'.repeat(43)}`
    expect(await verifier.verify(wrong)).toBeUndefined()
    expect(await verifier.verify(wrong)).toBeUndefined()

    const { token: fresh } = await store.apiTokens.rotate('ops')
    expect(await verifier.verify(token)).toBeUndefined()
    expect((await verifier.verify(fresh))?.name).toBe('ops')
    await store.apiTokens.revoke('ops')
    expect(await verifier.verify(fresh)).toBeUndefined()

    // After the cache time a token is checked again (and a recent id is forgotten).
    clock += 61_000
    expect(verifier.recentId(fresh)).toBeUndefined()
    await store.close()
  })

  it('an unknown or revoked id costs the same scrypt as a wrong secret: the timing tells nothing', async () => {
    const store = await openTestStore(':memory:')
    const checked: string[] = []
    const verifier = new TokenVerifier(store.apiTokens, {
      check: (secret, hash) => {
        checked.push(secret)
        return verifySecret(secret, hash)
      },
    })
    const { token, row } = await store.apiTokens.add('ops', 'admin')
    const { token: old } = await store.apiTokens.add('old', 'viewer')
    await store.apiTokens.revoke('old')
    const secret = parseToken(token)!.secret
    const unknownId = `smt_${row.id === '0'.repeat(12) ? '1'.repeat(12) : '0'.repeat(12)}_${secret}`
    const wrongSecret = `smt_${row.id}_${'A'.repeat(43)}`
    for (const t of [unknownId, wrongSecret, old]) expect(await verifier.verify(t), t).toBeUndefined()
    expect(checked).toEqual([unknownId, wrongSecret, old])
    // Asked again, each is answered from the refusals remembered, alike.
    for (const t of [unknownId, wrongSecret, old]) expect(await verifier.verify(t), t).toBeUndefined()
    expect(checked).toHaveLength(3)
    // A malformed token needs no check: its form is no secret.
    expect(await verifier.verify('smt_nothing')).toBeUndefined()
    expect(checked).toHaveLength(3)
    expect((await verifier.verify(token))?.name).toBe('ops')
    await store.close()
  })

  it('names are checked: empty, reserved and duplicate names are refused with a sentence', async () => {
    const store = await openTestStore(':memory:')
    await expect(store.apiTokens.add('  ', 'viewer')).rejects.toThrow(/1 to 64 printable characters/)
    await expect(store.apiTokens.add('anonymous', 'viewer')).rejects.toThrow(/reserved/)
    await expect(store.apiTokens.add('ops', 'root')).rejects.toThrow(/unknown role "root"/)
    await store.apiTokens.add('ops', 'viewer')
    await expect(store.apiTokens.add('ops', 'admin')).rejects.toThrow(/already named "ops"/)
    // A revoked token's name may be used again.
    await store.apiTokens.revoke('ops')
    expect((await store.apiTokens.add('ops', 'admin')).row.role).toBe('admin')
    expect(await store.apiTokens.list(true)).toHaveLength(2)
    expect(await store.apiTokens.list()).toHaveLength(1)
    await store.close()
  })
})
