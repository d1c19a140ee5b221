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
  // 2: alerts, their transitions, the notification outbox, rule state
  `
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    school_id TEXT NOT NULL,
    building_id TEXT NOT NULL,
    meter_id TEXT NOT NULL,
    space_id TEXT,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    resolved_at INTEGER,
    resolved_by TEXT,
    false_positive INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    escalated_at INTEGER,
    message TEXT NOT NULL,
    evidence TEXT NOT NULL
  );
  -- At most one active alert per key (rule and meter).
  CREATE UNIQUE INDEX alerts_active_key ON alerts(key) WHERE status != 'resolved';
  CREATE INDEX alerts_school ON alerts(school_id, opened_at);
  CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    transition TEXT NOT NULL,
    at INTEGER NOT NULL,
    by TEXT,
    note TEXT,
    recorded_at INTEGER NOT NULL
  );
  CREATE INDEX alert_events_alert ON alert_events(alert_id);
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES alert_events(id),
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at INTEGER,
    failed_at INTEGER,
    last_error TEXT,
    UNIQUE (event_id, channel, target)
  );
  CREATE INDEX outbox_due ON outbox(due_at) WHERE sent_at IS NULL AND failed_at IS NULL;
  CREATE TABLE rule_state (
    meter_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (meter_id, rule)
  );
  `,
  // 3: rollups for reports, outdoor temperatures, heating supply, readiness; the outbox carries
  // messages that are not alert transitions (readiness checklists)
  `
  CREATE TABLE rollup_hourly (
    meter_id TEXT NOT NULL,
    hour INTEGER NOT NULL,
    used REAL NOT NULL DEFAULT 0,
    used_unoccupied REAL NOT NULL DEFAULT 0,
    used_estimated REAL NOT NULL DEFAULT 0,
    covered_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (meter_id, hour)
  ) WITHOUT ROWID;
  CREATE TABLE outdoor_daily (
    school_id TEXT NOT NULL,
    date TEXT NOT NULL,
    sum_c REAL NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (school_id, date)
  ) WITHOUT ROWID;
  CREATE TABLE supply_daily (
    meter_id TEXT NOT NULL,
    date TEXT NOT NULL,
    max_supply_c REAL NOT NULL,
    PRIMARY KEY (meter_id, date)
  ) WITHOUT ROWID;
  CREATE TABLE readiness (
    school_id TEXT NOT NULL,
    term_start TEXT NOT NULL,
    checked_at INTEGER NOT NULL,
    report TEXT NOT NULL,
    PRIMARY KEY (school_id, term_start)
  );
  CREATE TABLE outbox_v3 (
    id INTEGER PRIMARY KEY,
    event_id INTEGER REFERENCES alert_events(id),
    message_key TEXT,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at INTEGER,
    failed_at INTEGER,
    last_error TEXT,
    UNIQUE (event_id, channel, target),
    UNIQUE (message_key, channel, target)
  );
  INSERT INTO outbox_v3 (id, event_id, channel, target, payload, created_at, due_at, attempts, sent_at, failed_at, last_error)
    SELECT id, event_id, channel, target, payload, created_at, due_at, attempts, sent_at, failed_at, last_error FROM outbox;
  DROP TABLE outbox;
  ALTER TABLE outbox_v3 RENAME TO outbox;
  CREATE INDEX outbox_due ON outbox(due_at) WHERE sent_at IS NULL AND failed_at IS NULL;
  `,
  // 4: who may publish (gateway credentials) and who may act (API tokens), both hashed; the
  // write actions taken through the API
  `
  CREATE TABLE gateway_credentials (
    username TEXT PRIMARY KEY,
    school_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    may_subscribe_alerts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    rotated_at INTEGER,
    revoked_at INTEGER,
    note TEXT
  );
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'maintenance', 'admin')),
    hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
  );
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT
  );
  CREATE INDEX audit_log_at ON audit_log(at);
  `,
  // 5: small named values of the service itself (the journal checkpoint)
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 6: per-meter state in one row per meter and part (ingest: register and last reading; rules:
  // every rule's state), by generation, so that a checkpoint writes in short transactions and
  // makes them count all at once (store/state.ts). The three tables before are carried over as
  // generation 0.
  `
  CREATE TABLE meter_state (
    part TEXT NOT NULL,
    meter_id TEXT NOT NULL,
    generation INTEGER NOT NULL,
    state TEXT NOT NULL,
    UNIQUE (part, meter_id, generation)
  );
  INSERT INTO meter_state (part, meter_id, generation, state)
    SELECT 'ingest', ids.meter_id, 0, json_patch(
      CASE WHEN r.state IS NULL THEN '{}' ELSE json_object('r', json(r.state)) END,
      CASE WHEN s.meter_id IS NULL THEN '{}' ELSE json_object('s', json_object(
        'lastTs', s.last_ts,
        'lastReceivedAt', s.last_received_at,
        'lastValues', json(s.last_values),
        'lastEstimated', json(CASE s.last_estimated WHEN 1 THEN 'true' ELSE 'false' END),
        'lastUsed', s.last_used,
        'readings', s.readings)) END)
    FROM (SELECT meter_id FROM register_state UNION SELECT meter_id FROM meter_status) AS ids
    LEFT JOIN register_state AS r ON r.meter_id = ids.meter_id
    LEFT JOIN meter_status AS s ON s.meter_id = ids.meter_id;
  INSERT INTO meter_state (part, meter_id, generation, state)
    SELECT 'rules', meter_id, 0, json_group_object(rule, json(state)) FROM rule_state GROUP BY meter_id;
  DROP TABLE register_state;
  DROP TABLE meter_status;
  DROP TABLE rule_state;
  `,
  // 7: rollup increments written aside by a flush in slices, added to rollup_hourly in one
  // statement when the flush commits (reports/rollups.ts)
  `
  CREATE TABLE rollup_stage (
    meter_id TEXT NOT NULL,
    hour INTEGER NOT NULL,
    used REAL NOT NULL,
    used_unoccupied REAL NOT NULL,
    used_estimated REAL NOT NULL,
    covered_ms INTEGER NOT NULL
  );
  `,
  // 8: hourly rollups keyed hour first. A flush updates every reporting meter's current hour; keyed
  // meter first, those rows lay one per page across the whole table, and each minute's flush
  // rewrote a page per meter (80 MB of WAL at 20,000 meters). Hour first, they sit together.
  // Reports read by meter through the index.
  `
  CREATE TABLE rollup_hourly_by_hour (
    meter_id TEXT NOT NULL,
    hour INTEGER NOT NULL,
    used REAL NOT NULL DEFAULT 0,
    used_unoccupied REAL NOT NULL DEFAULT 0,
    used_estimated REAL NOT NULL DEFAULT 0,
    covered_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, meter_id)
  ) WITHOUT ROWID;
  INSERT INTO rollup_hourly_by_hour (meter_id, hour, used, used_unoccupied, used_estimated, covered_ms)
    SELECT meter_id, hour, used, used_unoccupied, used_estimated, covered_ms FROM rollup_hourly;
  DROP TABLE rollup_hourly;
  ALTER TABLE rollup_hourly_by_hour RENAME TO rollup_hourly;
  CREATE INDEX rollup_hourly_meter ON rollup_hourly (meter_id, hour);
  `,
  // 9: meter-hours whose new totals had not gone to InfluxDB (usage_hourly) when the service
  // stopped; the next start sends them (reports/rollups.ts)
  `
  CREATE TABLE rollup_unannounced (
    meter_id TEXT NOT NULL,
    hour INTEGER NOT NULL
  );
  `,
  // 10: incidents — one located fault, grouping the alerts it raised (rules/incidents.ts); alerts
  // keep their sentence as data (message key and parameters) to render in each reader's language.
  // Alerts from before become an incident each.
  `
  CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    school_id TEXT NOT NULL,
    family TEXT NOT NULL,
    building_id TEXT NOT NULL,
    meter_id TEXT NOT NULL,
    space_id TEXT,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    quiet_since INTEGER,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    assigned_to TEXT,
    resolved_at INTEGER,
    resolved_by TEXT,
    false_positive INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    escalated_at INTEGER,
    occurrences INTEGER NOT NULL DEFAULT 1,
    message TEXT NOT NULL,
    message_key TEXT,
    message_params TEXT,
    evidence TEXT NOT NULL,
    source_alert INTEGER
  );
  CREATE INDEX incidents_active ON incidents(school_id, family) WHERE status != 'resolved';
  CREATE INDEX incidents_opened ON incidents(opened_at, id);
  CREATE TABLE incident_events (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    transition TEXT NOT NULL,
    at INTEGER NOT NULL,
    by TEXT,
    note TEXT,
    alert_id INTEGER,
    recorded_at INTEGER NOT NULL
  );
  CREATE INDEX incident_events_incident ON incident_events(incident_id);
  ALTER TABLE alerts ADD COLUMN incident_id INTEGER REFERENCES incidents(id);
  ALTER TABLE alerts ADD COLUMN message_key TEXT;
  ALTER TABLE alerts ADD COLUMN message_params TEXT;
  CREATE INDEX alerts_incident ON alerts(incident_id);
  CREATE INDEX alerts_opened ON alerts(opened_at, id);
  ALTER TABLE outbox ADD COLUMN incident_event_id INTEGER REFERENCES incident_events(id);
  CREATE UNIQUE INDEX outbox_incident_event ON outbox(incident_event_id, channel, target)
    WHERE incident_event_id IS NOT NULL;
  INSERT INTO incidents (school_id, family, building_id, meter_id, space_id, rule, severity, status, opened_at,
      last_seen_at, quiet_since, acknowledged_at, acknowledged_by, resolved_at, resolved_by, false_positive, note,
      escalated_at, message, evidence, source_alert)
    SELECT school_id,
      CASE
        WHEN rule LIKE 'water.%' THEN 'water_loss'
        WHEN rule = 'electricity.high_power_appliance' THEN 'appliance'
        WHEN rule LIKE 'electricity.%' THEN 'electricity_waste'
        WHEN rule IN ('heat.unoccupied_heating', 'heat.overheating') THEN 'heating_waste'
        WHEN rule LIKE 'heat.%' THEN 'heating_fault'
        WHEN rule = 'meter.offline' THEN 'meter_silent'
        ELSE 'meter_register'
      END,
      building_id, meter_id, space_id, rule, severity, status, opened_at, last_seen_at,
      CASE WHEN status = 'resolved' THEN resolved_at END,
      acknowledged_at, acknowledged_by, resolved_at, resolved_by, false_positive, note, escalated_at, message,
      evidence, id
    FROM alerts ORDER BY id;
  UPDATE alerts SET incident_id = (SELECT i.id FROM incidents i WHERE i.source_alert = alerts.id);
  INSERT INTO incident_events (incident_id, transition, at, by, note, alert_id, recorded_at)
    SELECT i.id, e.transition, e.at, e.by, e.note, e.alert_id, e.recorded_at
    FROM alert_events e JOIN incidents i ON i.source_alert = e.alert_id ORDER BY e.id;
  `,
  // 11: MQTT client ids bound to gateway logins: a gateway may use its username, `<username>/…`
  // and, when given, ids starting with its own prefix (ingest/broker/security.ts)
  `
  ALTER TABLE gateway_credentials ADD COLUMN client_id_prefix TEXT;
  `,
  // 12: savings (reports/baseline.ts): each school's hourly mean outdoor temperature, for degree
  // days taken hour by hour; and each school's and utility's baseline model, fitted once on its
  // fixed baseline period and kept (refitted only when the baseline's data or the method change)
  `
  CREATE TABLE outdoor_hourly (
    school_id TEXT NOT NULL,
    hour INTEGER NOT NULL,
    sum_c REAL NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (school_id, hour)
  ) WITHOUT ROWID;
  CREATE TABLE baseline_models (
    school_id TEXT NOT NULL,
    utility TEXT NOT NULL,
    baseline_from TEXT NOT NULL,
    baseline_to TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    fitted_at INTEGER NOT NULL,
    model TEXT NOT NULL,
    PRIMARY KEY (school_id, utility)
  );
  `,
  // 13: people who sign in to the web app (passwords as scrypt hashes) and their sessions (the
  // SHA-256 of each cookie's token), store/users.ts
  `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT,
    role TEXT NOT NULL,
    schools TEXT,
    hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_login_at INTEGER,
    disabled_at INTEGER
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE INDEX sessions_expiry ON sessions(expires_at);
  `,
  // 14: notification queues (notify/): how urgent a row is, so a queue sends critical incidents
  // first, and how it went out — alone, in a summary of many, or skipped as no news
  `
  ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE outbox ADD COLUMN outcome TEXT;
  UPDATE outbox SET outcome = 'sent' WHERE sent_at IS NOT NULL;
  CREATE INDEX outbox_queue ON outbox(channel, target, priority DESC, id) WHERE sent_at IS NULL AND failed_at IS NULL;
  `,
  // 15: heating compliance (reports/heating.ts): each classroom sensor's temperature per local
  // hour — sum and count (a mean that a replayed reading leaves as it was) and the lowest reading
  `
  CREATE TABLE room_temp_hourly (
    meter_id TEXT NOT NULL,
    hour INTEGER NOT NULL,
    sum_c REAL NOT NULL,
    n INTEGER NOT NULL,
    min_c REAL NOT NULL,
    PRIMARY KEY (meter_id, hour)
  ) WITHOUT ROWID;
  `,
  // 16: an alert key's latest alert, found through an index rather than a scan of every alert (each
  // new alert asks for it); active incidents of a school and family by meter
  `
  CREATE INDEX alerts_key ON alerts(key, id);
  CREATE INDEX incidents_active_meter ON incidents(school_id, family, meter_id) WHERE status != 'resolved';
  `,
  // 17: the school each notification is about, so that a sharded worker sends its own schools'
  // (docs/scaling.md): the alert's or incident's school, a readiness checklist's from its key
  `
  ALTER TABLE outbox ADD COLUMN school_id TEXT;
  UPDATE outbox SET school_id = (SELECT a.school_id FROM alert_events e JOIN alerts a ON a.id = e.alert_id
    WHERE e.id = outbox.event_id) WHERE event_id IS NOT NULL;
  UPDATE outbox SET school_id = (SELECT i.school_id FROM incident_events e JOIN incidents i ON i.id = e.incident_id
    WHERE e.id = outbox.incident_event_id) WHERE incident_event_id IS NOT NULL;
  UPDATE outbox SET school_id = substr(message_key, 11, instr(substr(message_key, 11), '|') - 1)
    WHERE message_key LIKE 'readiness|%|%';
  `,
  // 18: a change stamp on every row of report history (rollup_hourly, outdoor_daily,
  // outdoor_hourly, supply_daily, room_temp_hourly): the number of the write that last changed it
  // (meta 'history_stamp'), so that what changed since a stamp can be mirrored to PostgreSQL
  // (store/mirror.ts); the rows written so far take stamp 1
  `
  ALTER TABLE rollup_hourly ADD COLUMN stamp INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX rollup_hourly_stamp ON rollup_hourly (stamp, hour, meter_id);
  ALTER TABLE outdoor_daily ADD COLUMN stamp INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX outdoor_daily_stamp ON outdoor_daily (stamp, school_id, date);
  ALTER TABLE outdoor_hourly ADD COLUMN stamp INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX outdoor_hourly_stamp ON outdoor_hourly (stamp, school_id, hour);
  ALTER TABLE supply_daily ADD COLUMN stamp INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX supply_daily_stamp ON supply_daily (stamp, meter_id, date);
  ALTER TABLE room_temp_hourly ADD COLUMN stamp INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX room_temp_hourly_stamp ON room_temp_hourly (stamp, meter_id, hour);
  `,
  // 19: a gateway login's password also as a bcrypt hash, the form a NATS cluster's users take
  // (`npm run admin -- gateway nats-users`, docs/scaling.md); NULL for logins made before it,
  // which need `gateway rotate` before they can log in to NATS
  `
  ALTER TABLE gateway_credentials ADD COLUMN bcrypt_hash TEXT;
  `,
]
