/** Readiness reports and kept baseline models in PostgreSQL: the behaviour of store/reports.ts. */
import type { KeptBaseline } from '../reports.js'
import type { BaselineStore, ReadinessStore } from '../types.js'
import type { Sql } from './sql.js'

export class PostgresReadiness implements ReadinessStore {
  constructor(private readonly sql: Sql) {}

  /** Whether this report is the first of its school and term (a later one is not kept). */
  async save(school: string, termStart: string, report: unknown, now = Date.now()): Promise<boolean> {
    const written = await this.sql.run(
      `INSERT INTO readiness (school_id, term_start, checked_at, report) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      [school, termStart, now, JSON.stringify(report)],
    )
    return written > 0
  }

  async get(school: string, termStart: string): Promise<unknown> {
    const r = await this.sql.one<{ report: string }>(
      'SELECT report FROM readiness WHERE school_id = ? AND term_start = ?',
      [school, termStart],
    )
    return r && JSON.parse(r.report)
  }
}

export class PostgresBaselines implements BaselineStore {
  constructor(private readonly sql: Sql) {}

  async get(school: string, utility: string): Promise<KeptBaseline | undefined> {
    const r = await this.sql.one<Omit<KeptBaseline, 'model'> & { model: string }>(
      `SELECT baseline_from AS "from", baseline_to AS "to", fingerprint, fitted_at AS "fittedAt", model
         FROM baseline_models WHERE school_id = ? AND utility = ?`,
      [school, utility],
    )
    return r && { ...r, model: JSON.parse(r.model) }
  }

  async put(school: string, utility: string, kept: KeptBaseline): Promise<void> {
    await this.sql.run(
      `INSERT INTO baseline_models (school_id, utility, baseline_from, baseline_to, fingerprint, fitted_at, model)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (school_id, utility) DO UPDATE SET baseline_from = excluded.baseline_from,
           baseline_to = excluded.baseline_to, fingerprint = excluded.fingerprint,
           fitted_at = excluded.fitted_at, model = excluded.model`,
      [school, utility, kept.from, kept.to, kept.fingerprint, kept.fittedAt, JSON.stringify(kept.model)],
    )
  }
}
