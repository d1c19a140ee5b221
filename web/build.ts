/**
 * Bundles the browser scripts of web/client with esbuild (ECharts tree-shaken to the parts the
 * charts use) into web/static/build, which `npm start` runs first (prestart, about a second); with
 * `dist`, into dist/web with the templates and static files, for the compiled service
 * (`npm run build`). Prints each file's size, raw and gzipped: the page weights of docs/web.md.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..')

export async function buildClient(outDir: string): Promise<void> {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  await build({
    entryPoints: [join(HERE, 'client', 'chart.ts'), join(HERE, 'client', 'print.ts')],
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome80', 'safari13'],
    legalComments: 'none',
    logLevel: 'warning',
  })
}

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
