/**
 * The channels, by name: a new one is a folder beside these with its settings' schema, its
 * rendering, its sending and its limits (notify/channel.ts), and a line here.
 */
import type { Channel } from '../channel.js'
import { dingtalkChannel } from './dingtalk/index.js'
import { type EmailDeps, emailChannel, emailDigestChannel } from './email/index.js'
import { feishuChannel } from './feishu/index.js'
import { mqttChannel } from './mqtt/index.js'
import { webhookChannel } from './webhook/index.js'
import { wecomChannel } from './wecom/index.js'

export interface ChannelDeps {
  /** Where targets' `urlEnv` and `secretEnv` point. */
  env: Record<string, string | undefined>
  /** Publishes on the broker (MQTT). */
  publish?: (topic: string, payload: string) => Promise<void>
  smtp?: EmailDeps
}

export function defaultChannels(deps: ChannelDeps): Channel[] {
  return [
    mqttChannel(deps),
    webhookChannel(deps),
    emailChannel(deps.smtp ?? {}),
    emailDigestChannel(deps.smtp ?? {}),
    wecomChannel(deps),
    dingtalkChannel(deps),
    feishuChannel(deps),
  ] as Channel[]
}
