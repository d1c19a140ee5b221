/**
 * The suite's app store is where TEST_APP_STORE says (test/helpers/app-store.ts): SQLite in each
 * DATA_DIR for `npm test`, a database of its own on the run's PostgreSQL for `npm run
 * test:postgres` — for the service, the rules harness and stores opened by tests alike, and the
 * same database again for the same DATA_DIR.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { alerting } from '../helpers/alerting.js'
import { ON_POSTGRES, openTestStore } from '../helpers/app-store.js'
import { startTestService } from '../helpers/service.js'

const onServer = ON_POSTGRES ? expect.stringMatching(/^127\.0\.0\.1:\d+\/\w+$/) : undefined

describe(`the suite's app store (${ON_POSTGRES ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('holds what a test stored where the service started on its DATA_DIR reads it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-backend-'))
    const store = await openTestStore(dataDir)
    expect(store.server).toEqual(onServer)
    const { token } = await store.apiTokens.add('ops', 'admin')
    await store.close()
    const svc = await startTestService({ dataDir })
    try {
      expect(svc.store.server).toEqual(onServer)
      expect(svc.store.server).toBe(store.server)
      const res = await fetch(`${svc.httpUrl}/api/v1/schools`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(res.status).toBe(200)
    } finally {
      await svc.stop()
    }
  })

  it('gives every throw-away store and rules harness a database of its own', async () => {
    const a = await openTestStore()
    const b = await alerting()
    try {
      expect(a.server).toEqual(onServer)
      expect(b.store.server).toEqual(onServer)
      if (ON_POSTGRES) expect(a.server).not.toBe(b.store.server)
      await a.apiTokens.add('ops', 'admin')
      expect(await b.store.apiTokens.list()).toEqual([])
    } finally {
      await a.close()
      await b.stop()
    }
  })
})
