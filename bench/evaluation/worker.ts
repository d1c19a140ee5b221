/** A worker thread of `npm run evaluate`: one run, its result posted back. */
import { parentPort, workerData } from 'node:worker_threads'
import { type RunOptions, run } from './run.js'

parentPort!.postMessage(await run(workerData as RunOptions))
