/**
 * The ingest pipeline: a message (topic + payload) in; readings decoded, registers turned into
 * consumption, lines handed to the InfluxDB writer, events on the bus; rejections counted,
 * published and logged. Synchronous per message, so one meter's readings stay in order.
 */
import type { Logger } from 'pino'
import type { Bus } from '../core/bus.js'
import { Changes, type Checkpointed, type StateCapture, type StateRow } from '../core/checkpoint.js'
import { msg, render } from '../core/i18n/index.js'
import { Jobs } from '../core/jobs.js'
import { KINDS } from '../core/kinds.js'
import type { Metrics } from '../core/metrics.js'
import type { NotCounted, Reading, Rejection } from '../core/reading.js'
import type { Meter, Registry } from '../core/registry.js'
import { formatInstant } from '../core/time.js'
import type { Store } from '../store/index.js'
import { type DecodeLimits, decodeMessage } from './decode.js'
import { meterSeriesKey, readingLine, usedLine } from './influx/lineProtocol.js'
import type { InfluxWriter } from './influx/writer.js'
import {
  type Anomaly,
  applyReading,
  newRegisterState,
  type RegisterParams,
  type RegisterState,
  registerParams,
  type Watermark,
} from './registers.js'

export interface IngestOptions {
  registry: Registry
  store: Store
  bus: Bus
  metrics: Metrics
  log: Logger
  limits: DecodeLimits
  watermarkMs: number
  /** Absent when no InfluxDB is configured: readings are then not archived. */
  writer?: InfluxWriter
  /**
   * How often changed per-meter state is saved to the store; 0 when the service's checkpoints
   * save it (through `capture`) instead.
   */
  snapshotIntervalMs?: number
}

/** The last reading of a meter, for the API and for start-of-term checks. */
export interface MeterStatus {
  lastTs: number
  lastReceivedAt: number
  lastValues: Reading['values']
  lastEstimated: boolean
  lastUsed?: number
  readings: number
}

interface MeterState {
  meter: Meter
  /** The meter's line-protocol series key, made at its first reading (not for 100,000 meters at start). */
  series: string | undefined
  params?: RegisterParams
  register?: RegisterState
  status?: MeterStatus
}

export interface HandleResult {
  accepted: number
  rejected: number
  duplicates: number
  /** Readings that got past decoding (accepted, duplicate or judged implausible). */
  decoded: number
}

const WARN_EVERY_MS = 60_000

/** The part name of ingest's rows in `meter_state`. */
export const INGEST_PART = 'ingest'

/** A meter's saved ingest state: its register and its last reading. */
interface SavedIngestState {
  r?: RegisterState
  s?: MeterStatus & { lastUsed?: number | null }
}

/** When each meter was last heard of, from the saved state (for tools that run beside the service). */
export function lastReceivedFromStore(store: Store): Map<string, number> {
  const out = new Map<string, number>()
  for (const [id, json] of store.meterState.load(INGEST_PART)) {
    const at = (JSON.parse(json) as SavedIngestState).s?.lastReceivedAt
    if (typeof at === 'number') out.set(id, at)
  }
  return out
}

function seriesOf(s: MeterState): string {
  s.series ??= meterSeriesKey(s.meter)
  return s.series
}

function saveIngestState(s: MeterState): StateRow {
  const saved: SavedIngestState = {}
  if (s.register) saved.r = s.register
  if (s.status) saved.s = s.status
  return [s.meter.id, JSON.stringify(saved)]
}

export class Ingest implements Checkpointed {
  readonly part = INGEST_PART
  private readonly meters = new Map<string, MeterState>()
  /** Meters changed since the last capture; one still pending in a capture is saved before it changes. */
  private readonly changes = new Changes(saveIngestState)
  private readonly warned = new Map<string, number>()
  private snapshotTimer: NodeJS.Timeout | undefined
  private publishRejected: ((r: Rejection | NotCounted) => void) | undefined
  /** Register anomalies being written to the app store (a checkpoint waits for them). */
  private readonly anomalyWrites = new Jobs()

  constructor(private readonly o: IngestOptions) {
    for (const meter of o.registry.meters.values()) {
      const register = KINDS[meter.kind].register
      this.meters.set(meter.id, {
        meter,
        series: undefined,
        ...(register ? { params: registerParams(meter, o.watermarkMs), register: newRegisterState() } : {}),
      })
    }
  }

  /** Restores register state and last readings from the store, and starts periodic snapshots. */
  start(): { restoredRegisters: number; restoredStatus: number } {
    let restoredRegisters = 0
    let restoredStatus = 0
    for (const [id, json] of this.o.store.meterState.load(INGEST_PART)) {
      const m = this.meters.get(id)
      if (!m) continue
      const saved = JSON.parse(json) as SavedIngestState
      if (m.register && isRegisterState(saved.r)) {
        m.register = saved.r
        restoredRegisters++
      }
      if (saved.s && typeof saved.s === 'object') {
        if (saved.s.lastUsed === null) delete saved.s.lastUsed
        m.status = saved.s as MeterStatus
        restoredStatus++
      }
    }
    const every = this.o.snapshotIntervalMs ?? 5000
    if (every > 0) {
      this.snapshotTimer = setInterval(() => this.snapshot(), every)
      this.snapshotTimer.unref()
    }
    return { restoredRegisters, restoredStatus }
  }

  stop(): void {
    if (this.o.snapshotIntervalMs === 0) return
    if (this.snapshotTimer) clearInterval(this.snapshotTimer)
    this.snapshotTimer = undefined
    this.snapshot()
  }

  /**
   * Where rejections are published (`schools/{school}/rejected`), and the readings taken but not
   * counted (duplicates, late ones) with them; set by the broker adapter.
   */
  onRejected(publish: (r: Rejection | NotCounted) => void): void {
    this.publishRejected = publish
  }

  status(meterId: string): MeterStatus | undefined {
    return this.meters.get(meterId)?.status
  }

  /** Saves the state of every meter that changed since the last snapshot. */
  snapshot(): number {
    if (this.changes.size === 0) return 0
    return this.o.store.meterState.save(INGEST_PART, this.changes.takeAll())
  }

  /** The state of every meter that changed since the last capture, as of now (for a checkpoint). */
  capture(): StateCapture {
    return this.changes.capture()
  }

  handle(topic: string, payload: Buffer, receivedAt = Date.now()): HandleResult {
    const decoded = decodeMessage(topic, payload, receivedAt, this.o.registry, this.o.limits)
    if (decoded.ignored) return { accepted: 0, rejected: 0, duplicates: 0, decoded: 0 }
    this.o.metrics.hot.messagesReceived++
    const result: HandleResult = { accepted: 0, rejected: 0, duplicates: 0, decoded: decoded.readings.length }
    for (const rej of decoded.rejections) this.reject(rej)
    result.rejected = decoded.rejections.length
    for (const reading of decoded.readings) {
      const outcome = this.accept(reading, topic)
      if (outcome === 'accepted') result.accepted++
      else if (outcome === 'duplicate') result.duplicates++
      else result.rejected++
    }
    return result
  }

  private accept(reading: Reading, topic: string): 'accepted' | 'duplicate' | 'rejected' {
    const state = this.meters.get(reading.meter.id)!
    this.changes.touch(state)
    const spec = KINDS[reading.meter.kind]
    const registerValue = spec.register ? reading.values[spec.register] : undefined
    if (registerValue !== undefined && state.register && state.params && spec.used) {
      const outcome = applyReading(state.register, reading.ts, registerValue, state.params)
      switch (outcome.type) {
        case 'duplicate':
          this.o.metrics.readingsDuplicate.inc()
          this.notCounted(reading, topic, 'duplicate', outcome)
          return 'duplicate'
        case 'implausible':
          this.anomaly(state, outcome.anomaly, spec.used.perRegisterUnit)
          this.reject({
            topic,
            reason: 'implausible_value',
            detail: outcome.detail,
            receivedAt: reading.receivedAt,
            school: reading.meter.school.id,
            meter: reading.meter.id,
            payload: JSON.stringify({ ts: reading.ts, ...reading.values }),
          })
          return 'rejected'
        case 'late':
          reading.late = true
          this.o.metrics.readingsLate.inc()
          this.notCounted(reading, topic, 'late', outcome)
          break
        case 'counted': {
          const per = spec.used.perRegisterUnit
          reading.used = Math.round(outcome.delta * per * 1e6) / 1e6
          reading.usedFrom = outcome.from
          if (outcome.anomaly) this.anomaly(state, outcome.anomaly, per)
          for (const rev of outcome.revisions) {
            const used = Math.round(rev.delta * per * 1e6) / 1e6
            const line = this.o.writer ? usedLine(seriesOf(state), state.meter, rev.ts, used) : undefined
            if (line) this.o.writer!.write(line)
            this.o.bus.emit('revision', {
              meter: state.meter,
              ts: rev.ts,
              usedFrom: rev.from,
              used,
              previousUsed: Math.round(rev.previousDelta * per * 1e6) / 1e6,
            })
          }
          break
        }
        case 'first':
          break
      }
      this.changes.add(state)
    }
    this.o.writer?.write(readingLine(seriesOf(state), reading))
    this.updateStatus(state, reading)
    this.o.metrics.hot.readingsAccepted++
    this.o.bus.emit('reading', reading)
    return 'accepted'
  }

  private updateStatus(state: MeterState, r: Reading): void {
    const s = state.status
    if (!s) {
      state.status = {
        lastTs: r.ts,
        lastReceivedAt: r.receivedAt,
        lastValues: r.values,
        lastEstimated: r.estimated,
        ...(r.used !== undefined ? { lastUsed: r.used } : {}),
        readings: 1,
      }
    } else {
      s.readings++
      s.lastReceivedAt = r.receivedAt
      if (r.ts >= s.lastTs) {
        s.lastTs = r.ts
        s.lastValues = r.values
        s.lastEstimated = r.estimated
        if (r.used !== undefined) s.lastUsed = r.used
        else delete s.lastUsed
      }
    }
    this.changes.add(state)
  }

  /** Resolves once the register anomalies found so far are written (or have failed, which is logged). */
  written(): Promise<void> {
    return this.anomalyWrites.settled()
  }

  private anomaly(state: MeterState, a: Anomaly, perRegisterUnit: number): void {
    const counted = Math.round(a.counted * perRegisterUnit * 1e6) / 1e6
    this.o.metrics.registerAnomalies.inc({ type: a.type })
    // Kept for people to look into; the reading goes on through the pipeline meanwhile.
    // Written without holding the reading up; a checkpoint counts only once it is (`written()`).
    void this.anomalyWrites
      .run(() =>
        this.o.store.anomalies.insert({
          meterId: state.meter.id,
          ts: a.ts,
          type: a.type,
          previous: a.previous,
          current: a.current,
          counted,
          recordedAt: Date.now(),
        }),
      )
      .catch((err) => this.o.log.error({ err, meter: state.meter.id }, 'cannot record a register anomaly'))
    this.o.log.info(
      { meter: state.meter.id, type: a.type, previous: a.previous, current: a.current, counted },
      `register ${a.type.replace('_', ' ')} on meter ${state.meter.id}`,
    )
    this.o.bus.emit('anomaly', {
      meter: state.meter,
      type: a.type,
      ts: a.ts,
      previous: a.previous,
      current: a.current,
      counted,
    })
  }

  /** Tells whoever sent it that a reading did not move its meter, and why (an answer, not an error). */
  private notCounted(reading: Reading, topic: string, reason: NotCounted['reason'], mark: Watermark): void {
    const meter = reading.meter
    const at = (ms: number) => formatInstant(ms, meter.school.timezone)
    const times = {
      meter: meter.id,
      ts: at(reading.ts),
      latest: at(mark.latest),
      watermark: at(mark.watermark),
    }
    try {
      this.publishRejected?.({
        topic,
        reason,
        detail:
          reason === 'duplicate'
            ? msg('ingest.notCounted.duplicate', times)
            : msg('ingest.notCounted.late', { ...times, minutes: Math.round(this.o.watermarkMs / 60_000) }),
        receivedAt: reading.receivedAt,
        school: meter.school.id,
        meter: meter.id,
        payload: JSON.stringify({ ts: at(reading.ts), ...reading.values }),
        latest: mark.latest,
        watermark: mark.watermark,
        stored: reason === 'late',
      })
    } catch (err) {
      this.o.log.warn({ err }, 'cannot publish the answer to a reading not counted')
    }
  }

  private reject(r: Rejection): void {
    this.o.metrics.readingsRejected.inc({ reason: r.reason })
    try {
      this.publishRejected?.(r)
    } catch (err) {
      this.o.log.warn({ err }, 'cannot publish a rejection')
    }
    this.o.bus.emit('rejected', r)
    const key = `${r.school ?? ''}|${r.reason}`
    const now = Date.now()
    const last = this.warned.get(key)
    if (last === undefined || now - last > WARN_EVERY_MS) {
      this.warned.set(key, now)
      this.o.log.warn(
        {
          topic: r.topic,
          reason: r.reason,
          detail: render('en', r.detail),
          school: r.school,
          meter: r.meter,
        },
        'rejected reading (further ones of this school and reason are logged at debug level for a minute)',
      )
    } else {
      this.o.log.debug(
        { topic: r.topic, reason: r.reason, detail: render('en', r.detail) },
        'rejected reading',
      )
    }
  }
}

function isRegisterState(v: unknown): v is RegisterState {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as RegisterState).r) &&
    (v as RegisterState).r.length % 4 === 0 &&
    (v as RegisterState).r.every((x) => typeof x === 'number')
  )
}
