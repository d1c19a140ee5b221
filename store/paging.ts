/**
 * Keyset paging for lists newest first: a cursor is the (time, id) of the last row a page gave,
 * opaque to callers; the next page starts strictly after it. Stable while rows are added, and
 * costs an index seek however deep the page.
 */
export interface Page<T> {
  items: T[]
  /** Where the next page starts; undefined on the last page. */
  next?: string
}

export interface Cursor {
  at: number
  id: number
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.at}.${c.id}`).toString('base64url')
}

/** The cursor a caller sent back, or undefined when it is not one of ours. */
export function decodeCursor(s: string): Cursor | undefined {
  const m = /^(-?\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(s, 'base64url').toString())
  if (!m) return undefined
  return { at: Number(m[1]), id: Number(m[2]) }
}

/** The WHERE terms and values of a page's position, for `ORDER BY {atColumn} DESC, id DESC`. */
export function afterCursor(
  atColumn: string,
  cursor: Cursor | undefined,
): { sql?: string; values: number[] } {
  if (!cursor) return { values: [] }
  return {
    sql: `(${atColumn} < ? OR (${atColumn} = ? AND id < ?))`,
    values: [cursor.at, cursor.at, cursor.id],
  }
}

/** Cuts one row more than the page asked for into a page and the cursor after it. */
export function toPage<T>(rows: T[], limit: number, key: (row: T) => Cursor): Page<T> {
  if (rows.length <= limit) return { items: rows }
  const items = rows.slice(0, limit)
  return { items, next: encodeCursor(key(items[items.length - 1]!)) }
}

/** What every list filter has: a status ('active': not resolved), an opened-at range and a page position. */
export interface ListFilter {
  status?: string
  /** Opened at or after / before (epoch ms). */
  from?: number
  to?: number
  cursor?: string
}

/**
 * The WHERE terms (`?` placeholders) of a list's filter and page position, and their values: its
 * status, each of `equal`'s keys that is set as `column = value`, each of `terms` whose value is
 * set, the opened-at range and the position after the cursor (`ORDER BY opened_at DESC, id DESC`).
 */
export function listFilter<F extends ListFilter>(
  f: F,
  equal: readonly (readonly [key: keyof F & string, column: string])[],
  terms: readonly (readonly [key: keyof F & string, sql: string])[] = [],
): { where: string[]; values: unknown[] } {
  const where: string[] = []
  const values: unknown[] = []
  const add = (sql: string, ...v: unknown[]) => {
    where.push(sql)
    values.push(...v)
  }
  if (f.status === 'active') add("status != 'resolved'")
  else if (f.status) add('status = ?', f.status)
  for (const [key, column] of equal) if (f[key] !== undefined) add(`${column} = ?`, f[key])
  for (const [key, sql] of terms) if (f[key] !== undefined) add(sql, f[key])
  if (f.from !== undefined) add('opened_at >= ?', f.from)
  if (f.to !== undefined) add('opened_at < ?', f.to)
  const after = afterCursor('opened_at', f.cursor !== undefined ? decodeCursor(f.cursor) : undefined)
  if (after.sql) add(after.sql, ...after.values)
  return { where, values }
}
