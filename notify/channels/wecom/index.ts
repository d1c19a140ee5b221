/**
 * WeCom (企业微信) group robots. A markdown message of at most 4,096 bytes (UTF-8), on-duty people
 * @-mentioned as `<@userid>` in it, at most 20 messages a minute per robot; `errcode` 45009 is
 * the rate limit answering (minute limits block for 60 s). Sources in README.md.
 */

import { t } from '../../../core/i18n/index.js'
import type { Channel, DigestKind, Notice, Reader, SendContext } from '../../channel.js'
import { ChannelError } from '../../channel.js'
import { digestText, incidentText, onDutyLine, packLines } from '../../render.js'
import { escapeMarkdown, groupRobot, postJson, type RobotConfig, whoToCall } from '../robot.js'

export interface WeComMessage {
  msgtype: 'markdown'
  markdown: { content: string }
}

const MAX_BYTES = 4096
const RATE_LIMITED = 45009

export function wecomChannel(deps: {
  env: Record<string, string | undefined>
}): Channel<RobotConfig, WeComMessage> {
  const base = groupRobot({
    name: 'wecom',
    signed: false,
    env: deps.env,
    windows: [{ max: 20, perMs: 60_000 }],
    marginMs: 1000,
    maxBytes: MAX_BYTES,
  })
  const call = (config: RobotConfig | undefined, notices: Notice[], reader: Reader) =>
    whoToCall('wecom', config, notices, reader, (c) => (c.ids.wecom ? `<@${c.ids.wecom}>` : undefined))
  return {
    ...base,
    render(notice, config, reader) {
      const who = call(config, [notice], reader)
      const x = incidentText(notice, reader, who.linkTo)
      const colour = x.resolved ? 'info' : x.severity === 'critical' ? 'warning' : 'comment'
      const lines = [
        `### ${x.mark} <font color="${colour}">${x.headline}</font>`,
        `**${escapeMarkdown(`${x.school} · ${x.place}`)}**`,
        escapeMarkdown(x.sentence),
        ...x.facts.map((f) => `> ${escapeMarkdown(f)}`),
      ]
      const duty = onDutyLine(reader.locale, who.names)
      if (duty) lines.push(duty)
      lines.push(x.url ? `[${x.linkLabel}](${x.url})` : `<font color="comment">${x.noLink}</font>`)
      const { text } = packLines(lines[0]!, lines.slice(1), '', MAX_BYTES, () => '')
      return { msgtype: 'markdown', markdown: { content: text } }
    },
    digest(kind: DigestKind, notices, config, reader) {
      const who = call(config, notices, reader)
      const d = digestText(kind, notices, reader, who.linkTo)
      const head = [`### ${kind === 'history' ? '🕘' : '⚠️'} ${d.title}`, d.summary ?? ''].join('\n')
      const duty = onDutyLine(reader.locale, who.names)
      const tail = [
        duty ? `\n${duty}` : '',
        d.noLink ? `\n<font color="comment">${d.noLink}</font>` : '',
      ].join('')
      const items = d.lines.map(
        (l) => `${escapeMarkdown(l.text)}${l.url ? ` [${d.linkShort}](${l.url})` : ''}`,
      )
      const { text, taken } = packLines(head, items, tail, MAX_BYTES, (left) =>
        t(reader.locale, 'notify.digest.more', { count: left }),
      )
      return {
        message: { msgtype: 'markdown', markdown: { content: text } },
        incidents: d.lines.slice(0, taken).map((l) => l.incident),
      }
    },
    raw(payload) {
      return JSON.parse(payload) as WeComMessage
    },
    async send(message, ctx: SendContext<RobotConfig>) {
      if (!ctx.config) throw new ChannelError(`no WeCom robot ${ctx.target} is configured`)
      const { json } = await postJson(base.url(ctx.config), message, ctx.signal)
      const code = Number(json.errcode)
      if (code === 0) return
      if (code === RATE_LIMITED) throw new ChannelError(`WeCom ${code}: ${String(json.errmsg)}`, 60_000)
      throw new ChannelError(
        `WeCom ${Number.isNaN(code) ? 'answered without errcode' : code}: ${String(json.errmsg ?? '')}`,
      )
    },
  }
}
