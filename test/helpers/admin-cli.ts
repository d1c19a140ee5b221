/**
 * `npm run admin -- …` as an operator runs it: a real child process (`node --import tsx
 * app/admin.ts`), its app store on the suite's PostgreSQL when the suite runs on it.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { withDatabase } from './app-store.js'

const ROOT = join(import.meta.dirname, '../..')

export interface AdminRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the admin CLI with `args` in `env` (DATA_DIR at least) and resolves with its exit code and
 * output, whatever the code. A run that outlives `timeoutMs` is killed and rejects, naming the
 * command and what it had printed — a hung tool says where, rather than timing out its test.
 */
export async function runAdmin(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 45_000,
): Promise<AdminRun> {
  const full = await withDatabase({ ...process.env, ...env })
  return new Promise((resolve, reject) => {
    const started = Date.now()
    execFile(
      process.execPath,
      ['--import', 'tsx', 'app/admin.ts', ...args],
      { cwd: ROOT, env: full, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; killed?: boolean }) | null
        if (e?.killed)
          return reject(
            new Error(
              `npm run admin -- ${args.join(' ')} had not finished after ${Date.now() - started} ms; ` +
                `stdout: ${JSON.stringify(stdout.slice(-2000))}; stderr: ${JSON.stringify(stderr.slice(-2000))}`,
            ),
          )
        if (e && typeof e.code !== 'number') return reject(e)
        resolve({ code: e ? (e.code as number) : 0, stdout, stderr })
      },
    )
  })
}

/** As `runAdmin`, but a non-zero exit rejects with what the tool printed. */
export async function runAdminOk(args: string[], env: Record<string, string | undefined>): Promise<AdminRun> {
  const run = await runAdmin(args, env)
  if (run.code !== 0)
    throw new Error(`npm run admin -- ${args.join(' ')} exited ${run.code}: ${run.stderr || run.stdout}`)
  return run
}
