/** A real Mosquitto broker on a free port, for the external-broker suites. */
import { type ChildProcess, spawn } from 'node:child_process'
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

export async function startMosquitto(): Promise<Mosquitto> {
  const bin = requireBinary('mosquitto', 'mosquitto')
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-mosquitto-'))
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nlog_dest stderr\nlog_type error\n`,
  )
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
    url: `mqtt://127.0.0.1:${port}`,
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
