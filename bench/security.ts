/**
 * Figures behind two security claims, measured side by side in one run (`npx tsx bench/security.ts`):
 *
 * - API token verification takes as long for an unknown token id as for a known id with a wrong
 *   secret (both cost one scrypt), and a repeated one is answered from the refusals remembered;
 * - a flood of wrong MQTT passwords from one address does not hold up a correct login from
 *   another: the time of the correct login alone, and behind 400 wrong-password CONNECTs.
 *
 * Medians of several rounds; the machine's load shows in the absolute numbers, not the ratios.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect as tcp } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import pino from 'pino'
import { TokenVerifier } from '../api/auth.js'
import { startService } from '../app/service.js'
import { readEnv } from '../core/config/env.js'
import { hashSecret } from '../core/secrets.js'
import { openStore } from '../store/index.js'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ms = (n: number) => `${n.toFixed(1)} ms`

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

async function tokens(rounds: number): Promise<void> {
  const store = openStore(':memory:')
  const { token, row } = await store.apiTokens.add('ops', 'admin')
  const verifier = new TokenVerifier(store.apiTokens, { cacheMs: 0 })
  const secret = token.slice(token.lastIndexOf('_') + 1)
  const t = { unknown: [] as number[], wrong: [] as number[], right: [] as number[] }
  for (let i = 0; i < rounds; i++) {
    // A new token each round, so nothing is answered from memory; interleaved, side by side.
    t.unknown.push(
      await timed(() => verifier.verify(`smt_${(i + 1).toString(16).padStart(12, '0')}_${secret}`)),
    )
    t.wrong.push(
      await timed(() => verifier.verify(`smt_${row.id}_${'A'.repeat(40)}${i.toString().padStart(3, '0')}`)),
    )
    t.right.push(await timed(() => verifier.verify(token)))
  }
  console.log('API token verification (median of %d, each a new token):', rounds)
  console.log(`  unknown id                ${ms(median(t.unknown))}`)
  console.log(`  known id, wrong secret    ${ms(median(t.wrong))}`)
  console.log(`  right token (cache off)   ${ms(median(t.right))}`)
  console.log(`  unknown / wrong           ${(median(t.unknown) / median(t.wrong)).toFixed(2)}`)
  await store.close()
}

/** 400 wrong-password CONNECTs from 127.0.0.2, all sent before the correct login from 127.0.0.1. */
async function flood(rounds: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-bench-security-'))
  writeFileSync(
    join(dataDir, 'district.yaml'),
    'schools:\n  - id: s\n    name: S\n    timezone: Asia/Shanghai\n    buildings:\n      - id: b\n        use: teaching\n        meters:\n          - { id: T1, kind: temperature }\n',
  )
  const env = readEnv({
    CONFIG: join(dataDir, 'district.yaml'),
    DATA_DIR: dataDir,
    HTTP_PORT: '0',
    MQTT_PORT: '0',
    DEMO: '0',
  })
  const service = await startService(env, { log: pino({ level: 'silent' }) })
  const password = 'correct horse battery staple'
  const hash = hashSecret(password)
  const url = `mqtt://127.0.0.1:${service.mqttPort}`
  // A login of its own for every measurement: each is checked (scrypt), none answered from memory.
  const login = (username: string) => {
    service.store.gatewayCredentials.add({ username, schoolId: 's', hash, maySubscribeAlerts: false })
    return timed(async () => {
      const c = await connectAsync(url, { clientId: username, username, password, reconnectPeriod: 0 })
      await c.endAsync()
    })
  }
  const alone: number[] = []
  const behind: number[] = []
  for (let r = 0; r < rounds; r++) {
    // Each round from a fresh address, so that one round's failures do not back off the next.
    const from = `127.0.1.${r + 1}`
    alone.push(await login(`alone-${r}`))
    const sockets = await Promise.all(
      Array.from(
        { length: 400 },
        () =>
          new Promise<ReturnType<typeof tcp>>((resolve) => {
            const s = tcp({ host: '127.0.0.1', port: service.mqttPort!, localAddress: from }, () =>
              resolve(s),
            )
            s.on('error', () => {})
          }),
      ),
    )
    sockets.forEach((s, i) => {
      s.write(connectPacket(`guess-${i}`, `alone-${r}`, `guess number ${i}`))
    })
    behind.push(await login(`behind-${r}`))
    for (const s of sockets) s.destroy()
    // Let the broker finish with the flood before the next round.
    await new Promise((resolve) => setTimeout(resolve, 2000))
  }
  console.log('MQTT: a correct login from 127.0.0.1 (median of %d):', rounds)
  console.log(`  alone                                      ${ms(median(alone))}`)
  console.log(`  behind 400 wrong passwords from one address ${ms(median(behind))}`)
  await service.stop()
}

function connectPacket(clientId: string, username: string, password: string): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s)
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])
  }
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, 0xc2, 0, 60]),
    str(clientId),
    str(username),
    str(password),
  ])
  return Buffer.concat([Buffer.from([0x10, body.length]), body])
}

await tokens(21)
await flood(5)
