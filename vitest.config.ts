import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The web app's scripts, bundled as `npm start` and `npm run build` do.
    globalSetup: ['test/helpers/build-web.ts'],
    // Integration suites start real influxd and mosquitto processes.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
})
