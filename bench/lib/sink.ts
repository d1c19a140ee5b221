/**
 * The raw ceiling's consumer, run as its own process: one mqtt.js subscriber on `schools/#` that
 * only JSON-parses each message and counts readings — what any MQTT consumer in Node.js must at
 * least do. Reports its counts over IPC every second and once more when told to stop.
 */
import { connectAsync } from 'mqtt'

export interface SinkSpec {
  url: string
  qos: 0 | 1
}

export interface SinkCounts {
  type: 'counts'
  final: boolean
  messages: number
  readings: number
}

process.once('message', async (spec: SinkSpec) => {
  const client = await connectAsync(spec.url, { clientId: `bench-sink-${process.pid}`, reconnectPeriod: 0 })
  let messages = 0
  let readings = 0
  client.on('message', (_topic, payload) => {
    const body = JSON.parse(payload.toString('utf8'))
    messages++
    readings += Array.isArray(body) ? body.length : 1
  })
  await client.subscribeAsync('schools/#', { qos: spec.qos })
  const send = (final: boolean) =>
    process.send?.({ type: 'counts', final, messages, readings } satisfies SinkCounts)
  const timer = setInterval(() => send(false), 1000)
  process.send?.({ type: 'ready' })
  process.on('message', async (m: { type?: string }) => {
    if (m?.type !== 'stop') return
    clearInterval(timer)
    send(true)
    await client.endAsync()
    process.exit(0)
  })
})
