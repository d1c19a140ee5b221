/**
 * Bundles the browser scripts of web/client with esbuild (ECharts tree-shaken to the parts the
 * charts use, minified, ES modules) into a folder: about a second.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const HERE = dirname(fileURLToPath(import.meta.url))

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
