/**
 * The reading payload of CONTRACT.md, declared once: it validates what gateways send and
 * documents it in the OpenAPI document and docs/contract.md.
 */
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { READING_FIELDS } from '../core/kinds.js'

const measurement = Object.fromEntries(
  READING_FIELDS.map((f) => [f, Type.Optional(Type.Number())]),
) as Record<(typeof READING_FIELDS)[number], Type.TOptional<Type.TNumber>>

export const ReadingPayload = Type.Object(
  {
    ts: Type.Union([Type.String({ maxLength: 64 }), Type.Number()], {
      description: 'ISO-8601 with an offset, or epoch milliseconds',
    }),
    meter: Type.Optional(Type.String({ maxLength: 128 })),
    estimated: Type.Optional(Type.Boolean({ description: 'the gateway filled a gap' })),
    ...measurement,
  },
  { additionalProperties: true, description: 'one reading; unknown extra fields are ignored' },
)
export type ReadingPayload = Static<typeof ReadingPayload>

export const checkReadingPayload = Compile(ReadingPayload)

export { REJECT_REASONS, type RejectReason } from '../core/reading.js'
