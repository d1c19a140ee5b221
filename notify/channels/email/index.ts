/**
 * E-mail over SMTP (nodemailer), in each contact's language: an incident when it opens, worsens or
 * escalates; a storm as one summary; waste that can wait in one daily digest (the `digest`
 * channel). Each carries its outbox id as Message-ID, so a mail client shows a repeat once.
 */
import nodemailer from 'nodemailer'
import { t } from '../../../core/i18n/index.js'
import type { Channel, DigestKind, Notice, Reader } from '../../channel.js'
import { CALLS, ChannelError, STORM } from '../../channel.js'
import { digestText, evidenceValue, incidentText } from '../../render.js'

export interface Email {
  subject: string
  text: string
}

function renderMail(notice: Notice, reader: Reader): Email {
  const { locale } = reader
  const x = incidentText(notice, reader, notice.to?.name ?? notice.incident.school)
  const i = notice.incident
  const subject = t(locale, 'notify.mail.subject', {
    transition: notice.transition,
    severity: t(locale, 'notify.severity', { severity: i.severity }),
    school: x.school,
    sentence: x.sentence,
  })
  const evidence = Object.entries(i.evidence).map(([key, value]) =>
    t(locale, 'notify.mail.evidenceLine', { key, value: evidenceValue(locale, value) }),
  )
  const text = [
    `${x.mark} ${x.headline}`,
    x.sentence,
    '',
    t(locale, 'notify.mail.school', { school: x.school }),
    t(locale, 'notify.mail.place', { place: x.place }),
    ...x.facts,
    t(locale, 'notify.mail.rule', { rule: i.rule }),
    t(locale, 'notify.mail.incident', { id: i.id, status: i.status }),
    '',
    x.url ? t(locale, 'notify.link.line', { url: x.url }) : x.noLink!,
    ...(evidence.length ? ['', t(locale, 'notify.mail.evidence'), ...evidence] : []),
    '',
  ].join('\n')
  return { subject, text }
}

function renderDigest(
  kind: DigestKind,
  notices: Notice[],
  reader: Reader,
): { message: Email; incidents: number[] } {
  const d = digestText(kind, notices, reader, notices[0]?.to?.name ?? notices[0]?.incident.school ?? 'email')
  const text = [
    d.title,
    d.summary ?? '',
    '',
    ...d.lines.flatMap((l) => [
      l.text,
      ...(l.url ? [`  ${t(reader.locale, 'notify.link.line', { url: l.url })}`] : []),
      '',
    ]),
    ...(d.noLink ? [d.noLink, ''] : []),
  ].join('\n')
  return { message: { subject: d.title, text }, incidents: d.lines.map((l) => l.incident) }
}

export interface EmailDeps {
  smtpUrl?: string
  from?: string
}

export function emailChannel(deps: EmailDeps): Channel<undefined, Email> {
  const transport = deps.smtpUrl ? nodemailer.createTransport(deps.smtpUrl) : undefined
  return {
    name: 'email',
    audience: 'people',
    reach: 'contacts',
    transitions: CALLS,
    catchUp: true,
    limits: { windows: [], concurrency: 1, storm: STORM },
    render: (notice, _config, reader) => renderMail(notice, reader),
    digest: (kind, notices, _config, reader) => renderDigest(kind, notices, reader),
    raw: (payload) => JSON.parse(payload) as Email,
    async send(mail, ctx) {
      if (!transport) throw new ChannelError('e-mail is not configured (SMTP_URL)')
      await transport.sendMail({
        from: deps.from ?? 'schoolmeter <schoolmeter@localhost>',
        to: ctx.target,
        subject: mail.subject,
        text: mail.text,
        messageId: `<outbox-${ctx.deliveryId}@schoolmeter>`,
      })
    },
  }
}

/** Waste that can wait: one e-mail a day with every such incident, at `notifications.digest.at`. */
export function emailDigestChannel(deps: EmailDeps): Channel<undefined, Email> {
  return {
    ...emailChannel(deps),
    name: 'digest',
    reach: 'none',
    always: 'daily',
    limits: { windows: [], concurrency: 1 },
  }
}
