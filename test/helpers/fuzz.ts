/**
 * Hostile input for the ingest pipeline: a seeded stream of MQTT messages — fuzzed payloads of
 * the kinds CONTRACT.md has to survive, interleaved with good readings — each carrying the
 * outcome the contract predicts: the readings to be stored and the rejections by reason.
 *
 * The expectations are written from the contract (docs/contract.md), not from decode.ts, so the
 * two can disagree. Meters and ranges are those of the test registry (test/helpers/registry.ts).
 *
 * Good readings keep each meter's timestamps strictly increasing and its register rising within
 * the meter's maximum rate, so none is a duplicate, late or implausible; every meter belongs to
 * one lane (one publishing client), which keeps its readings in order on the wire.
 */
import type { RejectReason } from '../../core/reading.js'

/** mulberry32: small, fast and good enough to make a failing run reproduce from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Kind = 'water' | 'electricity' | 'heat' | 'temperature'

/** CONTRACT.md's fields by kind: the register first. */
export const KIND_FIELDS: Record<Kind, readonly string[]> = {
  water: ['volume_m3', 'flow_lpm'],
  electricity: ['energy_kwh', 'power_w', 'pf', 'voltage_v', 'current_a'],
  heat: ['energy_kwh', 'power_kw', 'supply_c', 'return_c', 'flow_m3h'],
  temperature: ['temp_c', 'humidity_pct'],
}
const REGISTER: Partial<Record<Kind, string>> = {
  water: 'volume_m3',
  electricity: 'energy_kwh',
  heat: 'energy_kwh',
}
const ALL_FIELDS = [...new Set(Object.values(KIND_FIELDS).flat())]

/** docs/contract.md's plausible ranges, and a typical span for random good values. */
const RANGES: Record<string, { min: number; max: number; typical: [number, number] }> = {
  flow_lpm: { min: 0, max: 1e5, typical: [0, 120] },
  power_w: { min: -1e8, max: 1e8, typical: [-500, 9000] },
  pf: { min: -1, max: 1, typical: [0.5, 1] },
  voltage_v: { min: 0, max: 1e6, typical: [210, 245] },
  current_a: { min: 0, max: 1e5, typical: [0, 60] },
  power_kw: { min: -1e5, max: 1e6, typical: [0, 150] },
  supply_c: { min: -50, max: 200, typical: [30, 90] },
  return_c: { min: -50, max: 200, typical: [20, 70] },
  flow_m3h: { min: 0, max: 1e5, typical: [0, 12] },
  temp_c: { min: -60, max: 100, typical: [-15, 40] },
  humidity_pct: { min: 0, max: 100, typical: [5, 99] },
  volume_m3: { min: 0, max: 1e10, typical: [0, 0] },
  energy_kwh: { min: 0, max: 1e12, typical: [0, 0] },
}

interface MeterModel {
  id: string
  school: string
  kind: Kind
  lane: number
  /** Largest register step between two readings a minute apart, in thousandths (well inside the rate limit). */
  maxStepMilli: number
  registerMilli: number
  lastTs: number
  /** The register has a value the service knows (a jump can be judged against it). */
  hasRegister: boolean
  /** A rejected implausible jump is pending: a second one could be taken as its confirmation. */
  jumpPending: boolean
  /** Implausible jumps so far: each goes 10⁷ above the last, so no two can confirm each other. */
  jumps: number
}

/** A reading the service must store, with exactly these values. */
export interface GoodReading {
  meter: string
  ts: number
  values: Record<string, number>
  estimated: boolean
}

export interface FuzzMessage {
  /** Which publisher sends it: a meter's good readings always travel in its own lane. */
  lane: number
  topic: string
  payload: Buffer
  /** The mutation class, for failure messages. */
  label: string
  /** One of the `count` fuzzed messages (else a plain good one in between). */
  fuzzed: boolean
  good: GoodReading[]
  /** One entry per rejection the message must cause. */
  rejected: RejectReason[]
  /** Counted in messages_received (reading topics; not ones outside `schools/` or our own output topics). */
  counted: boolean
  /** Rejections published back on `schools/{school}/rejected` (those whose topic names a valid school). */
  published: number
  /** The message itself lands on a `schools/+/rejected` topic (an ignored topic a watcher also sees). */
  onRejectedTopic: boolean
}

export interface FuzzOptions {
  seed: number
  /** Fuzzed (bad or odd) messages to produce; good ones come in between. */
  count: number
  /** Earliest good timestamp; the last must stay in the past. */
  startTs: number
  maxPayloadBytes: number
  maxBatchReadings: number
  /** Good messages per fuzzed one, on average. */
  goodRatio?: number
  lanes?: number
}

const S = 'test-school'
const OTHER = 'other-school'

const BAD_UTF8: number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0xaf],
  [0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc3],
]

const b = (s: string): Buffer => Buffer.from(s, 'utf8')

/** The fuzz stream. Iterate it once; expensive shapes (megabytes, deep nesting) are few and spread out. */
export function* fuzzMessages(o: FuzzOptions): Generator<FuzzMessage> {
  const rnd = prng(o.seed)
  const lanes = o.lanes ?? 4
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const chance = (p: number) => rnd() < p
  const round2 = (x: number) => Math.round(x * 100) / 100

  const meter = (id: string, school: string, kind: Kind, lane: number, maxStepMilli: number): MeterModel => ({
    id,
    school,
    kind,
    lane: lane % lanes,
    maxStepMilli,
    registerMilli: 100_000 + int(0, 1_000_000),
    lastTs: o.startTs + int(0, 59_999),
    hasRegister: false,
    jumpPending: false,
    jumps: 0,
  })
  // Steps: W1 may pass 5 m³/h (nominal 4 × 1.25), E-R101 8 kW, W2/OW1 100 m³/h, E1 100 kW, H1 10 MW;
  // the register check allows twice that over a minute. W1 has 5 register digits: stay far below.
  const meters: MeterModel[] = [
    { ...meter('W1', S, 'water', 0, 40), registerMilli: 100_000 + int(0, 1000) },
    meter('T1', S, 'temperature', 0, 0),
    meter('W2', S, 'water', 1, 500),
    meter('H1', S, 'heat', 1, 5000),
    meter('E1', S, 'electricity', 2, 1500),
    meter('OW1', OTHER, 'water', 2, 500),
    meter('E-R101', S, 'electricity', 3, 100),
  ]
  const byId = new Map(meters.map((m) => [m.id, m]))
  const schoolMeters = (m: MeterModel) => meters.filter((x) => x.lane === m.lane && x.school === m.school)
  const now = Date.now()

  // ---- good readings ------------------------------------------------------------------------

  const fieldValue = (f: string): number => {
    const r = RANGES[f]!
    if (chance(0.03)) return pick([r.min, r.max, r.min === 0 ? 1e-7 : r.min / 2, r.max / 3])
    const [lo, hi] = r.typical
    return round2(lo + rnd() * (hi - lo)) || 0
  }

  /** The next good reading of a meter: a minute or so after its last one. */
  const nextGood = (m: MeterModel): GoodReading => {
    m.lastTs += 60_000 + int(0, 999)
    if (m.lastTs > now - 60_000) throw new Error('fuzz: good timestamps ran into the present; lower count')
    const values: Record<string, number> = {}
    const fields = KIND_FIELDS[m.kind]
    const reg = REGISTER[m.kind]
    for (const f of fields) {
      if (f === reg) {
        if (chance(0.9)) {
          m.registerMilli += int(0, m.maxStepMilli)
          values[f] = m.registerMilli / 1000
        }
      } else if (chance(0.6)) {
        values[f] = fieldValue(f)
      }
    }
    if (Object.keys(values).length === 0)
      values[fields[fields.length - 1]!] = fieldValue(fields[fields.length - 1]!)
    return { meter: m.id, ts: m.lastTs, values, estimated: chance(0.05) }
  }
  /** A good reading goes out: from now on the service knows the meter's register. */
  const use = (g: GoodReading): GoodReading => {
    const m = byId.get(g.meter)!
    if (REGISTER[m.kind] && REGISTER[m.kind]! in g.values) {
      m.hasRegister = true
      m.jumpPending = false
    }
    return g
  }
  const nextUsed = (m: MeterModel) => use(nextGood(m))

  const pad2 = (n: number) => String(n).padStart(2, '0')
  /** A timestamp as a gateway might write it: every form the contract accepts. */
  const tsText = (ts: number): string => {
    switch (int(0, 7)) {
      case 0:
        return String(ts)
      case 1:
        return `${ts}.${int(0, 9)}` // a fraction of a millisecond: floored
      case 2:
        return JSON.stringify(new Date(ts).toISOString())
      case 3:
        return JSON.stringify(
          `${new Date(ts).toISOString().slice(0, -1)}${String(int(0, 999999)).padStart(6, '0')}Z`,
        )
      default: {
        const offsetMin = pick([480, -300, 330, 0, -720, 840, 345])
        const local = new Date(ts + offsetMin * 60_000).toISOString().slice(0, 23)
        const sign = offsetMin < 0 ? '-' : '+'
        const a = Math.abs(offsetMin)
        const colon = chance(0.5) ? ':' : ''
        return JSON.stringify(`${local}${sign}${pad2(Math.floor(a / 60))}${colon}${pad2(a % 60)}`)
      }
    }
  }

  /** JSON text (bytes) of a good reading, with harmless oddities: extra fields, key order, spacing, … */
  const goodText = (g: GoodReading, withMeter: 'must' | 'may' | 'never'): Buffer => {
    // Strings, but for one part that may carry raw bytes (invalid UTF-8).
    const parts: (string | Buffer)[] = []
    const m = byId.get(g.meter)!
    if (withMeter === 'must' || (withMeter === 'may' && chance(0.2)))
      parts.push(`"meter":${JSON.stringify(g.meter)}`)
    parts.push(`"ts":${tsText(g.ts)}`)
    for (const f in g.values) {
      // A duplicate key: the last one counts (JSON.parse), so a wrong first value is harmless.
      // One part, so that shuffling the keys keeps the pair in order.
      const dup = chance(0.02) ? `"${f}":${pick(['"oops"', 'null', '-1', '1e999', '{}'])},` : ''
      parts.push(`${dup}"${f}":${String(g.values[f])}`)
    }
    if (g.estimated) parts.push('"estimated":true')
    else if (chance(0.05)) parts.push('"estimated":false')
    const oddity = rnd()
    if (oddity < 0.03) {
      // A field of another kind beside the meter's own: ignored.
      const foreign = ALL_FIELDS.filter((f) => !KIND_FIELDS[m.kind].includes(f))
      parts.push(`"${pick(foreign)}":${pick(['0', '1e300', '-1e300', '42.5'])}`)
    } else if (oddity < 0.06) {
      parts.push(
        `"firmware":"v${int(1, 9)}.${int(0, 99)}","rssi":${-int(30, 110)},"tags":{"a":[1,2,{"b":null}]}`,
      )
    } else if (oddity < 0.075) {
      // Invalid UTF-8 inside a string of an unknown field: it cannot change what is read.
      parts.push(Buffer.concat([b('"note":"'), Buffer.from(pick(BAD_UTF8)), b('"')]))
    } else if (oddity < 0.085) {
      parts.push('"note":"\uFEFF 测试 \u{1F4A7} \\u0000 \\ud800"')
    }
    if (chance(0.15)) {
      // Shuffle the key order.
      for (let i = parts.length - 1; i > 0; i--) {
        const j = int(0, i)
        ;[parts[i], parts[j]] = [parts[j]!, parts[i]!]
      }
    }
    const sep = chance(0.1) ? ' ,\n\t ' : ','
    const open = chance(0.1) ? '{ \n' : '{'
    const close = chance(0.1) ? ' }\r\n' : '}'
    if (parts.every((p) => typeof p === 'string')) return b(`${open}${parts.join(sep)}${close}`)
    return Buffer.concat([
      b(open),
      ...parts.flatMap((p, i) => [b(i ? sep : ''), typeof p === 'string' ? b(p) : p]),
      b(close),
    ])
  }

  // ---- bad readings -------------------------------------------------------------------------

  const deep = (n: number) => b(`${'['.repeat(n)}${']'.repeat(n)}`)
  /** Some ts that is rejected before any register sees it; its value does not matter. */
  const anyTs = () => String(o.startTs + int(0, 86_400_000))
  const someField = (m: MeterModel) => pick(KIND_FIELDS[m.kind])
  const reg = (m: MeterModel) => REGISTER[m.kind] ?? KIND_FIELDS[m.kind][0]!

  const BAD_TS: [string, RejectReason][] = [
    ['"NaN"', 'bad_timestamp'],
    ['"Infinity"', 'bad_timestamp'],
    ['"-Infinity"', 'bad_timestamp'],
    ['""', 'bad_timestamp'],
    ['"1999-12-31T23:59:59Z"', 'bad_timestamp'],
    ['"1970-01-01T00:00:00Z"', 'bad_timestamp'],
    ['1700000000', 'bad_timestamp'], // epoch seconds
    ['946684799999', 'bad_timestamp'],
    ['0', 'bad_timestamp'],
    ['-1', 'bad_timestamp'],
    ['-1e308', 'bad_timestamp'],
    ['1e308', 'bad_timestamp'], // far future
    ['1e999', 'bad_timestamp'], // Infinity
    ['-1e999', 'bad_timestamp'],
    [String(now + 3_600_000), 'bad_timestamp'], // an hour ahead
    [JSON.stringify(new Date(now + 86_400_000).toISOString()), 'bad_timestamp'],
    ['"9999-12-31T23:59:59Z"', 'bad_timestamp'],
    ['"2026-11-26T08:00:00"', 'bad_timestamp'], // no offset
    ['"2026-11-26 08:00:00Z"', 'bad_timestamp'],
    ['"2026-11-26t08:00:00z"', 'bad_timestamp'],
    ['"26/11/2026 08:00"', 'bad_timestamp'],
    ['"2026-11-26T08:00:00+08"', 'bad_timestamp'],
    ['"2026-11-26"', 'bad_timestamp'],
    ['"1700000000000"', 'bad_timestamp'],
    ['"2025-02-29T08:00:00+08:00"', 'bad_timestamp'], // not a leap year
    ['"2025-02-30T08:00:00Z"', 'bad_timestamp'],
    ['"2025-04-31T08:00:00Z"', 'bad_timestamp'],
    ['"2025-13-01T08:00:00Z"', 'bad_timestamp'],
    ['"2025-00-10T08:00:00Z"', 'bad_timestamp'],
    ['"2025-01-32T08:00:00Z"', 'bad_timestamp'],
    ['"2025-01-01T25:00:00Z"', 'bad_timestamp'],
    ['"2025-01-01T23:60:00Z"', 'bad_timestamp'],
    ['"2025-01-01T08:00:00+25:00"', 'bad_timestamp'],
    [JSON.stringify('2025-01-01T08:00:00Z'.padEnd(65, '0')), 'bad_schema'], // longer than 64
    ['true', 'bad_schema'],
    ['null', 'bad_schema'],
    ['{}', 'bad_schema'],
    ['[]', 'bad_schema'],
    ['{"$date":1700000000000}', 'bad_schema'],
  ]
  const WRONG_TYPES = [
    '"12.5"',
    'null',
    'true',
    'false',
    '{}',
    '[]',
    '[1]',
    '"NaN"',
    '"Infinity"',
    '"-Infinity"',
    '""',
    '"1e999"',
  ]

  interface BadItem {
    text: Buffer
    reason: RejectReason
    label: string
  }

  /**
   * A reading of meter `m` that must be rejected, with its reason. `inBatch`: it carries a
   * `meter` field (gateway batch); else it sits on m's own topic.
   */
  const badItem = (m: MeterModel, inBatch: boolean): BadItem => {
    const meterPart = inBatch
      ? `"meter":${JSON.stringify(m.id)},`
      : chance(0.2)
        ? `"meter":${JSON.stringify(m.id)},`
        : ''
    const obj = (fields: string) => b(`{${meterPart}${fields}}`)
    const r = reg(m)
    const c = int(0, 21)
    switch (c) {
      case 0:
        return {
          text: obj(`"ts":${anyTs()},"${someField(m)}":${pick(WRONG_TYPES)}`),
          reason: 'bad_schema',
          label: 'field of wrong type',
        }
      case 1: {
        const [ts, reason] = pick(BAD_TS)
        return { text: obj(`"ts":${ts},"${r}":1.5`), reason, label: `bad ts ${ts.slice(0, 30)}` }
      }
      case 2:
        return {
          text: obj(`"ts":${anyTs()},"${r}":1,"estimated":${pick(['"yes"', '1', 'null', '[]'])}`),
          reason: 'bad_schema',
          label: 'estimated not boolean',
        }
      case 3:
        return { text: obj(`"${r}":12.5,"time":${anyTs()}`), reason: 'bad_schema', label: 'no ts' }
      case 4:
        return {
          text: obj(`"ts":${anyTs()}${pick(['', ',"estimated":true', ',"note":"x"', ',"value":5'])}`),
          reason: 'bad_schema',
          label: 'no measurement',
        }
      case 5: {
        const foreign = ALL_FIELDS.filter((f) => !KIND_FIELDS[m.kind].includes(f))
        return {
          text: obj(`"ts":${anyTs()},"${pick(foreign)}":${pick(['1', '2000', '-3.5', '1e300'])}`),
          reason: 'wrong_kind_fields',
          label: 'only fields of another kind',
        }
      }
      case 6: {
        const f = someField(m)
        const big = pick(['1e308', '-1e308', '123456789012345678901234567890', String(RANGES[f]!.max * 10)])
        return {
          text: obj(`"ts":${anyTs()},"${f}":${big}`),
          reason: 'implausible_value',
          label: 'huge number',
        }
      }
      case 7:
        return {
          text: obj(`"ts":${anyTs()},"${someField(m)}":${pick(['1e999', '-1e999', '1e400'])}`),
          reason: 'implausible_value',
          label: 'infinite number',
        }
      case 8: {
        if (!REGISTER[m.kind]) return badItem(m, inBatch)
        return {
          text: obj(`"ts":${anyTs()},"${r}":${pick(['-0.001', '-5', '-1e308', '-123456.789'])}`),
          reason: 'implausible_value',
          label: 'negative register',
        }
      }
      case 9: {
        const f = someField(m)
        const { min, max } = RANGES[f]!
        const v = chance(0.5) ? max + Math.max(1e-6, max * 1e-9) : min - Math.max(1e-6, Math.abs(min) * 1e-9)
        return {
          text: obj(`"ts":${anyTs()},"${f}":${v}`),
          reason: 'implausible_value',
          label: 'just out of range',
        }
      }
      case 10:
        return {
          text: b(pick(['1', '"reading"', 'null', 'true', '[]', '[{}]', '0'])),
          reason: 'bad_schema',
          label: 'not an object',
        }
      case 11:
        return {
          text: Buffer.concat([b('['), goodText(nextGood(m), inBatch ? 'must' : 'never'), b(']')]),
          // The nested reading consumed a timestamp of m, but it is never stored; harmless.
          reason: 'bad_schema',
          label: 'reading wrapped in an array',
        }
      case 12: {
        const [last, reason] = pick<[string, RejectReason]>([
          ['"x"', 'bad_schema'],
          ['null', 'bad_schema'],
          ['1e999', 'implausible_value'],
        ])
        return {
          text: obj(`"ts":${anyTs()},"${r}":1,"${r}":${last}`),
          reason,
          label: 'duplicate key, bad last',
        }
      }
      case 13:
        return {
          text: b(`{"__proto__":{"ts":${anyTs()},"${r}":1}}`),
          reason: 'bad_schema',
          label: '__proto__',
        }
      case 14:
        return {
          text: Buffer.concat([
            b(`{${meterPart}"ts":"2025-01-01T08:00:00`),
            Buffer.from(pick(BAD_UTF8)),
            b(`Z","${r}":1}`),
          ]),
          reason: 'bad_timestamp',
          label: 'bad UTF-8 in ts',
        }
      case 15:
        if (!inBatch) return badItem(m, inBatch)
        return {
          text: b(`{"ts":${anyTs()},"${r}":1}`),
          reason: 'bad_schema',
          label: 'batch reading without meter',
        }
      case 16: {
        if (!inBatch) {
          const other = pick(meters.filter((x) => x !== m)).id
          return {
            text: b(`{"meter":${JSON.stringify(other)},"ts":${anyTs()},"${r}":1}`),
            reason: 'bad_schema',
            label: 'meter field contradicts topic',
          }
        }
        const ghost = pick([
          b('"GHOST"'),
          b('"w1"'),
          b('"W1 "'),
          b('""'),
          b(m.school === S ? '"OW1"' : '"W1"'), // a meter of the other school
          Buffer.concat([b('"W'), Buffer.from(pick(BAD_UTF8)), b('1"')]),
        ])
        return {
          text: Buffer.concat([b('{"meter":'), ghost, b(`,"ts":${anyTs()},"${r}":1}`)]),
          reason: 'unknown_meter',
          label: 'unknown meter in batch',
        }
      }
      case 17:
        return {
          text: b(
            `{${meterPart}"ts":${anyTs()},"${r}":1,"meter":${pick(['42', 'null', '["W1"]', JSON.stringify('W'.repeat(129))])}}`,
          ),
          reason: 'bad_schema',
          label: 'meter of wrong type',
        }
      case 18: {
        // Deep nesting in a field the schema looks at. Rarely very deep: V8 takes milliseconds
        // over each (JSON.stringify is quadratic in the depth); scheduled ones below go deeper.
        const where = pick(['ts', r, 'estimated', 'meter'])
        const value = deep(chance(0.01) ? int(2000, 20000) : int(2, 60))
        const text =
          where === 'ts'
            ? Buffer.concat([b(`{${meterPart}"ts":`), value, b(`,"${r}":1}`)])
            : Buffer.concat([b(`{${meterPart}"ts":${anyTs()},"${where}":`), value, b('}')])
        return { text, reason: 'bad_schema', label: `deeply nested ${where}` }
      }
      case 19:
        return {
          text: deep(chance(0.01) ? int(1000, 5000) : int(2, 60)),
          reason: 'bad_schema',
          label: 'nested arrays as a reading',
        }
      case 20: {
        // A register jump far beyond what the meter can pass, between two good readings.
        if (!REGISTER[m.kind] || !m.hasRegister || m.jumpPending) return badItem(m, inBatch)
        m.jumpPending = true
        m.jumps++
        const jump = m.registerMilli / 1000 + 1e7 * m.jumps + int(0, 1000)
        return {
          text: obj(`"ts":${m.lastTs + 30_000},"${r}":${jump}`),
          reason: 'implausible_value',
          label: 'implausible register jump',
        }
      }
      default:
        return {
          text: obj(`"ts":${anyTs()},"${r}":"${pick(['NaN', 'Infinity', '-Infinity', '1,5', '0x10'])}"`),
          reason: 'bad_schema',
          label: 'number as a string',
        }
    }
  }

  // ---- messages -----------------------------------------------------------------------------

  const meterTopic = (m: MeterModel) => `schools/${m.school}/meters/${m.id}`
  const gatewayTopic = (m: MeterModel) => `schools/${m.school}/gateways/gw-${m.lane}-${int(0, 9)}`
  const msg = (
    lane: number,
    topic: string,
    payload: Buffer,
    label: string,
    good: GoodReading[],
    rejected: RejectReason[],
    published = rejected.length,
  ): FuzzMessage => ({
    lane,
    topic,
    payload,
    label,
    good,
    rejected,
    counted: true,
    published,
    onRejectedTopic: false,
    fuzzed: false,
  })

  /** A good message: one reading, an array of readings of a meter, or a gateway batch. */
  const goodMessage = (): FuzzMessage => {
    const m = pick(meters)
    const shape = rnd()
    if (shape < 0.7) {
      const g = nextUsed(m)
      return msg(m.lane, meterTopic(m), goodText(g, 'may'), 'good reading', [g], [])
    }
    if (shape < 0.8) {
      const gs = Array.from({ length: int(1, 6) }, () => nextUsed(m))
      const payload = Buffer.concat([
        b('['),
        ...gs.flatMap((g, i) => (i ? [b(','), goodText(g, 'may')] : [goodText(g, 'may')])),
        b(']'),
      ])
      return msg(m.lane, meterTopic(m), payload, 'good array on a meter topic', gs, [])
    }
    const pool = schoolMeters(m)
    const gs = Array.from({ length: int(1, 12) }, () => nextUsed(pick(pool)))
    const payload = Buffer.concat([
      b('['),
      ...gs.flatMap((g, i) => (i ? [b(','), goodText(g, 'must')] : [goodText(g, 'must')])),
      b(']'),
    ])
    return msg(m.lane, gatewayTopic(m), payload, 'good gateway batch', gs, [])
  }

  /** A batch mixing good and bad readings; every good one must be stored. */
  const mixedBatch = (gateway: boolean): FuzzMessage => {
    const m = pick(meters)
    const pool = gateway ? schoolMeters(m) : [m]
    const n = int(2, 16)
    const parts: Buffer[] = []
    const good: GoodReading[] = []
    const rejected: RejectReason[] = []
    for (let i = 0; i < n; i++) {
      const x = pick(pool)
      if (chance(0.5)) {
        const g = nextUsed(x)
        good.push(g)
        parts.push(goodText(g, gateway ? 'must' : 'may'))
      } else {
        const bad = badItem(x, gateway)
        rejected.push(bad.reason)
        parts.push(bad.text)
      }
    }
    const payload = Buffer.concat([b('['), ...parts.flatMap((p, i) => (i ? [b(','), p] : [p])), b(']')])
    return msg(
      m.lane,
      gateway ? gatewayTopic(m) : meterTopic(m),
      payload,
      gateway ? 'mixed gateway batch' : 'mixed meter array',
      good,
      rejected,
    )
  }

  const BAD_TOPICS: [string, boolean][] = [
    // [topic, names a valid school (so the rejection is published)]
    [`schools/${S}/meter/W1`, true],
    [`schools/${S}/meters`, true],
    [`schools/${S}/meters/`, true],
    [`schools/${S}/meters/W1/extra`, true],
    [`schools/${S}/meters/W1/`, true],
    [`schools/${S}/gateways/`, true],
    [`schools/${S}/gateways/gw/1`, true],
    [`schools/${S}`, true],
    [`schools/${S}/`, true],
    [`schools/${S}/Meters/W1`, true],
    [`schools/${S}/meters/-W1`, true],
    [`schools/${S}/meters/W 1`, true],
    [`schools/${S}/meters/W1%20`, true],
    [`schools/${S}/meters/Wé`, true],
    [`schools/${S}/meters/W1\u0000`, true],
    [`schools/${S}/meters/💧`, true],
    [`schools/${S}/meters/${'W'.repeat(129)}`, true],
    [`schools/${S}/meters/${'W'.repeat(30_000)}`, true],
    [`schools/${S}/meters/W1${'/x'.repeat(95)}`, true],
    ['schools/', false],
    ['schools//meters/W1', false],
    ['schools/Test-School/meters/W1', false],
    ['schools/-bad/meters/W1', false],
    ['schools/test_school/meters/W1', false],
    ['schools/测试/meters/W1', false],
    [`schools/${'a'.repeat(65)}/meters/W1`, false],
    ['schools/ /meters/W1', false],
  ]
  // Publishes at or below the service's own topics (`schools/+/alerts`, `schools/+/rejected`)
  // close the publisher's connection, whoever it is (test/ingest/broker-security.test.ts): they
  // are not sent on these lanes.
  const IGNORED_TOPICS: [string, boolean][] = [
    // [topic, matches `schools/+/rejected`]
    [`Schools/${S}/meters/W1`, false],
    [`school/${S}/meters/W1`, false],
    ['schools', false],
    [`/schools/${S}/meters/W1`, false],
    ['fuzz/elsewhere', false],
  ]

  /** Any payload at all, for messages rejected or ignored before their payload is read. */
  const anyPayload = (): Buffer => {
    const m = pick(meters)
    return pick<() => Buffer>([
      () => goodText({ meter: m.id, ts: o.startTs, values: { [reg(m)]: 1 }, estimated: false }, 'may'),
      () => Buffer.from(Array.from({ length: int(0, 64) }, () => int(0, 255))),
      () => b('[]'),
      () => b(''),
    ])()
  }

  const overLimitBatch = b(
    `[${Array(o.maxBatchReadings + 1)
      .fill('{}')
      .join(',')}]`,
  )
  /** One fuzzed message of a class picked by weight. */
  const fuzzMessage = (i: number): FuzzMessage => {
    const m = pick(meters)
    const lane = i % lanes
    const r = rnd()
    if (r < 0.3) {
      const bad = badItem(m, false)
      // An array at the top level is a batch: wrap it, so that it is one (bad) reading.
      const text = bad.text[0] === 0x5b ? Buffer.concat([b('['), bad.text, b(']')]) : bad.text
      return msg(m.lane, meterTopic(m), text, bad.label, [], [bad.reason])
    }
    if (r < 0.4) {
      const bad = badItem(m, true)
      // A gateway takes arrays only: a lone reading object is refused as a whole.
      if (bad.text[0] !== 0x5b && chance(0.3))
        return msg(m.lane, gatewayTopic(m), bad.text, `${bad.label} (not in an array)`, [], ['bad_schema'])
      return msg(
        m.lane,
        gatewayTopic(m),
        Buffer.concat([b('['), bad.text, b(']')]),
        bad.label,
        [],
        [bad.reason],
      )
    }
    if (r < 0.55) return mixedBatch(chance(0.6))
    if (r < 0.65) {
      // Not JSON.
      const g = goodText({ meter: m.id, ts: o.startTs, values: { [reg(m)]: 1 }, estimated: false }, 'may')
      const cases: [string, () => Buffer][] = [
        ['truncated', () => g.subarray(0, int(0, g.lastIndexOf('}') - 1))],
        ['BOM before the JSON', () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), g])],
        [
          'NaN token',
          () => b(`{"ts":${anyTs()},"${reg(m)}":${pick(['NaN', 'Infinity', '-Infinity', 'undefined'])}}`),
        ],
        ['single quotes', () => b(`{'ts':${anyTs()},'${reg(m)}':1}`)],
        ['trailing comma', () => b(`{"ts":${anyTs()},"${reg(m)}":1,}`)],
        ['comment', () => b(`{"ts":${anyTs()} /* now */,"${reg(m)}":1}`)],
        ['two documents', () => Buffer.concat([g, g])],
        [
          'bad UTF-8 between tokens',
          () => Buffer.concat([b(`{"ts":${anyTs()},`), Buffer.from(pick(BAD_UTF8)), b(`"${reg(m)}":1}`)]),
        ],
        [
          'random bytes',
          () => Buffer.from([int(1, 8), ...Array.from({ length: int(0, 200) }, () => int(0, 255))]),
        ],
        ['empty', () => Buffer.alloc(0)],
        ['whitespace', () => b(' \n\t ')],
        ['unclosed nesting', () => b('['.repeat(chance(0.05) ? 100_000 : int(1, 2000)))],
        ['UTF-16', () => Buffer.from(`{"ts":${anyTs()},"${reg(m)}":1}`, 'utf16le')],
        ['hex number', () => b(`{"ts":${anyTs()},"${reg(m)}":0x10}`)],
      ]
      const [label, make] = pick(cases)
      return msg(m.lane, meterTopic(m), make(), label, [], ['bad_json'])
    }
    if (r < 0.75) {
      // Not a reading at the top level.
      const gw = chance(0.4)
      if (gw) {
        const p = pick([
          '{}',
          '"readings"',
          '42',
          'null',
          'true',
          '{"readings":[]}',
          `{"meter":"${m.id}","ts":${anyTs()},"${reg(m)}":1}`,
        ])
        return msg(m.lane, gatewayTopic(m), b(p), 'gateway payload not an array', [], ['bad_schema'])
      }
      const p = pick<[string, number]>([
        ['1', 1],
        ['"x"', 1],
        ['null', 1],
        ['true', 1],
        ['[]', 1],
        ['[1,2,3]', 3],
        ['[null]', 1],
        ['[[],[]]', 2],
        ['{}', 1],
      ])
      return msg(m.lane, meterTopic(m), b(p[0]), `top level ${p[0]}`, [], Array(p[1]).fill('bad_schema'))
    }
    if (r < 0.85) {
      const [topic, published] = pick(BAD_TOPICS)
      return msg(lane, topic, anyPayload(), 'bad topic', [], ['bad_topic'], published ? 1 : 0)
    }
    if (r < 0.9) {
      const t = pick<[string, RejectReason]>([
        ['schools/no-such-school/meters/W1', 'unknown_school'],
        ['schools/nope/gateways/gw-1', 'unknown_school'],
        [`schools/${S}/meters/GHOST`, 'unknown_meter'],
        [`schools/${S}/meters/w1`, 'unknown_meter'],
        [`schools/${S}/meters/OW1`, 'unknown_meter'],
        [`schools/${OTHER}/meters/W1`, 'unknown_meter'],
        [`schools/${S}/meters/${'W'.repeat(128)}`, 'unknown_meter'],
      ])
      return msg(lane, t[0], anyPayload(), t[1], [], [t[1]])
    }
    if (r < 0.93) {
      const [topic, onRejected] = pick(IGNORED_TOPICS)
      return {
        ...msg(lane, topic, anyPayload(), 'ignored topic', [], []),
        counted: false,
        onRejectedTopic: onRejected,
      }
    }
    if (r < 0.96) {
      // A batch of readings with a deep value in a field the schema ignores: good.
      const g = nextUsed(m)
      const text = goodText(g, 'never')
      const payload = Buffer.concat([
        text.subarray(0, text.lastIndexOf('}')),
        b(',"extra":'),
        deep(chance(0.1) ? int(300, 3000) : int(10, 300)),
        b('}'),
      ])
      return msg(m.lane, meterTopic(m), payload, 'good reading with a deep extra field', [g], [])
    }
    // Batches over the limit, and batches of junk.
    if (chance(0.05)) {
      return msg(m.lane, gatewayTopic(m), overLimitBatch, 'batch over MAX_BATCH_READINGS', [], ['too_large'])
    }
    const n = int(2, 12)
    return msg(
      m.lane,
      gatewayTopic(m),
      b(`[${Array(n).fill('0').join(',')}]`),
      'batch of numbers',
      [],
      Array(n).fill('bad_schema'),
    )
  }

  // Expensive shapes at fixed places, spread over the run.
  const special = new Map<number, () => FuzzMessage>()
  const at = (k: number, total: number, make: () => FuzzMessage) => {
    for (let j = 0; j < k; j++) special.set(Math.floor(((j + 0.5) * o.count) / k) + total, make)
  }
  const W1 = byId.get('W1')!
  const padded = (size: number, withMeter: boolean, good: GoodReading) => {
    const text = goodText(good, withMeter ? 'must' : 'never')
    const head = text.subarray(0, text.lastIndexOf('}'))
    const fill = size - head.length - ',"pad":""}'.length
    return Buffer.concat([head, b(`,"pad":"${'x'.repeat(Math.max(0, fill))}"}`)])
  }
  at(12, 0, () => {
    const m = pick(meters)
    const p = Buffer.alloc(1_000_000 - int(0, 10_000), 0x41 + int(0, 25))
    return msg(
      m.lane,
      chance(0.5) ? meterTopic(m) : gatewayTopic(m),
      p,
      'a megabyte of letters',
      [],
      ['too_large'],
    )
  })
  at(4, 1, () => {
    const m = pick(meters)
    const p = padded(1_000_000, false, {
      meter: m.id,
      ts: o.startTs,
      values: { [reg(m)]: 1 },
      estimated: false,
    })
    return msg(m.lane, meterTopic(m), p, 'a megabyte reading', [], ['too_large'])
  })
  at(4, 2, () => {
    const m = pick(meters)
    const p = padded(o.maxPayloadBytes + 1, false, {
      meter: m.id,
      ts: o.startTs,
      values: { [reg(m)]: 1 },
      estimated: false,
    })
    return msg(m.lane, meterTopic(m), p, 'one byte over MAX_PAYLOAD_BYTES', [], ['too_large'])
  })
  at(8, 3, () => {
    const m = pick(meters)
    const g = nextUsed(m)
    const p = padded(o.maxPayloadBytes, false, g)
    if (p.length !== o.maxPayloadBytes) throw new Error('fuzz: padding is off')
    return msg(m.lane, meterTopic(m), p, 'a good reading of exactly MAX_PAYLOAD_BYTES', [g], [])
  })
  at(3, 4, () => {
    // A gateway batch just under the limit: many good readings and a few bad ones.
    const m = pick(meters)
    const pool = schoolMeters(m)
    const parts: Buffer[] = []
    const good: GoodReading[] = []
    const rejected: RejectReason[] = []
    let size = 2
    for (;;) {
      const x = pick(pool)
      let text: Buffer
      if (chance(0.9)) {
        const g = nextGood(x)
        text = goodText(g, 'must')
        // One that does not fit is never sent: its timestamp is simply skipped.
        if (size + text.length + 1 > o.maxPayloadBytes) break
        good.push(use(g))
      } else {
        const bad = badItem(x, true)
        text = bad.text
        if (size + text.length + 1 > o.maxPayloadBytes) break
        rejected.push(bad.reason)
      }
      parts.push(text)
      size += text.length + 1
    }
    const payload = Buffer.concat([b('['), ...parts.flatMap((p, i) => (i ? [b(','), p] : [p])), b(']')])
    return msg(
      m.lane,
      gatewayTopic(m),
      payload,
      'a gateway batch just under MAX_PAYLOAD_BYTES',
      good,
      rejected,
    )
  })
  at(6, 5, () => msg(W1.lane, meterTopic(W1), deep(100_000), '100,000 nested arrays', [], ['bad_schema']))
  at(4, 6, () =>
    msg(W1.lane, gatewayTopic(W1), deep(100_000), '100,000 nested arrays on a gateway', [], ['bad_schema']),
  )
  at(4, 7, () => {
    const n = Math.floor((o.maxPayloadBytes - 16) / 6)
    const p = b(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`)
    return msg(W1.lane, meterTopic(W1), p, `${n} nested objects`, [], ['bad_schema'])
  })
  at(12, 8, () => {
    // A value nested 5,000–50,000 deep in each field the schema reads, between good readings.
    const where = pick(['ts', 'volume_m3', 'flow_lpm', 'estimated', 'meter'])
    const value = deep(int(5000, 50_000)).toString()
    const bad =
      where === 'ts'
        ? `{"meter":"W1","ts":${value},"volume_m3":1}`
        : `{"meter":"W1","ts":${anyTs()},"${where}":${value}}`
    const before = nextUsed(W1)
    const after = nextUsed(W1)
    const payload = Buffer.concat([
      b('['),
      goodText(before, 'must'),
      b(`,${bad},`),
      goodText(after, 'must'),
      b(']'),
    ])
    return msg(
      W1.lane,
      gatewayTopic(W1),
      payload,
      `deep ${where} between good readings`,
      [before, after],
      ['bad_schema'],
    )
  })
  at(2, 9, () => {
    const p = b(`[${Array(o.maxBatchReadings).fill('0').join(',')}]`)
    return msg(
      W1.lane,
      gatewayTopic(W1),
      p,
      'a full batch of numbers',
      [],
      Array(o.maxBatchReadings).fill('bad_schema'),
    )
  })

  const ratio = o.goodRatio ?? 0.5
  for (let i = 0; i < o.count; i++) {
    while (chance(ratio / (1 + ratio))) yield goodMessage()
    const s = special.get(i)
    yield { ...(s ? s() : fuzzMessage(i)), fuzzed: true }
  }
}
