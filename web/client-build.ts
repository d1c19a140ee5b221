/**
 * Bundles the browser scripts of web/client with esbuild (ECharts tree-shaken to the parts the
 * charts use, minified, ES modules) into a folder: about a second.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const HERE = dirname(fileURLToPath(import.meta.url))

export async function buildClient(outDir: string): Promise<void> {
  // Built beside the folder, then moved in file by file (a rename replaces a file at once): a
  // service already serving the folder — a second \`npm start\`, the tests beside one — never finds
  // it empty or a script half written.
  mkdirSync(outDir, { recursive: true })
  const staging = mkdtempSync(join(dirname(outDir), '.build-'))
  try {
    await build({
      entryPoints: [join(HERE, 'client', 'chart.ts'), join(HERE, 'client', 'print.ts')],
      outdir: staging,
      bundle: true,
      minify: true,
      format: 'esm',
      target: ['es2020', 'chrome80', 'safari13'],
      legalComments: 'none',
      logLevel: 'warning',
    })
    const built = new Set(readdirSync(staging))
    for (const f of built) renameSync(join(staging, f), join(outDir, f))
    for (const f of readdirSync(outDir))
      if (!built.has(f)) rmSync(join(outDir, f), { recursive: true, force: true })
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}
