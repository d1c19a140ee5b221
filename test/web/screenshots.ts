/**
 * `npm run screenshots`: every page of the web app at 360 px and 1280 px, in zh-CN, from the test
 * district (test/helpers/webapp.ts: the real service fed over MQTT), into docs/screenshots/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { toolCommandLine } from '../../core/cli.js'
import { startupLocale } from '../../core/config/load.js'
import {
  closeBrowser,
  DESK,
  openBrowser,
  PEOPLE,
  PHONE,
  signIn,
  startWebDistrict,
} from '../helpers/webapp.js'

toolCommandLine(
  { options: { help: { type: 'boolean', short: 'h' } } },
  { script: 'screenshots', usage: 'screenshots.cli.usage', locale: startupLocale() },
)
const OUT = join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
mkdirSync(OUT, { recursive: true })
const { svc, leak, link } = await startWebDistrict()
try {
  for (const [size, viewport] of [
    ['360', PHONE],
    ['1280', DESK],
  ] as const) {
    const context = await openBrowser(viewport)
    const page = await context.newPage()
    await page.goto(link(leak.id, PEOPLE.caretaker.name))
    await page.locator('[data-chart][data-drawn="true"]').waitFor()
    await page.screenshot({ path: join(OUT, `link-incident-${size}.png`), fullPage: true })
    await page.goto(`${svc.httpUrl}/login`)
    await page.screenshot({ path: join(OUT, `login-${size}.png`), fullPage: true })
    await signIn(page, svc.httpUrl, PEOPLE.manager)
    for (const [name, path] of [
      ['incidents', '/incidents'],
      ['incident', `/incidents/${leak.id}`],
      ['district', '/district'],
      ['school', '/schools/north-primary'],
      ['meter', '/meters/N-W-MAIN'],
      ['quality', '/quality'],
      ['savings', '/savings'],
      ['readiness', '/readiness'],
    ] as const) {
      await page.goto(`${svc.httpUrl}${path}`)
      if (await page.locator('[data-chart]').count())
        await page.locator('[data-chart][data-drawn="true"]').waitFor()
      await page.screenshot({ path: join(OUT, `${name}-${size}.png`), fullPage: true })
    }
    await context.close()
  }
  console.log(`screenshots in ${OUT}`)
} finally {
  await closeBrowser()
  await svc.stop()
}
