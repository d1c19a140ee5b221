import { parseConfig } from '../../core/config/load.js'
import type { Registry } from '../../core/registry.js'

/** A small registry: one school with a meter of every kind and a gateway's worth of water meters. */
export const TEST_CONFIG = `
schools:
  - id: test-school
    name: 测试学校 (Test School)
    timezone: Asia/Shanghai
    pupils: 500
    floorAreaM2: 6000
    buildings:
      - id: main
        use: teaching
        spaces:
          - { id: r101, use: dorm_room, appliancePolicy: restricted }
        meters:
          - { id: W1, kind: water, registerDigits: 5, nominalFlowM3h: 4 }
          - { id: W2, kind: water, parent: W1 }
          - { id: E1, kind: electricity, maxPowerKw: 100 }
          - { id: E-R101, kind: electricity, space: r101, maxPowerKw: 8, intervalSeconds: 10 }
          - { id: H1, kind: heat }
          - { id: T1, kind: temperature, placement: outdoor, intervalSeconds: 300 }
  - id: other-school
    name: Other School
    buildings:
      - id: main
        use: teaching
        meters:
          - { id: OW1, kind: water }
`

export function testRegistry(text = TEST_CONFIG): Registry {
  return parseConfig(text, 'test.yaml').registry
}

/** A registry with `n` water meters in one school, for load tests and benchmarks. */
export function bulkConfig(n: number, school = 'bulk-school'): string {
  const meters = Array.from({ length: n }, (_, i) => `          - { id: BW${i}, kind: water }`).join('\n')
  return `
schools:
  - id: ${school}
    name: Bulk School
    buildings:
      - id: main
        use: teaching
        meters:
${meters}
`
}
