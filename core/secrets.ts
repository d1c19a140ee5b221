/**
 * Secrets at rest: gateway passwords and API tokens are stored as scrypt hashes
 * (`scrypt$N$r$p$salt$hash`, base64url), never in clear. Verification is constant-time.
 * Node's built-in scrypt is used, so no native dependency is needed.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto'

const N = 16384
const R = 8
const P = 1
const KEY_LENGTH = 32

function encode(salt: Buffer, key: Buffer, n = N, r = R, p = P): string {
  return `scrypt$${n}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

function parse(stored: string): { n: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  if (!Number.isInteger(n) || !Number.isInteger(r) || !Number.isInteger(p)) return undefined
  return { n, r, p, salt: Buffer.from(parts[4]!, 'base64url'), key: Buffer.from(parts[5]!, 'base64url') }
}

/** Hashes a secret for storage. */
export function hashSecret(secret: string): string {
  const salt = randomBytes(16)
  return encode(salt, scryptSync(secret, salt, KEY_LENGTH, { N, r: R, p: P }))
}

/** Checks a secret against a stored hash, off the main thread (scrypt takes ~50 ms). */
export function verifySecret(secret: string, stored: string): Promise<boolean> {
  const h = parse(stored)
  if (!h) return Promise.resolve(false)
  return new Promise((resolve) => {
    scrypt(secret, h.salt, h.key.length, { N: h.n, r: h.r, p: h.p, maxmem: 256 * h.n * h.r }, (err, key) => {
      resolve(!err && key.length === h.key.length && timingSafeEqual(key, h.key))
    })
  })
}

/** A new random secret (passwords, API tokens): 32 bytes, base64url. */
export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`
}
