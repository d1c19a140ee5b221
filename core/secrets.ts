/**
 * Secrets at rest: gateway passwords and API tokens are stored as scrypt hashes
 * (`scrypt$N$r$p$salt$hash`, base64url), never in clear. Verification is constant-time.
 * Node's built-in scrypt is used, so no native dependency is needed.
 *
 * A gateway password is kept as a bcrypt hash too: the one form of hashed password a NATS
 * cluster's users take (ingest/broker/nats-users.ts), and scrypt cannot be turned into it.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto'
import { hashSync as bcryptHashSync } from 'bcryptjs'

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

/**
 * bcrypt's cost: NATS checks the hash at every CONNECT, so after a broker node dies all its
 * gateways pay it at once; 10 (2^10 rounds) keeps that in tens of milliseconds a login, and a
 * generated password (32 random bytes) is beyond guessing whatever the cost.
 */
const BCRYPT_COST = 10

/** bcrypt reads no more than the first 72 bytes of a secret: a longer one is refused, not cut. */
export const BCRYPT_MAX_BYTES = 72

/** A secret's bcrypt hash (`$2b$10$…`), for a NATS cluster's users. */
export function bcryptHashSecret(secret: string): string {
  if (Buffer.byteLength(secret) > BCRYPT_MAX_BYTES)
    throw new RangeError(`bcrypt reads at most ${BCRYPT_MAX_BYTES} bytes of a secret`)
  return bcryptHashSync(secret, BCRYPT_COST)
}
