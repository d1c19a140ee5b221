/** E-mails as a test's SMTP server (the smtp-server package) receives them, read back for assertions. */
export interface Mail {
  to: string
  subject: string
  text: string
  messageId: string
}

/** Just enough of RFC 5322 for a test: unfolded headers, a base64, quoted-printable or plain body. */
export function parseMail(raw: string): Mail {
  const split = raw.indexOf('\r\n\r\n')
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ')
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1] ?? ''
  let body = raw.slice(split + 4)
  if (/base64/i.test(header('Content-Transfer-Encoding'))) body = Buffer.from(body, 'base64').toString('utf8')
  else if (/quoted-printable/i.test(header('Content-Transfer-Encoding'))) {
    body = Buffer.from(
      body
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    ).toString('utf8')
  }
  return {
    to: header('To'),
    subject: decodeWords(header('Subject')),
    text: body,
    messageId: header('Message-ID'),
  }
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`), as nodemailer writes non-ASCII subjects. */
function decodeWords(v: string): string {
  return v
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_q, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    )
}

/** A real SMTP server on a free port, collecting what it is sent. */
export async function smtpSink(): Promise<{ url: string; mails: Mail[]; close(): Promise<void> }> {
  const { SMTPServer } = await import('smtp-server')
  const { freePort } = await import('./ports.js')
  const mails: Mail[] = []
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      let raw = ''
      stream.on('data', (c: Buffer) => {
        raw += c.toString('utf8')
      })
      stream.on('end', () => {
        mails.push(parseMail(raw))
        done()
      })
    },
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
