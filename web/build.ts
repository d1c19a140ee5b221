/**
 * `tsx web/build.ts [dist] [--sizes]`: the browser scripts bundled (web/client-build.ts) into
 * web/static/build — what `npm start` runs first — or, with `dist`, into dist/web with the templates
 * and static files, for the compiled service (`npm run build`). --sizes prints each file's bytes,
 * raw and gzipped: the page weights of docs/web.md.
 */
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { buildClient } from './client-build.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..')

function sizes(dir: string): void {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f)
    if (!statSync(p).isFile()) continue
    const body = readFileSync(p)
    console.log(
      `${f.padEnd(16)} ${String(body.length).padStart(8)} B  ${String(gzipSync(body, { level: 9 }).length).padStart(7)} B gzip`,
    )
  }
}

const toDist = process.argv[2] === 'dist'
const outDir = toDist ? join(ROOT, 'dist', 'web', 'static', 'build') : join(HERE, 'static', 'build')
if (toDist) {
  cpSync(join(HERE, 'views'), join(ROOT, 'dist', 'web', 'views'), { recursive: true })
  cpSync(join(HERE, 'static'), join(ROOT, 'dist', 'web', 'static'), {
    recursive: true,
    filter: (src) => !src.includes(`${join('static', 'build')}`),
  })
}
await buildClient(outDir)
if (process.argv.includes('--sizes')) {
  sizes(join(HERE, 'static'))
  sizes(outDir)
}
