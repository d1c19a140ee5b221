/**
 * The running parts of the service, in the order they started: each is stopped in the reverse
 * order, and one failing to stop does not keep the others from stopping.
 */
import type { Logger } from 'pino'

/** A part of the service: its constructor only keeps what it is given; `start` and `stop` do the work. */
export interface Part {
  start(): void | Promise<void>
  stop(): void | Promise<void>
}

export class Parts {
  private readonly running: Part[] = []

  constructor(private readonly log: Logger) {}

  /** Starts `part` and keeps it for `stop`; a part whose start throws is not kept. */
  async start<P extends Part>(part: P): Promise<P> {
    await part.start()
    this.running.push(part)
    return part
  }

  /** Keeps something opened before (the store) to be closed on the way down, after the parts started since. */
  closing(close: () => void | Promise<void>): void {
    this.running.push({ start() {}, stop: close })
  }

  /** Stops every part started, last first. */
  async stop(): Promise<void> {
    for (const part of this.running.splice(0).reverse()) {
      try {
        await part.stop()
      } catch (err) {
        this.log.error({ err }, 'error while stopping')
      }
    }
  }
}
