/**
 * The web app's static files — the style sheet, the icon, and the scripts `npm run build` (or
 * `npm start`'s prestart) bundles from web/client — served from memory under names that carry a
 * hash of their content, so a browser keeps them for a year and never uses a stale one. Each is
 * compressed once at start (gzip); nothing is fetched from anywhere else.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'

const HERE = dirname(fileURLToPath(import.meta.url))
/** Hand-written files (style sheet, icon). */
export const STATIC_DIR = join(HERE, 'static')
/** What web/build.ts bundles from web/client. */
export const BUILD_DIR = join(HERE, 'static', 'build')

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
}

interface Asset {
  url: string
  type: string
  body: Buffer
  gzip: Buffer
}

export class Assets {
  private readonly byName = new Map<string, Asset>()
  private readonly byUrl = new Map<string, Asset>()

  constructor(dirs: string[] = [STATIC_DIR, BUILD_DIR]) {
    for (const dir of dirs) {
      if (!existsSync(dir)) continue
      for (const file of readdirSync(dir, { withFileTypes: true })) {
        if (!file.isFile()) continue
        const ext = extname(file.name)
        const type = TYPES[ext]
        if (!type || ext === '.map') continue
        const body = readFileSync(join(dir, file.name))
        const hash = createHash('sha256').update(body).digest('base64url').slice(0, 10)
        const url = `/assets/${file.name.slice(0, -ext.length)}.${hash}${ext}`
        const asset = { url, type, body, gzip: gzipSync(body, { level: 9 }) }
        this.byName.set(file.name, asset)
        this.byUrl.set(url, asset)
      }
    }
  }

  /** The address of an asset by its file name; throws for one that is not there (a build step missed). */
  url(name: string): string {
    const a = this.byName.get(name)
    if (!a)
      throw new Error(`web asset ${name} is missing: run \`npm run build\` (or npm start, which builds it)`)
    return a.url
  }

  has(name: string): boolean {
    return this.byName.has(name)
  }

  /** Bytes sent for an asset (compressed when the browser accepts gzip, as every browser does). */
  size(name: string): { raw: number; gzip: number } | undefined {
    const a = this.byName.get(name)
    return a && { raw: a.body.length, gzip: a.gzip.length }
  }

  register(app: FastifyInstance): void {
    app.get(
      '/assets/*',
      { config: { access: 'public', rateLimit: false }, schema: { hide: true } },
      async (req, reply) => {
        const asset = this.byUrl.get(req.url.split('?')[0]!)
        if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('404')
        const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
        reply
          .header('content-type', asset.type)
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('vary', 'Accept-Encoding')
        if (gzip) reply.header('content-encoding', 'gzip')
        return reply.send(gzip ? asset.gzip : asset.body)
      },
    )
  }
}
