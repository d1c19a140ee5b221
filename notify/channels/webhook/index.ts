/**
 * Generic webhooks: `POST` JSON `{"event":"incident.opened","incident":{…}}` (docs/contract.md),
 * with `X-Schoolmeter-Event`, `X-Schoolmeter-Delivery` (the outbox id: a receiver drops a
 * repeat) and, with a secret, `X-Schoolmeter-Signature: sha256=<HMAC-SHA256 of the body>` as GitHub
 * signs its webhooks. Every incident transition but `occurred`, in order, one at a time: programs
 * read them, so they are never summarised.
 */
import { createHmac } from 'node:crypto'
import type { School } from '../../../core/registry.js'
import { incidentView } from '../../../core/views.js'
import type { Channel, SendContext } from '../../channel.js'
import { ChannelError } from '../../channel.js'

export interface WebhookConfig {
  url: string
  name?: string
  secret?: string
  secretEnv?: string
  rules?: string[]
  minSeverity?: 'info' | 'warning' | 'critical'
}

export interface WebhookMessage {
  event: string
  body: string
}

/** `X-Schoolmeter-Signature: sha256=<hex HMAC of the body>`. */
export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

export function webhookChannel(deps: {
  env: Record<string, string | undefined>
}): Channel<WebhookConfig, WebhookMessage> {
  return {
    name: 'webhook',
    audience: 'people',
    reach: 'targets',
    transitions: ['opened', 'worsened', 'escalated', 'acknowledged', 'assigned', 'resolved'],
    limits: { windows: [], concurrency: 1, ordered: true },
    configured: (school: School) => school.notifications.webhooks ?? [],
    targetId: (c) => c.url,
    targetName: (c) => c.name,
    render(notice, config, reader) {
      const event = `incident.${notice.transition}`
      const link = reader.link(notice.incident.id, config?.name ?? 'webhook')
      const body = JSON.stringify({
        event,
        incident: incidentView(notice.incident, reader.registry, reader.locale),
        ...(link ? { link } : {}),
      })
      return { event, body }
    },
    raw(payload) {
      return { event: String((JSON.parse(payload) as { event?: unknown }).event ?? ''), body: payload }
    },
    async send(message, ctx: SendContext<WebhookConfig>) {
      const secret =
        ctx.config?.secret ?? (ctx.config?.secretEnv ? deps.env[ctx.config.secretEnv] : undefined)
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'schoolmeter',
        'x-schoolmeter-event': message.event,
        'x-schoolmeter-delivery': ctx.deliveryId,
      }
      if (secret) headers['x-schoolmeter-signature'] = sign(message.body, secret)
      const res = await fetch(ctx.target, { method: 'POST', headers, body: message.body, signal: ctx.signal })
      await res.arrayBuffer().catch(() => undefined)
      if (res.status >= 200 && res.status < 300) return
      const after = Number(res.headers.get('retry-after'))
      throw new ChannelError(
        `webhook answered ${res.status}`,
        res.status === 429 && Number.isFinite(after) && after > 0 ? after * 1000 : undefined,
      )
    },
  }
}
