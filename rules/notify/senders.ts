/** The channels: webhook (JSON, HMAC-signed), MQTT, e-mail over SMTP (nodemailer). */
import { createHmac } from 'node:crypto'
import nodemailer from 'nodemailer'
import type { Registry } from '../../core/registry.js'
import type { OutboxRow } from '../../store/index.js'
import type { Email } from './router.js'

/** `X-Schoolmeter-Signature: sha256=<hex HMAC of the body>`, as GitHub signs its webhooks. */
export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** Webhook secrets come from the registry (`secret`) or the environment (`secretEnv`), looked up at send time. */
export function webhookSender(registry: Registry, env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000) {
  return async (url: string, body: string, row: OutboxRow): Promise<void> => {
    const parsed = JSON.parse(body) as {
      event: string
      school?: string
      alert?: { school: string }
      incident?: { school: string }
    }
    const school = parsed.incident?.school ?? parsed.alert?.school ?? parsed.school ?? ''
    const hook = registry.schools.get(school)?.notifications.webhooks?.find((w) => w.url === url)
    const secret = hook?.secret ?? (hook?.secretEnv ? env[hook.secretEnv] : undefined)
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'schoolmeter',
      'x-schoolmeter-event': parsed.event,
      'x-schoolmeter-delivery': String(row.id),
    }
    if (secret) headers['x-schoolmeter-signature'] = sign(body, secret)
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) })
    await res.arrayBuffer().catch(() => undefined)
    if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered ${res.status}`)
  }
}

export function emailSender(smtpUrl: string, from: string) {
  const transport = nodemailer.createTransport(smtpUrl)
  return async (to: string, mail: Email, messageId: string): Promise<void> => {
    await transport.sendMail({ from, to, subject: mail.subject, text: mail.text, messageId })
  }
}
