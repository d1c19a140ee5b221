/**
 * MQTT, for machines: every alert transition on `schools/{school}/alerts` (CONTRACT.md), the
 * alert object with `transition`, written by the router as the contract says and published in
 * order through the broker the service runs or consumes.
 */
import type { Channel } from '../../channel.js'
import { ChannelError } from '../../channel.js'

export function mqttChannel(deps: {
  publish?: (topic: string, payload: string) => Promise<void>
}): Channel<undefined, string> {
  return {
    name: 'mqtt',
    audience: 'machines',
    reach: 'topic',
    transitions: [],
    limits: { windows: [], concurrency: 1, ordered: true },
    render() {
      throw new Error('MQTT carries alert objects, not notices')
    },
    raw: (payload) => payload,
    async send(message, ctx) {
      if (!deps.publish) throw new ChannelError('no MQTT broker to publish to')
      await deps.publish(ctx.target, message)
    },
  }
}
