import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/**
 * Finds a service binary the integration suites need. Missing binaries fail the suite (never
 * skip it): install them with `bash .ci/run` or `apt-get install influxdb mosquitto`.
 */
export function requireBinary(name: string, pkg: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin']
  for (const d of dirs) {
    const p = join(d, name)
    if (d && existsSync(p)) return p
  }
  throw new Error(
    `${name} not found: install Debian's ${pkg} package (apt-get install -y ${pkg}), as .ci/run does`,
  )
}
