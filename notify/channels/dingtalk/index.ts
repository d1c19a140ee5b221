/**
 * DingTalk (钉钉) group robots. A markdown message (`title` for the chat list, `text`), on-duty
 * people @-mentioned by user id or mobile number both in `at` and as `@…` in the text; signed —
 * `timestamp` in ms and `sign` = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)) as query
 * parameters; at most 20 messages a minute per robot, after which it answers `errcode` 130101
 * and stays locked for 10 minutes. Sources in README.md.
 */
import { createHmac } from 'node:crypto'
import { t } from '../../../core/i18n/index.js'
import type { Channel, DigestKind, Notice, Reader, SendContext } from '../../channel.js'
import { ChannelError } from '../../channel.js'
import type { Contact } from '../../contacts.js'
import { digestText, incidentText, onDutyLine, packLines } from '../../render.js'
import { escapeMarkdown, groupRobot, postJson, type RobotConfig, whoToCall } from '../robot.js'

export interface DingTalkMessage {
  msgtype: 'markdown'
  markdown: { title: string; text: string }
  at: { atMobiles: string[]; atUserIds: string[]; isAtAll: false }
}

/** The platform states no size for markdown; a summary is cut to this, as WeCom's. */
const MAX_BYTES = 4096
const SEND_TOO_FAST = 130101
const LOCK_MS = 10 * 60_000

/** `sign` of a DingTalk request: base64 of HMAC-SHA256 keyed with the secret over `timestamp\nsecret`. */
export function dingtalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64')
}

export function dingtalkChannel(deps: {
  env: Record<string, string | undefined>
}): Channel<RobotConfig, DingTalkMessage> {
  const base = groupRobot({
    name: 'dingtalk',
    signed: true,
    env: deps.env,
    windows: [{ max: 20, perMs: 60_000 }],
    marginMs: 1000,
    maxBytes: MAX_BYTES,
  })
  const mobile = (c: Contact) => c.phone?.replace(/[\s-]/g, '')
  const call = (config: RobotConfig | undefined, notices: Notice[], reader: Reader) => {
    const who = whoToCall('dingtalk', config, notices, reader, (c) =>
      c.ids.dingtalk ? `@${c.ids.dingtalk}` : c.phone ? `@${mobile(c)}` : undefined,
    )
    return {
      ...who,
      // Mentioned by user id when they have one, else by number; the text names them the same way.
      at: {
        atMobiles: who.mentionable.filter((c) => !c.ids.dingtalk).map((c) => mobile(c)!),
        atUserIds: who.mentionable.flatMap((c) => (c.ids.dingtalk ? [c.ids.dingtalk] : [])),
        isAtAll: false as const,
      },
    }
  }
  return {
    ...base,
    render(notice, config, reader) {
      const w = call(config, [notice], reader)
      const x = incidentText(notice, reader, w.linkTo)
      const lines = [
        `### ${x.mark} ${x.headline}`,
        `**${escapeMarkdown(`${x.school} · ${x.place}`)}**`,
        '',
        escapeMarkdown(x.sentence),
        '',
        ...x.facts.map((f) => `- ${escapeMarkdown(f)}`),
      ]
      const duty = onDutyLine(reader.locale, w.names)
      if (duty) lines.push('', duty)
      lines.push('', x.url ? `[${x.linkLabel}](${x.url})` : `> ${x.noLink}`)
      return {
        msgtype: 'markdown',
        markdown: { title: `${x.mark} ${x.headline} ${x.school}`, text: lines.join('\n') },
        at: w.at,
      }
    },
    digest(kind: DigestKind, notices, config, reader) {
      const w = call(config, notices, reader)
      const d = digestText(kind, notices, reader, w.linkTo)
      const mark = kind === 'history' ? '🕘' : '⚠️'
      const head = `### ${mark} ${d.title}\n${d.summary ?? ''}\n`
      const duty = onDutyLine(reader.locale, w.names)
      const tail = `${duty ? `\n\n${duty}` : ''}${d.noLink ? `\n\n> ${d.noLink}` : ''}`
      const items = d.lines.map(
        (l) => `- ${escapeMarkdown(l.text)}${l.url ? ` [${d.linkShort}](${l.url})` : ''}`,
      )
      const { text, taken } = packLines(head, items, tail, MAX_BYTES, (left) =>
        t(reader.locale, 'notify.digest.more', { count: left }),
      )
      return {
        message: { msgtype: 'markdown', markdown: { title: `${mark} ${d.title}`, text }, at: w.at },
        incidents: d.lines.slice(0, taken).map((l) => l.incident),
      }
    },
    raw(payload) {
      return JSON.parse(payload) as DingTalkMessage
    },
    async send(message, ctx: SendContext<RobotConfig>) {
      if (!ctx.config) throw new ChannelError(`no DingTalk robot ${ctx.target} is configured`)
      const url = new URL(base.url(ctx.config))
      const secret = base.secret(ctx.config)
      if (secret) {
        url.searchParams.set('timestamp', String(ctx.now))
        url.searchParams.set('sign', dingtalkSign(ctx.now, secret))
      }
      const { json } = await postJson(url.toString(), message, ctx.signal)
      const code = Number(json.errcode)
      if (code === 0) return
      if (code === SEND_TOO_FAST) throw new ChannelError(`DingTalk ${code}: ${String(json.errmsg)}`, LOCK_MS)
      throw new ChannelError(
        `DingTalk ${Number.isNaN(code) ? 'answered without errcode' : code}: ${String(json.errmsg ?? '')}`,
      )
    },
  }
}
