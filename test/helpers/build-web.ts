/** Bundles the web app's browser scripts once before the suites, as `npm start` does (web/client-build.ts). */
import { BUILD_DIR } from '../../web/assets.js'
import { buildClient } from '../../web/client-build.js'

export default async function setup(): Promise<void> {
  await buildClient(BUILD_DIR)
}
