/**
 * Real NATS servers (Debian's `nats-server`) with MQTT and JetStream on free ports in a temp dir:
 * one node, or a cluster of three, each with its `server_name`, routes to the others and its own
 * JetStream store. MQTT sessions, their subscriptions and unacknowledged QoS 1 messages live in
 * JetStream, replicated across the cluster. A node can be killed (-9) and started again, or told
 * to reload its configuration (SIGHUP), as an operator does after changing its users.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { requireBinary } from './binaries.js'
import { freePort, waitFor } from './ports.js'

export interface NatsNode {
  name: string
  mqttPort: number
  /** The NATS protocol's port (not MQTT). */
  clientPort: number
  /** mqtt://127.0.0.1:port */
  mqttUrl: string
  /** What the node has logged since it was first started (its last MiB). */
  log(): string
  pid(): number | undefined
  running(): boolean
  kill9(): Promise<void>
  start(): Promise<void>
  /** SIGHUP; resolves once the node has logged that it reloaded, rejects with what it logged if it could not. */
  reload(): Promise<void>
}

export interface NatsCluster {
  nodes: NatsNode[]
  /** Every node's MQTT URL, comma-separated, as MQTT_URL takes them. */
  mqttUrls: string
  stop(): Promise<void>
}

export interface NatsOptions {
  nodes?: 1 | 3
  /** Seconds before an unacknowledged QoS 1 message is sent again (NATS' default is 30). */
  ackWaitSeconds?: number
  /** QoS 1 messages in flight per subscription (NATS' default is 1024). */
  maxAckPending?: number
  /** A file every node includes (e.g. the users `npm run admin -- gateway nats-users` writes). */
  include?: string
  /** Environment of the servers, for the `$VARIABLE`s of an included file. */
  env?: Record<string, string>
}

export async function startNats(o: NatsOptions = {}): Promise<NatsCluster> {
  const bin = requireBinary('nats-server', 'nats-server')
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-nats-'))
  const count = o.nodes ?? 1
  const ports = await Promise.all(
    Array.from({ length: count }, async () => ({
      client: await freePort(),
      cluster: await freePort(),
      mqtt: await freePort(),
    })),
  )
  const procs: (ChildProcess | undefined)[] = []
  const outputs: string[] = []
  const logs: string[] = []
  const nodes = ports.map((p, i): NatsNode => {
    const name = `n${i + 1}`
    const conf = join(dir, `${name}.conf`)
    mkdirSync(join(dir, name), { recursive: true })
    const lines = [
      `server_name: ${name}`,
      `listen: 127.0.0.1:${p.client}`,
      `jetstream { store_dir: "${join(dir, name)}" }`,
      'mqtt {',
      `  listen: 127.0.0.1:${p.mqtt}`,
      ...(o.ackWaitSeconds ? [`  ack_wait: "${o.ackWaitSeconds}s"`] : []),
      ...(o.maxAckPending ? [`  max_ack_pending: ${o.maxAckPending}`] : []),
      // As deploy/cluster/nats.conf: MQTT's streams on all three nodes, whatever a node saw of the
      // others when it made them (else two replicas, and the death of one stalls the stream).
      ...(count > 1 ? [`  stream_replicas: ${count}`] : []),
      '}',
      // NATS takes an include's path relative to the including file, even one starting with /.
      ...(o.include ? [`include "${relative(dir, o.include)}"`] : []),
    ]
    if (count > 1)
      lines.push(
        'cluster {',
        '  name: schoolmeter',
        `  listen: 127.0.0.1:${p.cluster}`,
        `  routes: [${ports
          .filter((q) => q !== p)
          .map((q) => `nats-route://127.0.0.1:${q.cluster}`)
          .join(', ')}]`,
        '}',
      )
    writeFileSync(conf, `${lines.join('\n')}\n`)
    const start = async () => {
      outputs[i] = ''
      const proc = spawn(bin, ['-c', conf], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...o.env },
      })
      const keep = (d: Buffer) => {
        outputs[i] = (outputs[i] + d.toString()).slice(-4000)
        logs[i] = `${logs[i] ?? ''}${d}`.slice(-(2 ** 20))
      }
      proc.stdout?.on('data', keep)
      proc.stderr?.on('data', keep)
      procs[i] = proc
      await waitFor(`nats-server ${name} on MQTT port ${p.mqtt}`, () => {
        if (proc.exitCode !== null)
          throw new Error(`nats-server ${name} exited with ${proc.exitCode}: ${outputs[i]}`)
        return listening(p.mqtt)
      })
    }
    return {
      name,
      mqttPort: p.mqtt,
      clientPort: p.client,
      mqttUrl: `mqtt://127.0.0.1:${p.mqtt}`,
      log: () => logs[i] ?? '',
      pid: () => (procs[i]?.exitCode === null ? procs[i]?.pid : undefined),
      running: () => procs[i]?.exitCode === null,
      start,
      reload: async () => {
        const proc = procs[i]
        if (!proc || proc.exitCode !== null) throw new Error(`nats-server ${name} is not running`)
        const from = logs[i]?.length ?? 0
        proc.kill('SIGHUP')
        const outcome = await waitFor(`nats-server ${name} to reload its configuration`, () => {
          const since = (logs[i] ?? '').slice(from)
          if (/Reloaded server configuration/.test(since)) return { ok: true, since }
          return /Failed to reload/i.test(since) ? { ok: false, since } : undefined
        })
        if (!outcome.ok) throw new Error(`nats-server ${name} did not reload: ${outcome.since}`)
      },
      kill9: async () => {
        const proc = procs[i]
        if (!proc || proc.exitCode !== null) return
        const exited = new Promise((r) => proc.once('exit', r))
        proc.kill('SIGKILL')
        await exited
      },
    }
  })
  await Promise.all(nodes.map((n) => n.start()))
  if (count > 1) {
    // JetStream needs its meta leader before a first MQTT client can have a session.
    await waitFor(
      'the NATS cluster to elect a JetStream leader',
      () =>
        outputs.some((out) =>
          /JetStream cluster new metadata leader|Self is new JetStream cluster metadata leader/.test(out),
        )
          ? true
          : undefined,
      30_000,
    )
  }
  return {
    nodes,
    mqttUrls: nodes.map((n) => n.mqttUrl).join(','),
    stop: async () => {
      await Promise.all(
        procs.map(async (proc) => {
          if (!proc || proc.exitCode !== null) return
          const exited = new Promise((r) => proc.once('exit', r))
          proc.kill('SIGTERM')
          const t = setTimeout(() => proc.kill('SIGKILL'), 10_000)
          await exited
          clearTimeout(t)
        }),
      )
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function listening(port: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(undefined))
  })
}
