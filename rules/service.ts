/**
 * The rules part: the engine that runs every rule on ingest's readings (event time), the alert
 * and incident lifecycle, and the wall-clock side — silent meters and critical incidents nobody
 * acknowledged, looked at every minute. Started before ingest, so that it hears the journal's
 * replay; its per-meter state is saved by ingest's checkpoints (`engine` is `Checkpointed`).
 */
import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from 'pino'
import type { DeliveryPlanner } from '../core/alert.js'
import type { Bus } from '../core/bus.js'
import { Jobs } from '../core/jobs.js'
import type { Metrics } from '../core/metrics.js'
import type { Registry } from '../core/registry.js'
import type { Store } from '../store/index.js'
import { AlertManager } from './alerts.js'
import { RuleEngine } from './engine.js'

export interface RulesServiceOptions {
  registry: Registry
  store: Store
  bus: Bus
  log: Logger
  metrics: Metrics
  /** Who hears of each transition (notify's router). */
  router: DeliveryPlanner
  /** Called after a transition is committed with its notifications in the outbox. */
  onTransition: () => void
  /** When each meter was last heard from (ingest), for meter.offline. */
  lastReceivedAt: (meterId: string) => number | undefined
  /** The schools whose incidents are escalated here (a sharded worker's); every school's when undefined. */
  schools?: readonly string[]
}

export class RulesService {
  readonly alerts: AlertManager
  readonly engine: RuleEngine
  /** Rule states restored at start. */
  restored = 0
  private minutely: ScheduledTask | undefined
  private readonly jobs = new Jobs()

  constructor(private readonly o: RulesServiceOptions) {
    const { registry, store, bus, log, metrics } = o
    this.alerts = new AlertManager({
      registry,
      store,
      router: o.router,
      bus,
      log,
      metrics,
      ...(o.schools ? { schools: o.schools } : {}),
    })
    this.alerts.onTransition = o.onTransition
    this.engine = new RuleEngine({
      registry,
      store,
      bus,
      alerts: this.alerts,
      log,
      metrics,
      lastReceivedAt: o.lastReceivedAt,
      // Saved by ingest's checkpoints, in step with the journal.
      snapshotIntervalMs: 0,
    })
  }

  async start(): Promise<void> {
    this.restored = (await this.engine.start()).restored
    this.minutely = cron.schedule('* * * * *', () =>
      this.jobs.run(async () => {
        try {
          this.engine.checkOffline()
          await this.alerts.escalateDue()
        } catch (err) {
          this.o.log.error({ err }, 'minutely alert checks failed')
        }
      }),
    )
  }

  /** Stops judging; resolves once a check under way has ended and the alert changes asked for until then are written. */
  async stop(): Promise<void> {
    void this.minutely?.stop()
    await this.jobs.settled()
    this.engine.stop()
    await this.alerts.idle()
  }
}
