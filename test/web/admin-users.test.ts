/** `npm run admin -- user …` on a real store: a login made, its password shown once and hashed, changed, disabled. */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { verifySecret } from '../../core/secrets.js'
import { openTestStore, withDatabase } from '../helpers/app-store.js'

const run = promisify(execFile)
const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-users-'))
const admin = async (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'app/admin.ts', 'user', ...args], {
    env: await withDatabase({ ...process.env, DATA_DIR: dataDir, LOCALE: 'en' }),
  })

describe('npm run admin -- user', () => {
  it('adds a login with a generated password shown once, changes it, disables it; audits each', async () => {
    const added = await admin(
      'add',
      'wang',
      '--role',
      'maintenance',
      '--name',
      '王师傅',
      '--schools',
      'sunshine-primary',
    )
    expect(added.stdout).toContain('login wang made for 王师傅: role maintenance, schools: sunshine-primary')
    const password = /password \(shown only now, hand it over in person\): (\S+)/.exec(added.stdout)![1]!
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
    let store = await openTestStore(dataDir)
    expect(await verifySecret(password, (await store.users.byUsername('wang'))!.hash)).toBe(true)
    await store.close()

    await expect(admin('add', 'zhao', '--role', 'admin', '--password', 'short')).rejects.toMatchObject({
      stderr: expect.stringContaining('the password has 5 characters; at least 10 are needed'),
    })
    await expect(admin('add', 'zhao', '--role', 'admin', '--schools', 'nowhere')).rejects.toMatchObject({
      stderr: expect.stringContaining('no school nowhere'),
    })
    await admin('passwd', 'wang', '--password', 'a-new-password-1')
    await admin('set', 'wang', '--role', 'viewer', '--schools', '')
    await admin('disable', 'wang')
    const listed = await admin('list', '--all')
    expect(listed.stdout).toMatch(/wang\s+王师傅\s+viewer\s+all schools/)
    store = await openTestStore(dataDir)
    expect(await verifySecret('a-new-password-1', (await store.users.byUsername('wang'))!.hash)).toBe(true)
    expect((await store.users.byUsername('wang'))!.disabledAt).toBeDefined()
    expect((await store.audit.list({ target: 'user:wang' })).map((e) => e.action)).toEqual([
      'user.disable',
      'user.update',
      'user.password',
      'user.create',
    ])
    await store.close()
  })
})
