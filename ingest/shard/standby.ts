/**
 * While a worker stands by for its shard's lease it has no API yet (the store and the state are
 * the owner's until the lease changes hands), but an orchestrator asks it whether it is alive: it
 * answers `GET /health` with 200 `{"status":"standby", …}` on the API's port until it takes the
 * shard, and then gives the port to the API.
 */
import { createServer } from 'node:http'
import type { LeaseHolder } from '../../store/index.js'

export interface StandbyHealth {
  close(): Promise<void>
}

export async function serveStandbyHealth(o: {
  host: string
  port: number
  shard: string
  holder: () => LeaseHolder | undefined
}): Promise<StandbyHealth> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const holder = o.holder()
    const body =
      path === '/health'
        ? {
            status: 'standby',
            shard: o.shard,
            ...(holder ? { holder: holder.owner, until: holder.expiresAt.toISOString() } : {}),
          }
        : { status: 'standby', error: 'standing_by' }
    res.writeHead(path === '/health' ? 200 : 503, { 'content-type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify(body))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () => resolve())
  })
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
