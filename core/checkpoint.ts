/**
 * The seam between a part that keeps per-meter state in memory (registers and last readings,
 * rule state) and the service's checkpoints.
 */

/** A row of per-meter state: the meter's id and its state as JSON. */
export type StateRow = [key: string, json: string]

/**
 * A capture of per-meter state as of one point of the stream, serialised lazily: the entries
 * that changed since the previous capture are pending, serialised a slice at a time (`drain`),
 * and a pending entry about to change is serialised first (`touch`, which the part calls before
 * every change). So a checkpoint of 100,000 meters never blocks the event loop for long, and
 * still records every meter exactly as it was at the checkpoint.
 */
export class Capture<T> implements StateCapture {
  private ready: StateRow[] = []

  constructor(
    private readonly pending: Set<T>,
    private readonly serialize: (entry: T) => StateRow,
  ) {}

  /** Before `entry` changes: its state as of the capture is serialised now, if still pending. */
  touch(entry: T): void {
    if (this.pending.delete(entry)) this.ready.push(this.serialize(entry))
  }

  /** Serialises up to `max` pending entries; true once none are left. */
  drain(max = Number.POSITIVE_INFINITY): boolean {
    let n = 0
    for (const entry of this.pending) {
      if (n++ >= max) break
      this.pending.delete(entry)
      this.ready.push(this.serialize(entry))
    }
    return this.pending.size === 0
  }

  get done(): boolean {
    return this.pending.size === 0
  }

  /** The rows serialised so far and not yet taken. */
  take(): StateRow[] {
    const rows = this.ready
    this.ready = []
    return rows
  }
}

/**
 * The entries of a part that changed since its last capture, and the capture being written: a
 * part calls `touch` before it changes an entry and `add` after.
 */
export class Changes<T> {
  private changed = new Set<T>()
  private capturing: Capture<T> | undefined

  constructor(private readonly serialize: (entry: T) => StateRow) {}

  /** Before `entry` changes (see `Capture.touch`). */
  touch(entry: T): void {
    this.capturing?.touch(entry)
  }

  /** After `entry` changed. */
  add(entry: T): void {
    this.changed.add(entry)
  }

  get size(): number {
    return this.changed.size
  }

  /** Everything changed since the previous capture, as of now; an earlier capture is completed first. */
  capture(): Capture<T> {
    this.capturing?.drain()
    const c = new Capture(this.changed, this.serialize)
    this.changed = new Set()
    this.capturing = c
    return c
  }

  /** Everything changed, serialised now (a part saving on its own, outside checkpoints). */
  takeAll(): StateRow[] {
    const c = this.capture()
    c.drain()
    return c.take()
  }
}

/** Lets the event loop run (I/O and timers included) before going on: between slices of work. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** What a checkpoint sees of a `Capture`. */
export interface StateCapture {
  drain(max?: number): boolean
  readonly done: boolean
  take(): StateRow[]
}

/** A part whose per-meter state the checkpoints save (as rows of `part` in `meter_state`). */
export interface Checkpointed {
  readonly part: string
  /** Everything that changed since the previous capture, as of now (see `Capture`). */
  capture(): StateCapture
}
