/**
 * A small typed event bus: ingest emits, rules and reports listen. `on` returns the function
 * that removes the listener, so a part that stops leaves nothing behind.
 */
import type { Alert, AlertTransition, Incident, IncidentTransition } from './alert.js'
import type { Reading, RegisterAnomaly, Rejection, UsedRevision } from './reading.js'

export interface ServiceEvents {
  reading: Reading
  revision: UsedRevision
  rejected: Rejection
  anomaly: RegisterAnomaly
  /** After an alert transition is committed (with its notifications in the outbox). */
  alert: { alert: Alert; transition: AlertTransition; at: number }
  /** After an incident transition is committed. */
  incident: { incident: Incident; transition: IncidentTransition }
}

type Listener<T> = (event: T) => void

export class Bus<E extends object = ServiceEvents> {
  private readonly listeners: { [K in keyof E]?: Listener<E[K]>[] } = {}

  on<K extends keyof E>(name: K, fn: Listener<E[K]>): () => void {
    const list = this.listeners[name] ?? []
    this.listeners[name] = [...list, fn]
    return () => {
      this.listeners[name] = (this.listeners[name] ?? []).filter((f) => f !== fn)
    }
  }

  /**
   * Where a listener's error goes. Unset, it is thrown to the emitter; the service sets it so
   * that one listener failing (say, SQLite busy while an alert is written) neither stops the
   * others nor the reading that caused it.
   */
  onError: ((err: unknown, name: keyof E) => void) | undefined

  emit<K extends keyof E>(name: K, event: E[K]): void {
    const list = this.listeners[name]
    if (!list) return
    const onError = this.onError
    if (!onError) {
      for (const fn of list) fn(event)
      return
    }
    for (const fn of list) {
      try {
        fn(event)
      } catch (err) {
        onError(err, name)
      }
    }
  }

  has<K extends keyof E>(name: K): boolean {
    return (this.listeners[name]?.length ?? 0) > 0
  }
}
