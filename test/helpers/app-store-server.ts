/**
 * globalSetup: the run's PostgreSQL when the suite runs with its app store on it
 * (TEST_APP_STORE=postgres, `npm run test:postgres`; test/helpers/app-store.ts). Started once for
 * the run, stopped at its end; the test workers learn its address from the environment.
 */
import { ON_POSTGRES, SERVER_ENV } from './app-store.js'
import { startPostgres } from './postgres.js'

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  // Once for the run, however many projects (suite, system) run in it.
  if (!ON_POSTGRES || process.env[SERVER_ENV] !== undefined) return undefined
  // Room for two test files at once, each with a few services of up to 10 connections.
  const server = await startPostgres({ maxConnections: 300 })
  process.env[SERVER_ENV] = server.url.replace(/\/[^/]*$/, '/postgres')
  return async () => {
    delete process.env[SERVER_ENV]
    await server.stop()
  }
}
