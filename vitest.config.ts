import { defineConfig } from 'vitest/config'

/**
 * `npm run test:system`: the product run as its users run it, as separate processes, and the long
 * fault drills — the README's quick start, `npm start` refusing to start, every tool's command
 * line (`npm run simulate`, `evaluate`, `admin -- user`), kill -9, a full disk, InfluxDB and
 * SQLite taken away under load, garbage and fuzz on the broker's port. `npm test` runs everything
 * else; CI (`.ci/run`) runs both.
 */
export const SYSTEM_TESTS = [
  'test/app/readme.test.ts',
  'test/app/startup.test.ts',
  'test/bench/evaluate-cli.test.ts',
  'test/core/cli.test.ts',
  'test/faults/disk.test.ts',
  'test/faults/durability.test.ts',
  'test/faults/fuzz.test.ts',
  'test/faults/garbage.test.ts',
  'test/faults/journal-crash.test.ts',
  'test/rules/crash.test.ts',
  'test/simulator/cli.test.ts',
  'test/web/admin-users.test.ts',
]

/**
 * `npm run test:postgres` (TEST_APP_STORE=postgres) runs the suite and these system tests with the
 * app store on PostgreSQL: those whose services and tools keep alerts, logins and tokens. The
 * others test what stays on each worker's disk or never reaches the app store — the journal and
 * SQLite under a full disk and a lock (disk, durability), the broker's port (fuzz, garbage), the
 * tools' command lines (cli, evaluate-cli, simulator/cli) — and run once, in `npm run test:system`.
 * So does the README's quick start (readme): `npm start` runs on the embedded defaults, the app
 * store in SQLite; the same service on PostgreSQL, from the admin tool's first login to a leak's
 * incident acted on from two workers, is test/app/on-postgres.test.ts and
 * test/app/shards-shared-store.test.ts, in the suite.
 */
export const SYSTEM_TESTS_ON_POSTGRES = [
  'test/app/startup.test.ts',
  'test/faults/journal-crash.test.ts',
  'test/rules/crash.test.ts',
  'test/web/admin-users.test.ts',
]

export default defineConfig({
  test: {
    // One temporary directory for the run, removed at its end (test/helpers/tmp.ts). The web app's
    // scripts, bundled as `npm start` and `npm run build` do. With TEST_APP_STORE=postgres
    // (`npm run test:postgres`), one PostgreSQL for the run that holds every service's app store.
    globalSetup: ['test/helpers/tmp.ts', 'test/helpers/build-web.ts', 'test/helpers/app-store-server.ts'],
    // With TEST_APP_STORE=postgres: the databases a test file made are dropped at its end.
    setupFiles: ['test/helpers/app-store-files.ts'],
    // Two files at once on two cores: most files wait on influxd, a broker, Chromium or a child
    // process much of the time (vitest's default would be one file at a time here).
    maxWorkers: 2,
    // Test files share a worker's modules (the service, fastify, aedes, the simulator) instead of
    // importing and warming them up anew per file: a third of the suite's CPU time. Tests keep no
    // state in modules; each starts its own services, stores and clocks (fake timers are restored).
    isolate: false,
    // Integration suites start real influxd and mosquitto processes.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: SYSTEM_TESTS } },
      {
        extends: true,
        test: {
          name: 'system',
          include: process.env.TEST_APP_STORE === 'postgres' ? SYSTEM_TESTS_ON_POSTGRES : SYSTEM_TESTS,
        },
      },
    ],
  },
})
