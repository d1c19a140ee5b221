/** A TCP relay in front of a local server (PostgreSQL): cut it to take the server away, restore it to give it back. */
import net from 'node:net'

/** A relay on a free port: `cut` drops its connections and refuses new ones; `restore` listens again on the same port. */
export async function relay(port: number) {
  const sockets = new Set<net.Socket>()
  let server: net.Server | undefined
  const listen = (at: number) =>
    new Promise<number>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(port, '127.0.0.1')
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on('close', () => sockets.delete(s))
          s.on('error', () => {
            client.destroy()
            upstream.destroy()
          })
        }
        client.pipe(upstream).pipe(client)
      })
      server.listen(at, '127.0.0.1', () => resolve((server!.address() as net.AddressInfo).port))
    })
  const own = await listen(0)
  return {
    port: own,
    async cut() {
      await new Promise<void>((resolve) => {
        server!.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
    },
    async restore() {
      await listen(own)
    },
  }
}
