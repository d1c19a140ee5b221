/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time —
 * the table the performance notes quote. The file itself opens as a flame graph in Chrome
 * DevTools (Performance → Load profile) or at speedscope.app.
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

export interface HotSpot {
  function: string
  where: string
  selfPercent: number
  selfMs: number
  totalPercent: number
}

export function hotSpots(file: string, top = 25, root = process.cwd()): HotSpot[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[]
    samples: number[]
    timeDeltas: number[]
    startTime: number
    endTime: number
  }
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const hits = new Map<number, number>()
  for (const s of p.samples) hits.set(s, (hits.get(s) ?? 0) + 1)
  const total = p.samples.length
  const msPerSample = (p.endTime - p.startTime) / 1000 / Math.max(1, total)
  const key = (n: ProfileNode) => {
    const url = n.callFrame.url.replace(/^file:\/\//, '')
    const where = url
      ? `${url.includes('node_modules') ? url.slice(url.lastIndexOf('node_modules/') + 13) : relative(root, url)}:${n.callFrame.lineNumber + 1}`
      : ''
    return `${n.callFrame.functionName || '(anonymous)'}\t${where}`
  }
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, h] of hits) {
    const n = byId.get(id)!
    self.set(key(n), (self.get(key(n)) ?? 0) + h)
    // Each function on the stack once, however deep it recurses.
    const seen = new Set<string>()
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const k = key(byId.get(x)!)
      if (seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + h)
    }
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, h]) => {
      const [fn, where] = k.split('\t') as [string, string]
      return {
        function: fn,
        where,
        selfPercent: Math.round((h / total) * 1000) / 10,
        selfMs: Math.round(h * msPerSample),
        totalPercent: Math.round(((inclusive.get(k) ?? 0) / total) * 1000) / 10,
      }
    })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2)
  if (!file) {
    console.error('usage: tsx bench/lib/cpuprofile.ts FILE.cpuprofile [TOP]')
    process.exit(2)
  }
  console.table(hotSpots(file, Number(top ?? 30)))
}
