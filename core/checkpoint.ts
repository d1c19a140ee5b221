/**
 * The seam between a part that keeps state in memory (registers, rule state, rollups) and the
 * service's checkpoints. `capture` takes a consistent copy at one point of the stream,
 * synchronously; `commit` writes it (inside the checkpoint's SQLite transaction, possibly
 * later, once InfluxDB has the lines up to that point); `after` runs once the commit is durable.
 */
export interface Captured {
  commit(): void
  after?(): void
}

export interface Checkpointed {
  capture(): Captured
}
