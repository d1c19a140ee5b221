import { readFileSync } from 'node:fs'

/** The package version, from package.json beside the sources or above dist/. */
export const VERSION: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')).version
    } catch {}
  }
  return 'unknown'
})()
