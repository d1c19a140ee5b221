/** A real Mosquitto broker on a free port, for the external-broker suites. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requireBinary } from './binaries.js'
import { freePort, waitFor } from './ports.js'

export interface Mosquitto {
  url: string
  port: number
  stop(): Promise<void>
}

export interface MosquittoOptions {
  /** Username → password: anonymous clients are then refused (a password file, mosquitto_passwd). */
  users?: Record<string, string>
  /** PEM files: the listener speaks TLS only (mqtts://). */
  tls?: { cert: string; key: string }
}

export async function startMosquitto(o: MosquittoOptions = {}): Promise<Mosquitto> {
  const bin = requireBinary('mosquitto', 'mosquitto')
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-mosquitto-'))
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  const lines = [`listener ${port} 127.0.0.1`, `allow_anonymous ${o.users ? 'false' : 'true'}`]
  if (o.users) {
    const passwd = requireBinary('mosquitto_passwd', 'mosquitto')
    const file = join(dir, 'passwd')
    writeFileSync(file, '', { mode: 0o600 })
    for (const [user, password] of Object.entries(o.users)) execFileSync(passwd, ['-b', file, user, password])
    lines.push(`password_file ${file}`)
  }
  if (o.tls) lines.push(`certfile ${o.tls.cert}`, `keyfile ${o.tls.key}`)
  // As root, Mosquitto would switch to its own user, which cannot read the files in our temp dir.
  if ((o.users || o.tls) && process.getuid?.() === 0) lines.push('user root')
  lines.push('persistence false', 'max_queued_messages 1000000', 'log_dest stderr', 'log_type error', '')
  writeFileSync(conf, lines.join('\n'))
  let output = ''
  const proc: ChildProcess = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stderr?.on('data', (d) => {
    output = (output + d).slice(-4000)
  })
  await waitFor(`mosquitto on port ${port}`, () => {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}: ${output}`)
    return new Promise<boolean | undefined>((resolve) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(undefined))
    })
  })
  return {
    url: `${o.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r))
        proc.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
