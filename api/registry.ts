/** The registry's routes: schools with how many meters report, one school in full, one meter. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { KINDS } from '../core/kinds.js'
import type { Meter, Registry, School } from '../core/registry.js'
import { formatInstant } from '../core/time.js'
import type { MeterStatus } from '../ingest/index.js'
import { notFound } from './common.js'
import { silenceLimitMs } from './live.js'
import { MeterParams, SchoolDetail, SchoolParams, SchoolSummary } from './schemas.js'

export function meterState(meter: Meter, status: MeterStatus | undefined, now: number) {
  if (!status) return 'never_reported' as const
  return now - status.lastReceivedAt > silenceLimitMs(meter) ? ('offline' as const) : ('ok' as const)
}

interface Deps {
  registry: Registry
  /** Last reading of a meter, from ingest. */
  meterStatus(meterId: string): MeterStatus | undefined
  now: () => number
}

export const registryRoutes: FastifyPluginAsyncTypebox<Deps> = async (
  app,
  { registry, meterStatus, now },
) => {
  const meterView = (meter: Meter) => {
    const status = meterStatus(meter.id)
    const tz = meter.school.timezone
    const used = KINDS[meter.kind].used
    return {
      id: meter.id,
      kind: meter.kind,
      ...(meter.name ? { name: meter.name } : {}),
      school: meter.school.id,
      building: meter.building.id,
      ...(meter.space ? { space: meter.space.id } : {}),
      ...(meter.parent ? { parent: meter.parent.id } : {}),
      intervalSeconds: meter.intervalSeconds,
      ...(meter.config.registerDigits !== undefined ? { registerDigits: meter.config.registerDigits } : {}),
      ...(meter.config.nominalFlowM3h !== undefined ? { nominalFlowM3h: meter.config.nominalFlowM3h } : {}),
      ...(meter.tariff !== undefined ? { tariff: meter.tariff } : {}),
      status: meterState(meter, status, now()),
      readings: status?.readings ?? 0,
      ...(status
        ? {
            lastReading: {
              ts: formatInstant(status.lastTs, tz),
              receivedAt: formatInstant(status.lastReceivedAt, tz),
              estimated: status.lastEstimated,
              values: status.lastValues as Record<string, number>,
              ...(status.lastUsed !== undefined && used
                ? { used: status.lastUsed, usedUnit: used.unit }
                : {}),
            },
          }
        : {}),
    }
  }

  const schoolSummary = (s: School) => {
    const counts = { total: 0, ok: 0, offline: 0, neverReported: 0 }
    for (const m of s.meters.values()) {
      counts.total++
      const st = meterState(m, meterStatus(m.id), now())
      if (st === 'ok') counts.ok++
      else if (st === 'offline') counts.offline++
      else counts.neverReported++
    }
    return {
      id: s.id,
      name: s.name,
      timezone: s.timezone,
      ...(s.pupils !== undefined ? { pupils: s.pupils } : {}),
      ...(s.floorAreaM2 !== undefined ? { floorAreaM2: s.floorAreaM2 } : {}),
      meters: counts,
    }
  }

  app.get(
    '/api/v1/schools',
    {
      schema: {
        tags: ['registry'],
        summary: 'All schools, with how many of their meters are reporting',
        response: { 200: Type.Array(SchoolSummary) },
      },
    },
    async () => [...registry.schools.values()].map(schoolSummary),
  )

  app.get(
    '/api/v1/schools/:school',
    {
      schema: {
        tags: ['registry'],
        summary: 'One school: buildings, spaces and meters with their last reading and status',
        params: SchoolParams,
        response: { 200: SchoolDetail, 404: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const s = registry.schools.get(req.params.school)
      if (!s) return notFound(reply, req.locale, 'school', req.params.school)
      return {
        ...schoolSummary(s),
        buildings: [...s.buildings.values()].map((b) => ({
          id: b.id,
          ...(b.name ? { name: b.name } : {}),
          use: b.use,
          ...(b.config.floorAreaM2 !== undefined ? { floorAreaM2: b.config.floorAreaM2 } : {}),
          spaces: [...b.spaces.values()].map((sp) => ({
            id: sp.id,
            ...(sp.name ? { name: sp.name } : {}),
            use: sp.use,
            ...(sp.config.appliancePolicy ? { appliancePolicy: sp.config.appliancePolicy } : {}),
            ...(sp.config.roomLimitW !== undefined ? { roomLimitW: sp.config.roomLimitW } : {}),
          })),
          meters: b.meters.map(meterView),
        })),
      }
    },
  )

  app.get(
    '/api/v1/meters/:meter',
    {
      schema: {
        tags: ['registry'],
        summary: 'One meter with its last reading and status',
        params: MeterParams,
        response: { 200: Type.Ref('Meter'), 404: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const m = registry.meters.get(req.params.meter)
      if (!m) return notFound(reply, req.locale, 'meter', req.params.meter)
      return meterView(m)
    },
  )
}
