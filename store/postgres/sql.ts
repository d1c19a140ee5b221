/**
 * Where the app store's statements run in PostgreSQL: on the pool (each statement on whichever
 * connection is free) or on the one connection of a transaction under way.
 *
 * Statements are written with `?` placeholders, as the SQLite ones are, so that the pure WHERE
 * builders both implementations share (store/paging.ts, the alert and incident filters) serve
 * both; they are numbered `$1, $2, …` here, once per statement text.
 */
import pg from 'pg'

export interface Sql {
  /** The rows of one statement. */
  rows<R>(text: string, values?: readonly unknown[]): Promise<R[]>
  /** The first row of one statement, if any. */
  one<R>(text: string, values?: readonly unknown[]): Promise<R | undefined>
  /** Runs one statement; how many rows it wrote. */
  run(text: string, values?: readonly unknown[]): Promise<number>
  /**
   * Runs `work` in one transaction: the one under way on this connection, else a new one, which
   * waits for its turn (see `PoolSql`).
   */
  atomically<T>(work: (sql: Sql) => Promise<T>): Promise<T>
}

/**
 * Every app-store transaction of every process sharing the database holds this advisory lock
 * until it commits or rolls back: transactions run one at a time, as they do on SQLite's one
 * connection, so a check and the write that depends on it (the last admin token, a login name
 * taken) cannot interleave with another worker's.
 */
export const TRANSACTION_LOCK = 0x736d_6170 // 'smap'

const numbered = new Map<string, string>()

/** `?` placeholders as `$1, $2, …`; a `?` inside a quoted literal or name stays. */
export function numberPlaceholders(text: string): string {
  let out = numbered.get(text)
  if (out !== undefined) return out
  out = ''
  let n = 0
  let quote: string | undefined
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined
      out += ch
    } else if (ch === "'" || ch === '"') {
      quote = ch
      out += ch
    } else out += ch === '?' ? `$${++n}` : ch
  }
  numbered.set(text, out)
  return out
}

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>

abstract class Statements implements Sql {
  protected abstract readonly on: Queryable

  async rows<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.on.query(numberPlaceholders(text), values as unknown[])).rows as R[]
  }

  async one<R>(text: string, values: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(text, values))[0]
  }

  async run(text: string, values: readonly unknown[] = []): Promise<number> {
    return (await this.on.query(numberPlaceholders(text), values as unknown[])).rowCount ?? 0
  }

  abstract atomically<T>(work: (sql: Sql) => Promise<T>): Promise<T>
}

/** A transaction PostgreSQL rolled back at COMMIT: a statement inside it had failed. For the log. */
function transactionAborted(): Error {
  return Object.assign(
    new Error(
      'the transaction was rolled back: a statement inside it failed (its error was caught in the transaction)',
    ),
    { name: 'TransactionAborted' },
  )
}

/** The connection of a transaction under way: `atomically` joins it. */
export class ClientSql extends Statements {
  constructor(protected readonly on: pg.PoolClient) {
    super()
  }

  async atomically<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return work(this)
  }
}

/**
 * The pool. A transaction takes a connection of its own and then the transaction lock; this
 * process starts its transactions one after another, so that those waiting for the lock hold no
 * more than one connection and the rest of the pool keeps answering single calls.
 */
export class PoolSql extends Statements {
  private turn: Promise<unknown> = Promise.resolve()

  constructor(
    protected readonly on: pg.Pool,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    super()
  }

  atomically<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const mine = this.turn.then(() => this.transaction(work))
    this.turn = mine.catch(() => {})
    return mine
  }

  private async transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.on.connect()
    let broken: Error | undefined
    // The server may end the session while `work` runs (a restart, the idle limit): the next
    // statement fails and the transaction with it; the connection is not handed out again.
    const lost = (err: Error) => {
      broken = err
      this.onError(err)
    }
    client.on('error', lost)
    try {
      // READ COMMITTED whatever the server's default: each statement then sees every transaction
      // committed before this one took the lock.
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')
      await client.query('SELECT pg_advisory_xact_lock($1)', [TRANSACTION_LOCK])
      const result = await work(new ClientSql(client))
      // A statement that failed inside dooms the whole transaction, even when `work` caught its
      // error; PostgreSQL then answers COMMIT by rolling back. Said, never taken for a commit.
      if ((await client.query('COMMIT')).command === 'ROLLBACK') throw transactionAborted()
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackFailed: Error) => {
        // The connection is gone or unusable: the pool must not hand it out again.
        broken ??= rollbackFailed
      })
      throw err
    } finally {
      client.off('error', lost)
      client.release(broken)
    }
  }
}

/** 64-bit integers (ids, epoch milliseconds, counts) as numbers: every one the store keeps is below 2^53. */
export const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
}

/** A LIMIT as SQLite reads it: a negative one means no limit (PostgreSQL refuses it; NULL is none). */
export function limitOf(limit: number): number | null {
  return limit < 0 ? null : limit
}
