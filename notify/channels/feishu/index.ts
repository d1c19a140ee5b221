/**
 * Feishu (飞书) group robots. An interactive card — a coloured header, the incident in markdown,
 * a button to the incident's page — with on-duty people @-mentioned as `<at id=open_id></at>`;
 * signed in the body: `timestamp` in seconds and `sign` = base64(HMAC-SHA256 keyed with
 * `timestamp + "\n" + secret` over an empty message); a body of at most 20 KB; at most 100
 * messages a minute and 5 a second per robot (`code` 9499 "too many request", 11232 flow
 * control). Sources in README.md.
 */
import { createHmac } from 'node:crypto'
import { t } from '../../../core/i18n/index.js'
import type { Channel, DigestKind, Notice, Reader, SendContext } from '../../channel.js'
import { ChannelError } from '../../channel.js'
import { bytes, digestText, incidentText, onDutyLine, packLines } from '../../render.js'
import { escapeMarkdown, groupRobot, postJson, type RobotConfig, whoToCall } from '../robot.js'

type Element =
  | { tag: 'markdown'; content: string }
  | { tag: 'hr' }
  | { tag: 'note'; elements: { tag: 'plain_text'; content: string }[] }
  | {
      tag: 'action'
      actions: { tag: 'button'; text: { tag: 'plain_text'; content: string }; type: 'primary'; url: string }[]
    }

export interface FeishuMessage {
  timestamp?: string
  sign?: string
  msg_type: 'interactive'
  card: {
    config: { wide_screen_mode: true }
    header: { title: { tag: 'plain_text'; content: string }; template: string }
    elements: Element[]
  }
}

/** The platform's 20 KB body, less room for the envelope and the signature. */
const MAX_CARD_TEXT_BYTES = 18_000
const TOO_MANY = 9499
const FLOW_CONTROL = 11232

/** `sign` of a Feishu request: base64 of HMAC-SHA256 keyed with `timestamp\nsecret` over nothing. */
export function feishuSign(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64')
}

const note = (content: string): Element => ({ tag: 'note', elements: [{ tag: 'plain_text', content }] })

export function feishuChannel(deps: {
  env: Record<string, string | undefined>
}): Channel<RobotConfig, FeishuMessage> {
  const base = groupRobot({
    name: 'feishu',
    signed: true,
    env: deps.env,
    windows: [
      { max: 100, perMs: 60_000 },
      { max: 5, perMs: 1000 },
    ],
    marginMs: 200,
    maxBytes: MAX_CARD_TEXT_BYTES,
  })
  const call = (config: RobotConfig | undefined, notices: Notice[], reader: Reader) =>
    whoToCall('feishu', config, notices, reader, (c) =>
      c.ids.feishu ? `<at id=${c.ids.feishu}></at>` : undefined,
    )
  const card = (title: string, template: string, elements: Element[]): FeishuMessage => ({
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { title: { tag: 'plain_text', content: title }, template },
      elements,
    },
  })
  return {
    ...base,
    render(notice, config, reader) {
      const w = call(config, [notice], reader)
      const x = incidentText(notice, reader, w.linkTo)
      const template = x.resolved
        ? 'green'
        : x.severity === 'critical'
          ? 'red'
          : x.severity === 'warning'
            ? 'orange'
            : 'blue'
      const elements: Element[] = [
        { tag: 'markdown', content: `**${escapeMarkdown(x.place)}**\n${escapeMarkdown(x.sentence)}` },
        { tag: 'markdown', content: x.facts.map(escapeMarkdown).join('\n') },
      ]
      const duty = onDutyLine(reader.locale, w.names)
      if (duty) elements.push({ tag: 'markdown', content: duty })
      elements.push(
        x.url
          ? {
              tag: 'action',
              actions: [
                {
                  tag: 'button',
                  text: { tag: 'plain_text', content: x.linkLabel },
                  type: 'primary',
                  url: x.url,
                },
              ],
            }
          : note(x.noLink!),
      )
      return card(`${x.mark} ${x.headline} · ${x.school}`, template, elements)
    },
    digest(kind: DigestKind, notices, config, reader) {
      const w = call(config, notices, reader)
      const d = digestText(kind, notices, reader, w.linkTo)
      const items = d.lines.map(
        (l) => `- ${escapeMarkdown(l.text)}${l.url ? ` [${d.linkShort}](${l.url})` : ''}`,
      )
      const duty = onDutyLine(reader.locale, w.names)
      const { text, taken } = packLines(
        d.summary ?? '',
        items,
        '',
        MAX_CARD_TEXT_BYTES - bytes(duty ?? ''),
        (left) => t(reader.locale, 'notify.digest.more', { count: left }),
      )
      const critical = d.lines.slice(0, taken).some((l) => l.severity === 'critical')
      const elements: Element[] = [{ tag: 'markdown', content: text }]
      if (duty) elements.push({ tag: 'markdown', content: duty })
      if (d.noLink) elements.push(note(d.noLink))
      return {
        message: card(
          `${kind === 'history' ? '🕘' : '⚠️'} ${d.title}`,
          kind === 'history' ? 'grey' : critical ? 'red' : 'orange',
          elements,
        ),
        incidents: d.lines.slice(0, taken).map((l) => l.incident),
      }
    },
    raw(payload) {
      return JSON.parse(payload) as FeishuMessage
    },
    async send(message, ctx: SendContext<RobotConfig>) {
      if (!ctx.config) throw new ChannelError(`no Feishu robot ${ctx.target} is configured`)
      const secret = base.secret(ctx.config)
      const seconds = Math.floor(ctx.now / 1000)
      const body = secret
        ? { timestamp: String(seconds), sign: feishuSign(seconds, secret), ...message }
        : message
      const { status, json } = await postJson(base.url(ctx.config), body, ctx.signal)
      const code = Number(json.code ?? json.StatusCode)
      if (code === 0 && status < 300) return
      const said = String(json.msg ?? json.StatusMessage ?? '')
      if (code === FLOW_CONTROL || (code === TOO_MANY && /too many/i.test(said)))
        throw new ChannelError(`Feishu ${code}: ${said}`, 60_000)
      throw new ChannelError(`Feishu ${Number.isNaN(code) ? `answered ${status}` : code}: ${said}`)
    },
  }
}
