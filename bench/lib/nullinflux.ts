/**
 * A sink that speaks just enough of InfluxDB 1.x's HTTP API (`/ping`, `/query` for CREATE
 * DATABASE, `/write`) to take the service's batches and discard them, counting the lines: the
 * workers' throughput is then theirs and the broker's, with no InfluxDB sharing the cores.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface NullInflux {
  url: string
  /** Lines received so far. */
  lines(): number
  close(): Promise<void>
}

export async function startNullInflux(): Promise<NullInflux> {
  let lines = 0
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/write') {
      req.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++
      })
      req.on('end', () => {
        // A batch's last line carries no newline.
        lines++
        res.writeHead(204).end()
      })
      return
    }
    req.resume()
    if (path === '/ping') res.writeHead(204).end()
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"statement_id":0}]}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    lines: () => lines,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
