import { isIP } from 'node:net'

/** True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1 (also bracketed or IPv4-mapped). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false
  const a = address.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  if (a === 'localhost' || a === '::1') return true
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a
  return isIP(v4) === 4 && v4.startsWith('127.')
}
