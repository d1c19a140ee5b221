/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how far a database has
 * come. Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: registry view, register state, meter status, spool index
  `
  CREATE TABLE schools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    pupils INTEGER,
    floor_area_m2 REAL,
    config TEXT NOT NULL
  );
  CREATE TABLE buildings (
    school_id TEXT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT,
    use TEXT NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (school_id, id)
  );
  CREATE TABLE spaces (
    school_id TEXT NOT NULL,
    building_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT,
    use TEXT NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (school_id, building_id, id),
    FOREIGN KEY (school_id, building_id) REFERENCES buildings(school_id, id) ON DELETE CASCADE
  );
  CREATE TABLE meters (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL,
    building_id TEXT NOT NULL,
    space_id TEXT,
    kind TEXT NOT NULL,
    parent_id TEXT,
    config TEXT NOT NULL,
    FOREIGN KEY (school_id, building_id) REFERENCES buildings(school_id, id) ON DELETE CASCADE
  );
  CREATE TABLE register_state (
    meter_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE meter_status (
    meter_id TEXT PRIMARY KEY,
    last_ts INTEGER NOT NULL,
    last_received_at INTEGER NOT NULL,
    last_values TEXT NOT NULL,
    last_estimated INTEGER NOT NULL DEFAULT 0,
    last_used REAL,
    readings INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE register_anomalies (
    id INTEGER PRIMARY KEY,
    meter_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    type TEXT NOT NULL,
    previous REAL NOT NULL,
    current REAL NOT NULL,
    counted REAL NOT NULL,
    recorded_at INTEGER NOT NULL
  );
  CREATE INDEX register_anomalies_meter ON register_anomalies(meter_id, ts);
  CREATE TABLE spool_segments (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL UNIQUE,
    lines INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
  );
  `,
]
