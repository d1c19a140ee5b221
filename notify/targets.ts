/**
 * The configured targets of every channel, checked once against each channel's own schema (as the
 * rules engine checks rule parameters): a mistake stops the start with its place and what was
 * expected. The router asks which targets a school has; the dispatcher finds a target's settings
 * by the id stored in the outbox.
 */
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'
import { schemaProblems } from '../core/config/load.js'
import { ConfigError, type ConfigProblem } from '../core/errors.js'
import { msg } from '../core/i18n/index.js'
import type { Registry, School } from '../core/registry.js'
import type { Channel, Target } from './channel.js'

export class ChannelTargets {
  private readonly bySchool = new Map<string, Map<string, Target<unknown>[]>>()
  private readonly byId = new Map<string, Target<unknown>>()

  constructor(registry: Registry, channels: readonly Channel[]) {
    const problems: ConfigProblem[] = []
    const named = new Map(channels.map((c) => [c.name, c]))
    const compiled = new Map(
      channels.flatMap((c) => (c.config ? [[c.name, Compile(c.config)] as const] : [])),
    )
    let index = 0
    for (const school of registry.schools.values()) {
      const where = `schools[${index++}].notifications`
      for (const name of Object.keys(school.notifications.channels ?? {})) {
        const c = named.get(name)
        if (c?.reach !== 'targets' || c.configured)
          problems.push({
            path: `${where}.channels.${name}`,
            value: name,
            expected: msg('config.expected.oneOf', {
              values: channels.filter((x) => x.reach === 'targets' && !x.configured).map((x) => x.name),
            }),
          })
      }
      const mine = new Map<string, Target<unknown>[]>()
      for (const c of channels) {
        if (c.reach !== 'targets') continue
        const check = compiled.get(c.name)
        const raw = c.configured ? c.configured(school) : (school.notifications.channels?.[c.name] ?? [])
        const targets: Target<unknown>[] = []
        raw.forEach((r, i) => {
          const path = c.configured ? `${where}.${c.name}[${i}]` : `${where}.channels.${c.name}[${i}]`
          const config = check ? Value.Default(c.config!, Value.Clone(r)) : r
          if (check && !check.Check(config)) {
            for (const p of schemaProblems(check.Errors(config), config))
              problems.push({ ...p, path: p.path === '(root)' ? path : `${path}.${p.path}` })
            return
          }
          const wrong = c.check?.(config)
          if (wrong) {
            problems.push({ path: `${path}.${wrong.path}`, value: undefined, expected: wrong.expected })
            return
          }
          const target = { id: c.targetId ? c.targetId(config) : String(i), config }
          targets.push(target)
          this.byId.set(`${c.name}\u0000${target.id}`, target)
        })
        if (targets.length) mine.set(c.name, targets)
      }
      this.bySchool.set(school.id, mine)
    }
    if (problems.length) throw new ConfigError(msg('config.source.channels'), problems)
  }

  /** A school's targets of a channel. */
  of(school: School, channel: string): Target<unknown>[] {
    return this.bySchool.get(school.id)?.get(channel) ?? []
  }

  /** A target by the id the outbox holds. */
  get(channel: string, id: string): Target<unknown> | undefined {
    return this.byId.get(`${channel}\u0000${id}`)
  }

  /** Every distinct target of a channel. */
  all(channel: string): Target<unknown>[] {
    return [...this.byId.entries()].filter(([k]) => k.startsWith(`${channel}\u0000`)).map(([, v]) => v)
  }
}
