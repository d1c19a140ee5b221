/**
 * Which publishes the embedded broker has to route. aedes matches every publish against its
 * subscriptions (a `Qlobber` split of the topic, a publish state, `mqemitter`, and for QoS 1 a
 * look-up of persistent subscriptions) even when nobody subscribes — and readings, which the
 * service takes in `authorizePublish`, usually have no subscriber at all. Those steps were about
 * 5 % of the service's CPU under single readings.
 *
 * `SubscriptionFilters` keeps every topic filter that reached aedes' subscriptions or its
 * persistence since the broker started (never forgetting one, so it is a superset of what aedes
 * holds); a publish none of them can match has nothing to deliver or queue, and skips routing.
 */
import type { Aedes } from 'aedes'

/** Beyond this many distinct filters, matching each one costs more than it saves: route everything. */
const MAX_FILTERS = 64
const DOLLAR = 36

export class SubscriptionFilters {
  private readonly seen = new Set<string>()
  private readonly filters: string[][] = []
  private all = false

  /** A filter somebody subscribed to (or that a persistent session holds). */
  note(filter: string): void {
    if (this.all || this.seen.has(filter)) return
    this.seen.add(filter)
    // `$SYS/…` filters only match `$` topics, which are always routed; any other `$` filter
    // (a shared subscription, say) is not worth understanding here.
    if (filter.charCodeAt(0) === DOLLAR) {
      if (!filter.startsWith('$SYS/')) this.all = true
      return
    }
    if (this.seen.size > MAX_FILTERS) this.all = true
    else this.filters.push(filter.split('/'))
  }

  /** False only when no filter noted so far can match the topic. */
  mayMatch(topic: string): boolean {
    if (this.all || topic.charCodeAt(0) === DOLLAR) return true
    const filters = this.filters
    for (let i = 0; i < filters.length; i++) if (matches(filters[i]!, topic)) return true
    return false
  }
}

/** MQTT topic-filter matching (`+` one level, possibly empty; `#` the rest, possibly nothing). */
export function matches(filter: string[], topic: string): boolean {
  let start = 0
  for (let i = 0; i < filter.length; i++) {
    const level = filter[i]!
    if (level === '#') return true
    // The topic has fewer levels than the filter.
    if (start > topic.length) return false
    let end = topic.indexOf('/', start)
    if (end === -1) end = topic.length
    if (level !== '+' && (end - start !== level.length || !topic.startsWith(level, start))) return false
    start = end + 1
  }
  // Every level of the topic was matched.
  return start > topic.length
}

function levels(topic: string): number {
  let n = 1
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++
  return n
}

type PublishCallback = (err?: Error) => void
interface RoutedAedes {
  maxTopicLevels: number
  publish(packet: { topic: string; retain?: boolean }, client: unknown, done?: PublishCallback): void
  subscribe(topic: string, func: unknown, done: () => void): void
  persistence: { addSubscriptions(client: unknown, subs: { topic: string }[]): Promise<void> }
}

/**
 * Makes `aedes.publish` skip routing for a publish that nothing can receive: not retained (a
 * retained message is stored whoever subscribes), no filter can match its topic, and nobody
 * listens to aedes' `publish` event or set a `published` hook. Everything else takes aedes' own
 * path unchanged. The callback then runs at once, as aedes' does for an unmatched QoS 0 publish.
 */
export function skipUnroutedPublishes(aedes: Aedes): SubscriptionFilters {
  const filters = new SubscriptionFilters()
  const broker = aedes as unknown as RoutedAedes
  const published = aedes.published
  const publish = broker.publish.bind(broker)
  const subscribe = broker.subscribe.bind(broker)
  const addSubscriptions = broker.persistence.addSubscriptions.bind(broker.persistence)
  broker.subscribe = (topic, func, done) => {
    filters.note(topic)
    subscribe(topic, func, done)
  }
  broker.persistence.addSubscriptions = (client, subs) => {
    for (const s of subs) filters.note(s.topic)
    return addSubscriptions(client, subs)
  }
  broker.publish = (packet, client, done) => {
    const callback = typeof client === 'function' ? (client as PublishCallback) : done
    if (
      packet.retain ||
      typeof packet.topic !== 'string' ||
      filters.mayMatch(packet.topic) ||
      // aedes answers an error for these (a will is not checked on the way in).
      levels(packet.topic) > broker.maxTopicLevels ||
      aedes.published !== published ||
      aedes.listenerCount('publish') > 0
    ) {
      publish(packet, client, done)
      return
    }
    callback?.()
  }
  return filters
}
