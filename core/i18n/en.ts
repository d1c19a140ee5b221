/**
 * The English catalogue, and the list of every message key: `zh-CN.ts` must translate each one
 * (the compiler and test/core/i18n.test.ts check). ICU MessageFormat:
 * https://unicode-org.github.io/icu/userguide/format_parse/messages/
 * Keys are grouped in blocks by area, each block under a comment naming it, so that branches
 * adding keys to different areas merge cleanly.
 */
export const en = {
  'common.unknown': 'unknown',

  // ---- Units (core/i18n formatQuantity: the ones Intl does not spell) ----
  'unit.m3': '{value} m³',
  'unit.kWh': '{value} kWh',
  'unit.kW': '{value} kW',
  'unit.W': '{value} W',
  'unit.K': '{value} K',

  // ---- Configuration and environment problems (core/errors.ts, core/config, start-up checks) ----
  'config.invalid': 'invalid configuration in {source}:',
  'config.problem': '  - {path}: got {value}; expected {expected}',
  'config.problem.atLine': '  - {path} (line {line}): got {value}; expected {expected}',
  'config.problem.more': '  … and {count} more',
  'config.value.missing': 'nothing',
  'config.source.environment': 'the environment',
  'config.source.ruleParams': 'rule parameters in the registry',
  'config.expected.noSuchKey': 'no such key here (misspelt or misplaced?)',
  'config.expected.oneOf': 'one of {values}',
  'config.expected.required':
    '{count, plural, one {a value for the required key {keys}} other {values for the required keys {keys}}}',
  'config.expected.schoolId':
    'an id of lower-case letters, digits and dashes (at most 64, not starting with a dash)',
  'config.expected.deviceId':
    'an id of letters, digits, _ . - (at most 128, starting with a letter or digit)',
  'config.expected.timeRange': 'a time range HH:MM-HH:MM, e.g. 07:30-17:00',
  'config.expected.clockTime': 'a time of day HH:MM, e.g. 07:30',
  'config.expected.localDate': 'a date YYYY-MM-DD',
  'config.expected.localDateTime': 'a local date and time YYYY-MM-DDTHH:MM',
  'config.expected.monthDay': 'a day of the year MM-DD, e.g. 11-15',
  'config.expected.month': 'a month YYYY-MM, e.g. 2026-10',
  'config.expected.ruleId': 'a rule id such as water.burst',
  'config.expected.ruleOrFamily': 'a rule id or family such as water.burst or water.*',
  'config.expected.email': 'an e-mail address',
  'config.expected.httpUrl': 'a URL starting with http:// or https://',
  'config.expected.mqttUrl': 'a URL starting with mqtt://, mqtts://, tcp://, ssl://, ws:// or wss://',
  'config.expected.smtpUrl': 'a URL starting with smtp:// or smtps://',
  'config.expected.envName': 'the name of an environment variable, in capitals, e.g. WEBHOOK_SECRET',
  'config.expected.currency': 'a three-letter currency code such as CNY',
  'config.expected.origins': 'browser origins such as https://grafana.example, separated by commas, or *',
  'config.expected.gzip': 'auto, off, or a zlib level from 1 to 9',
  'config.expected.tokenId': 'a token id of 12 hexadecimal digits',
  'config.expected.pattern': 'a value matching {pattern}',
  'config.expected.type':
    '{type, select, integer {a whole number} number {a number} string {a text} boolean {true or false} array {a list} object {a mapping of keys to values} null {nothing} other {a value of type {type}}}',
  'config.expected.minItems': '{limit, plural, one {at least # item} other {at least # items}}',
  'config.expected.maxItems': '{limit, plural, one {at most # item} other {at most # items}}',
  'config.expected.minLength': '{limit, plural, one {at least # character} other {at least # characters}}',
  'config.expected.maxLength': '{limit, plural, one {at most # character} other {at most # characters}}',
  'config.expected.minimum': 'a number of at least {limit}',
  'config.expected.maximum': 'a number of at most {limit}',
  'config.expected.exclusiveMinimum': 'a number above {limit}',
  'config.expected.exclusiveMaximum': 'a number below {limit}',
  'config.expected.const': 'the value {value}',
  'config.expected.format': 'a valid {format}',
  'config.expected.valid': 'a valid value ({detail})',
  'config.expected.readableFile': 'a readable YAML or JSON file ({detail})',
  'config.expected.yaml': 'valid YAML or JSON: {detail}',
  'config.expected.timezone': 'an IANA time zone such as Asia/Shanghai',
  'config.expected.uniqueSchool': 'a school id not used by another school',
  'config.expected.uniqueBuilding': 'a building id not used elsewhere in this school',
  'config.expected.uniqueSpace': 'a space id not used elsewhere in this building',
  'config.expected.uniqueMeter': 'a meter id unique across the registry (also used at {seen})',
  'config.expected.space':
    "{count, plural, =0 {one of this building's spaces (none declared)} other {one of this building's spaces ({spaces})}}",
  'config.expected.parentSchool': 'a meter of school {school}',
  'config.expected.parentKind': 'a {kind} meter (that one is {actual})',
  'config.expected.parentSelf': 'another meter than itself',
  'config.expected.buildingOfSchool': 'a building of this school',
  'config.expected.meterOfSchool': 'a meter of this school',
  'config.expected.realDate': 'a real date',
  'config.expected.dateFrom': 'a date on or after {start}',
  'config.expected.plannedUse': 'start and end, or weekly hours',
  'config.expected.timeAfter': 'a time after {start}',
  'config.expected.influxDatabase': 'the database name for the v1 /write API',
  'config.expected.influxBucket': 'the bucket (InfluxDB 2.x) or database (3.x) to write to',
  'config.expected.influxApi':
    'INFLUX_TOKEN + INFLUX_ORG + INFLUX_BUCKET beside it (InfluxDB 2.x/3.x), or INFLUX_DATABASE (InfluxDB 1.x)',
  'config.expected.readablePem': 'a readable PEM file ({detail})',
  'config.expected.tlsPort': "the TLS listener's port (e.g. 8883), since {variable} is set",
  'config.expected.tlsCert': 'a PEM certificate file: MQTT_TLS_PORT turns the TLS listener on',
  'config.expected.tlsKey': 'a PEM private key file: MQTT_TLS_PORT turns the TLS listener on',
  'config.expected.tlsPair': 'a PEM certificate matching MQTT_TLS_KEY ({detail})',
  'config.expected.embeddedOnly': 'nothing: it configures the embedded broker, which MQTT_URL replaces',
  'config.expected.externalOnly':
    'nothing: it is for an external broker (MQTT_URL=mqtts://…); the embedded broker takes MQTT_TLS_PORT, MQTT_TLS_CERT, MQTT_TLS_KEY and MQTT_TLS_CA',
  'config.expected.secureUrl':
    '{count, plural, one {an mqtts:// (or wss://) URL, since {variables} is set} other {an mqtts:// (or wss://) URL, since {variables} are set}}',
  'config.expected.clientPair': 'a PEM file: a client certificate needs both MQTT_CERT and MQTT_KEY',
  'config.expected.brokerLoopback':
    'a loopback address (127.0.0.1, ::1) while no gateway credential exists, since anyone reaching the broker could publish readings. Add a credential first — `npm run admin -- gateway add <username> --school <school>` with the same DATA_DIR — or set ALLOW_ANONYMOUS=1 to accept anonymous clients on purpose',
  'config.expected.tokenFirstAsked':
    'an API token to exist first: ALLOW_ANONYMOUS=0 makes the API ask every request for a token, and the store in DATA_DIR ({dataDir}) holds none. Make one with `npm run admin -- token add --role admin --name ops` (same DATA_DIR), or set ALLOW_ANONYMOUS=1 to serve the API to anyone without a token',
  'config.expected.tokenFirstExposed':
    'an API token to exist first: the API listens on {host}, beyond this machine, so it asks every request for a token, and the store in DATA_DIR ({dataDir}) holds none. Make one with `npm run admin -- token add --role admin --name ops` (same DATA_DIR), or set ALLOW_ANONYMOUS=1 to serve the API to anyone without a token',
  'env.unknown':
    "{count, plural, one {The environment variable {names} is not schoolmeter's and is ignored; docs/configuration.md lists every variable.} other {The environment variables {names} are not schoolmeter's and are ignored; docs/configuration.md lists every variable.}}",
  'env.unknown.item': '{name} (did you mean {suggestion}?)',
  'startup.cannotStart': 'schoolmeter cannot start: {reason}',
  'startup.portInUse':
    'port {port} is already in use. Stop what holds it, or set HTTP_PORT / MQTT_PORT to another port.',
  'startup.portDenied':
    'this user may not listen on port {port}. Choose a port above 1023 with HTTP_PORT / MQTT_PORT.',
  'startup.addressMissing':
    'this machine has no address {address}. Set HTTP_HOST / MQTT_HOST to one of its addresses, or 0.0.0.0 for all.',
  'startup.pathDenied':
    'no permission to write {path}. Give this user that folder, or set DATA_DIR to another.',
  'startup.schemaNewer':
    'the database in DATA_DIR has schema version {found}, newer than this schoolmeter knows ({known}): it was used by a newer schoolmeter. Upgrade schoolmeter.',

  // ---- The app store in PostgreSQL (store/postgres/, DATABASE_URL) ----
  'postgres.expected.url': 'a PostgreSQL address postgres://user:password@host:5432/database',
  'postgres.unreachable':
    'cannot reach the PostgreSQL server {server} ({detail}). Check that it is running and that DATABASE_URL names its host and port.',
  'postgres.loginRefused':
    'the PostgreSQL server {server} refused the login of user "{user}" ({detail}). Check the user and password in DATABASE_URL, and that the server lets this machine in (pg_hba.conf).',
  'postgres.noDatabase':
    'the PostgreSQL server {server} has no database "{database}". Create it, owned by the user in DATABASE_URL (createdb -O user {database}), or name another in DATABASE_URL.',
  'postgres.cannotOpen': 'cannot open the app store in PostgreSQL at {server}: {detail}',
  'postgres.schemaNewer':
    'the PostgreSQL database {server} (DATABASE_URL) has schema version {found}, newer than this schoolmeter knows ({known}): it was used by a newer schoolmeter. Upgrade schoolmeter.',

  // ---- Command-line tools (core/cli.ts), the admin CLI (app/admin*), token errors (store/security.ts) ----
  'cli.unknownOption': 'unknown option {option}',
  'cli.optionNeedsValue': 'option {option} needs a value',
  'cli.optionTakesNoValue': 'option {option} takes no value',
  'cli.unexpectedArgument': 'unexpected argument: {argument}',
  'cli.badCommandLine': 'cannot read the command line: {detail}',
  'cli.unknownCommand': 'unknown command "{command}"',
  'cli.optionNotHere': '{command} takes no {options}',
  'admin.usage': `usage: npm run admin -- <area> <command> [options]

areas:
  gateway   MQTT credentials of gateways (add, set, rotate, revoke, list)
  token     API bearer tokens (add, rotate, revoke, list)
  user      people who sign in to the web app (add, passwd, set, disable, enable, list)
  store     the app store: copy it from SQLite to PostgreSQL (copy-to-postgres)

Run \`npm run admin -- <area> --help\` for the commands of an area.
The store is DATA_DIR (default ./data), as for the service.
The language is the district's (CONFIG); LOCALE=en or LOCALE=zh-CN chooses another.`,
  'admin.unknownArea': 'unknown area "{area}"',
  'admin.yesNo': '{yes, select, true {yes} other {no}}',
  'admin.gateway.usage': `usage: npm run admin -- gateway <command> [options]

commands:
  add <username> --school <id> [--password <p>] [--alerts] [--client-id-prefix <p>] [--note <text>]
        a login for one gateway of one school; without --password one is generated and shown once
        --alerts: it may also subscribe to schools/<id>/alerts (schools/<id>/rejected it always may)
        --client-id-prefix: MQTT client ids starting with it are the gateway's too
  set <username> --client-id-prefix <p>
        gives the gateway the client ids starting with <p> ('''' takes them away again)
  rotate <username> [--password <p>]
        a new password; the old one stops working, live sessions with it are closed
  revoke <username>
        the login stops working, live sessions with it are closed (within 10 s)
  list
        every login with its school, alerts right and dates (never a password)
  nats-users [--out <file>]
        the users of a NATS cluster (docs/scaling.md): the workers' and one per active gateway,
        held to its school, with bcrypt password hashes; written atomically to <file>

A gateway publishes only under schools/<id>/ and logs in with MQTT username and password.
Its MQTT client id must be its username, <username>/<anything>, or start with its prefix;
no other login may use those, so nobody can take over its session.
The store is DATA_DIR (default ./data); schools come from CONFIG (the demo district when unset),
as for the service. While any login is active, the embedded broker refuses anonymous clients
unless ALLOW_ANONYMOUS=1.`,
  'admin.gateway.usernameNeeded': 'a username is needed',
  'admin.gateway.usernameBad':
    'username "{username}" cannot be used: letters, digits, _ . - only, at most 128, starting with a letter or digit',
  'admin.gateway.usernameReserved': 'usernames starting with "{prefix}" are the service\'s own',
  'admin.gateway.passwordShort':
    '--password is too short ({length} characters; at least {minimum}). Leave it out to get a generated one',
  'admin.gateway.schoolNeeded': '--school <id> is needed: the school whose topics the gateway publishes to',
  'admin.gateway.unknownSchool':
    'school "{school}" is not in the registry ({source}); known: {known}. Set CONFIG to your district\'s file as for the service.',
  'admin.gateway.exists':
    'gateway "{username}" already has an active login (school {school}); use `gateway rotate {username}` for a new password, or revoke it first',
  'admin.gateway.added':
    'gateway "{username}" may now publish under schools/{school}/ (subscribe: {alerts, select, true {rejected, alerts} other {rejected}}), with the MQTT client id {ids}',
  'admin.gateway.clientIds': '"{username}", "{username}/…"{prefix, select, none {} other { or "{prefix}…"}}',
  'admin.gateway.prefixSet':
    'gateway "{username}" may use the MQTT client id {ids}; a running service applies it to the next CONNECT',
  'admin.gateway.prefixNeeded': "set needs --client-id-prefix <prefix> ('' to take it away)",
  'admin.gateway.prefixBad':
    '--client-id-prefix "{prefix}" must be 1 to 64 printable characters without + or #',
  'admin.gateway.prefixReserved': 'client ids starting with "schoolmeter" are the service\'s own',
  'admin.gateway.prefixTaken':
    'client ids starting with "{prefix}" would reach into those of gateway "{other}" ({ids}); choose a prefix of its own',
  'admin.gateway.usernameTaken':
    'username "{username}" is among the client ids of gateway "{other}" (prefix "{prefix}"); choose another username',
  'admin.gateway.password': 'password (shown only now; put it in the gateway): {password}',
  'admin.gateway.rotated': 'gateway "{username}" has a new password; the old one no longer works',
  'admin.gateway.revoked':
    'gateway "{username}" is revoked: it can no longer connect, and a running service closes its sessions',
  'admin.gateway.wasRevoked':
    'gateway "{username}" was revoked on {when}; add it again with `gateway add {username} --school …`',
  'admin.gateway.notFound': 'no gateway "{username}"; `gateway list` shows them',
  'admin.gateway.none':
    'no gateway logins yet; add one with `npm run admin -- gateway add <username> --school <id>`',
  'admin.gateway.status': '{revoked, select, true {revoked} other {active}}',
  'admin.gateway.column':
    '{column, select, username {username} school {school} alerts {alerts} status {status} clientIds {client ids} created {created} rotated {rotated} revoked {revoked} note {note} other {{column}}}',
  'admin.token.usage': `usage: npm run admin -- token <command> [options]

commands:
  add --name NAME --role ROLE   make a token and print it (once); ROLE is viewer, maintenance or admin
  rotate ID|NAME                a new secret for the token, printed once; the old one stops working
  revoke ID|NAME                the token stops working at once
  list [--all]                  active tokens (--all: revoked ones too); never a secret or a hash

roles: viewer reads; maintenance also acknowledges and resolves alerts; admin does everything,
including managing tokens through the API.

The store is DATA_DIR (default ./data), as for the service; a running service sees changes at once.
Once a token exists, the API asks every request for one, on loopback too (unless ALLOW_ANONYMOUS=1).`,
  'admin.token.column':
    '{column, select, id {id} name {name} role {role} created {created} lastUsed {last used} revoked {revoked} other {{column}}}',
  'admin.token.oneRef': '{command} takes one token id or name, e.g. `token {command} ops`',
  'admin.token.nameNeeded': 'add needs --name, e.g. --name ops',
  'admin.token.roleNeeded': 'add needs --role: {roles}',
  'admin.token.issued':
    '{rotated, select, true {Rotated} other {Made}} token "{name}" (id {id}, role {role}). It is shown this once; keep it safe:',
  'admin.token.howToSend': 'Send it as the header "Authorization: Bearer <token>".',
  'admin.token.first':
    'This is the first active token: from now on the API asks every request for a token (unless ALLOW_ANONYMOUS=1).',
  'admin.token.revoked': 'Revoked token "{name}" (id {id}, role {role}); it no longer works.',
  'admin.token.noneLeft':
    'No active token is left: an API on loopback asks for none again; one beyond loopback refuses to start.',
  'admin.token.none': 'No API tokens. Make one with `npm run admin -- token add`.',
  'token.error.badRole': 'unknown role "{role}"; use one of {roles}',
  'token.error.badName':
    'token name {name} must be 1 to 64 printable characters, e.g. "ops" or "caretaker-tablet"',
  'token.error.reservedName':
    'token name "{name}" is reserved or looks like a token id; choose another, e.g. "ops"',
  'token.error.nameTaken':
    'an active token is already named "{name}"; choose another name, or rotate that token',
  'token.error.notFound':
    'no active API token has the id or name "{ref}"; `npm run admin -- token list` shows them',
  'token.error.revoked': 'token {id} ("{name}") is revoked; make a new one with `npm run admin -- token add`',

  // ---- HTTP API errors and health (api/, the broker and store health) ----
  'api.error.noRoute': 'no route {method} {path}; the API is described at /docs',
  'api.error.internal': 'internal error; see the service log',
  'api.error.notInRegistry':
    '{what, select, school {school} meter {meter} other {{what}}} "{id}" is not in the registry',
  'api.error.alertNotFound': 'no alert {id}',
  'api.error.alertResolved': 'alert {id} is already resolved',
  'api.error.incidentNotFound': 'no incident {id}',
  'api.error.incidentResolved': 'incident {id} is already resolved',
  'api.error.badCursor': 'cursor is not one this API gave out; start again without it',
  'api.error.badInstant': '{name} must be ISO-8601 with an offset, e.g. 2026-11-16T00:00:00+08:00',
  'api.error.invalid':
    '{part, select, querystring {query parameter} body {body field} params {path parameter} headers {header} other {value}} {name}: got {value}; expected {expected}',
  'api.error.mediaType': 'send the body as JSON, with the header "Content-Type: application/json"',
  'api.error.badJson': 'the body is not valid JSON',
  'api.error.bodyTooLarge': 'the body is too large',
  'api.error.badRequest': 'the request cannot be served: {detail}',
  'api.error.rateLimited': 'more than {max} requests a minute; retry in {seconds} s (API_RATE_LIMIT)',
  'api.error.invalidToken':
    'the bearer token is malformed, unknown, revoked or was rotated; ask an admin for a new one',
  'api.error.unauthorized':
    'this API needs a token: send "Authorization: Bearer smt_…"; an admin makes one with `npm run admin -- token add --name <who> --role viewer`',
  'api.error.forbidden':
    'token "{name}" has the {role} role; {route} needs {needed, select, admin {admin} other {{needed} or higher}}',
  'api.error.lastAdmin':
    'token {id} ("{name}") is the last admin token; make another admin token first, or revoke it with `npm run admin -- token revoke {id}`',
  'health.broker.embedded':
    'embedded broker at {address}, {clients, plural, one {# client} other {# clients}} connected',
  'health.broker.down': 'the embedded broker is not listening',
  'health.broker.connected': 'connected to the broker at {address}',
  'health.broker.disconnected': 'not connected to the broker at {address}',
  'health.ingest.disk':
    '{full, select, true {disk full} other {disk refuses writes}}: cannot write {path} ({code}); nothing is acknowledged and publishers are held back until it can',
  'health.store.ok': 'SQLite at {file}',
  'health.store.okServed':
    "SQLite at {file} (the stream's state); PostgreSQL at {server} (alerts, incidents, people, reports)",
  'health.store.failed': 'the store fails: {error}',
  'health.influx.off': 'not configured: readings are not archived',
  'health.influx.up': 'writing to {target}; {lines, plural, one {# line} other {# lines}} in the spool',
  'health.influx.down':
    'cannot write to {target} ({error}); {lines, plural, one {# line} other {# lines}} spooled to disk',

  // ---- Reports: monthly rows, ranking, CSV and tables (reports/csv.ts, reports/cli.ts), start-of-term readiness (reports/readiness.ts) ----
  'report.column.school': 'School id',
  'report.column.name': 'School',
  'report.column.utility': 'Utility',
  'report.column.month': 'Month',
  'report.column.unit': 'Unit',
  'report.column.actual': 'Actual',
  'report.column.lastYear': 'Same month last year',
  'report.column.expected': 'Expected',
  'report.column.savings': 'Savings',
  'report.column.savingsPct': 'Savings (%)',
  'report.column.perPupil': 'Per pupil',
  'report.column.perM2': 'Per m²',
  'report.column.outOfHoursShare': 'Used while empty (share)',
  'report.column.coverage': 'Data coverage (share)',
  'report.column.method': 'Method',
  'report.column.indicative': 'Indicative only',
  'report.column.rank': 'Rank',
  'report.column.reason': 'Why unranked',
  'report.column.reasonCode': 'Reason code',
  'report.utility': '{value, select, water {water} electricity {electricity} heat {heat} other {{value}}}',
  'report.unit': '{value, select, m3 {m³} kWh {kWh} other {{value}}}',
  'report.method':
    '{value, select, daily_model {baseline model} last_year_scaled {last year, adjusted for school days and weather} none {none} other {{value}}}',
  'report.yesNo': '{value, select, true {yes} other {no}}',
  'report.cli.usage': `usage: npm run report -- [options]

  --month YYYY-MM     the month (default: this month, to date)
  --school ID         one school
  --utility U         water, electricity or heat (ranking: default water)
  --ranking           the district ranking instead of the monthly rows
  --readiness         the start-of-term checklist of each school's next term
  --csv               CSV (UTF-8, for spreadsheets) instead of a table
  --headers keys      with --csv: the JSON's field names and values, for programs
                      (default names: column names and values in the report's language)
  --locale L          zh-CN or en (default: LOCALE, else the district's)
  -h, --help          this text

Reads DATA_DIR (default ./data) and CONFIG (default: the demo district), as the service does.`,
  'report.cli.badMonth': '--month takes YYYY-MM, e.g. 2026-10, not "{month}"',
  'report.cli.badUtility': '--utility is one of {utilities}',
  'report.cli.unknownSchool': 'no school "{school}" in the registry',
  'report.cli.badLocale': '--locale is one of {locales}, not "{locale}"',
  'report.cli.badHeaders': '--headers is names or keys, not "{headers}"',
  'readiness.metersReporting.ok':
    '{count, plural, one {the only meter reported} other {all # meters reported}} in the last day',
  'readiness.metersReporting.silent': '{silent} of {total} meters silent for over a day',
  'readiness.critical.none': 'no open critical alert',
  'readiness.critical.open': '{count, plural, one {# critical alert open} other {# critical alerts open}}',
  'readiness.heating.ok':
    '{count, plural, one {the heating circuit reached its setpoint} other {all # heating circuits reached their setpoint}} in the last day',
  'readiness.heating.failing':
    '{failing} of {total} circuits did not reach their setpoint (−{tolerance} K) in the last day',
  'readiness.heating.offSeason': 'outside the heating season: not checked',
  'readiness.term': 'the term',
  'readiness.never': 'never',
  'readiness.noSupply': 'no reading',
  'readiness.item.silent': '{meter} ({building}): last reading {lastHeard}',
  'readiness.item.alert': 'alert {id}, {rule} on {meter}: {message}',
  'readiness.item.circuit': '{meter} ({building}): highest supply {highest}, setpoint {setpoint}',
  'readiness.headline':
    '{school}: {ready, select, true {READY} other {NOT READY}} for {term}, which starts on {start} ({when})',
  'readiness.mail.subject':
    '{ready, select, true {Ready} other {NOT ready}} for the new term: {school}, term starts {start}',
  'readiness.mail.intro':
    'Start-of-term check for {school} ({id}), {days, plural, one {# day} other {# days}} before {term} starts on {start}.',
  'readiness.mail.checked': 'Checked {at}.',

  // ---- Grafana dashboards (dashboards/*.ts): titles, descriptions, rows, columns, legends ----
  'dash.links': 'schoolmeter dashboards',
  'dash.kind':
    '{kind, select, water {water} electricity {electricity} heat {heat} temperature {temperature} other {{kind}}}',
  'dash.utility':
    '{kind, select, water {Water} electricity {Electricity} heat {Heat} temperature {Temperature} other {{kind}}}',
  'dash.column.school': 'School',
  'dash.column.building': 'Building',
  'dash.column.meter': 'Meter',
  'dash.column.rule': 'Rule',
  'dash.variable.tz': 'Time zone of day and month boundaries',
  'dash.variable.topLevel': 'Top-level meters of the registry (no parent)',
  'dash.variable.outdoor': 'Outdoor temperature sensors of the registry',
  'dash.variable.school': 'School',
  'dash.variable.building': 'Building',
  'dash.variable.meter': 'Meter',
  'dash.alerts.column':
    '{name, select, time {Last change} school {School} rule {Rule} meter {Meter} severity {Severity} status {Status} message {Message} id {Alert} other {{name}}}',
  'dash.alerts.status':
    '{value, select, open {open} acknowledged {acknowledged} resolved {resolved} other {{value}}}',
  'dash.alerts.severity':
    '{value, select, critical {critical} warning {warning} info {info} other {{value}}}',
  'dash.alerts.annotations': 'Alerts',
  'dash.row.alerts': 'Alerts',
  'dash.dq.title': 'Data quality and ingest',
  'dash.dq.description':
    'Readings arriving, meters reporting and meters gone quiet, from what InfluxDB holds.',
  'dash.dq.row.alerts': 'Meter alerts',
  'dash.dq.alerts.title': 'Offline meters and register anomalies',
  'dash.dq.alerts.description':
    'meter.offline: nothing heard for 3 × the interval (at least 15 minutes) by the wall clock, so its transitions carry the time the service noticed. meter.register_anomaly: a register that rolled over, was reset or replaced, or jumped implausibly. Active at the end of the range, whenever they opened, or changed in it; one row per rule and meter.',
  'dash.dq.row.readings': 'Readings',
  'dash.dq.rate.title': 'Readings per second',
  'dash.dq.rate.description':
    'Readings stored per second of reading time, by meter kind. A backfill shows up where its readings belong, not when it ran.',
  'dash.dq.reporting.title': 'Meters reporting',
  'dash.dq.reporting.description':
    'Meters that sent at least one reading in each interval (15 minutes or more, so that 5-minute meters count in every one).',
  'dash.dq.row.quiet': 'Quiet meters',
  'dash.dq.heard15.title': 'Heard in the last 15 minutes',
  'dash.dq.heard15.description': 'Meters with a reading in the last 15 minutes.',
  'dash.dq.heardRange.title': 'Heard in the range',
  'dash.dq.heardRange.description': 'Meters with a reading in the selected range.',
  'dash.dq.last.title': 'Last reading per meter',
  'dash.dq.last.description':
    'When each meter last sent a reading in the range, oldest first. The service marks a meter offline after 3 × its interval (at least 15 minutes).',
  'dash.dq.last.column': 'Last reading',
  'dash.dq.coverage.title': 'Hours with readings per meter',
  'dash.dq.coverage.description': 'Share of hours in the range in which the meter sent at least one reading.',
  'dash.dq.coverage.column': 'Hours with readings',
  'dash.el.title': 'Electricity and after-hours',
  'dash.el.description': 'Day against night consumption, base load, and high-power events in metered rooms.',
  'dash.el.alerts.title': 'After-hours and appliance alerts',
  'dash.el.alerts.description':
    'electricity.after_hours: a building drawing more than its base load while empty. electricity.high_power_appliance: a step of {step} W or more, or more than the room limit, in a dorm room where appliances are restricted. Active at the end of the range, whenever they opened, or changed in it; one row per rule and meter, with its latest transition.',
  'dash.el.row.dayNight': 'Day and night',
  'dash.el.day': 'day',
  'dash.el.night': 'night',
  'dash.el.dayNight.title': 'Day (06–18) and night (18–06) per day',
  'dash.el.dayNight.description':
    "Top-level meters. Each day's 06:00–18:00 and the night after it; the day still under way appears once its night is over. Weekends count their daytime as day.",
  'dash.el.nightShare.title': 'Night share by school',
  'dash.el.nightShare.description':
    'Share of electricity used 18:00–06:00 over the complete days in the range. Energy Sparks counts 50 % out-of-hours use as exemplary and 60 % as high.',
  'dash.el.nightShare.column': 'Night share',
  'dash.el.baseLoad.title': 'Base load per day',
  'dash.el.baseLoad.description':
    "Mean of the day's 8 lowest half-hours, top-level meters: what the school draws when everything that can be off is off. It should not creep up.",
  'dash.el.power.title': 'Power by meter',
  'dash.el.power.description': 'Mean power per interval.',
  'dash.el.row.rooms': 'Metered rooms',
  'dash.el.roomPower.title': 'Room power, highest per interval',
  'dash.el.roomPower.description':
    'Dorm rooms and other metered spaces. A kettle or heater steps up by {step} W or more; the room limit is {limit} W.',
  'dash.el.peaks.title': 'Room peaks',
  'dash.el.peaks.description': 'Highest power each metered room drew in the range, and when.',
  'dash.el.peaks.peak': 'Peak',
  'dash.el.peaks.when': 'When',
  'dash.el.peaks.room': 'Room',
  'dash.outdoor.title': 'Outdoor temperature',
  'dash.outdoor.description': "Mean of each school's outdoor sensors.",
  'dash.heat.title': 'Heating',
  'dash.heat.description':
    'Heat use against degree days, circuit temperatures and delta-T, rooms outside the band.',
  'dash.heat.alerts.title': 'Heating alerts',
  'dash.heat.alerts.description':
    'Alerts of the heating rules: frost risk, no heat, overheating, low delta-T, heating an empty building. Active at the end of the range, whenever they opened, or changed in it; one row per rule and meter (circuit or room sensor), with its latest transition.',
  'dash.heat.row.weather': 'Weather and heat use',
  'dash.heat.degreeDays.title': 'Heat per day against degree days',
  'dash.heat.degreeDays.description':
    'Bars: heat counted by the top-level heat meters per local day. Line (right axis): heating degree days, base 18 °C, from the outdoor sensors. Heat should follow the line.',
  'dash.heat.degreeDays.heat': 'heat',
  'dash.heat.degreeDays.line': 'degree days',
  'dash.heat.row.circuits': 'Circuits: $building',
  'dash.heat.supplyReturn.title': 'Supply and return',
  'dash.heat.supplyReturn.description': 'Mean supply and return temperature of each circuit.',
  'dash.heat.supply': 'supply',
  'dash.heat.return': 'return',
  'dash.heat.deltaT.title': 'Delta-T while water flows',
  'dash.heat.deltaT.description':
    'Supply minus return while the circuit has flow. Below {low} K for hours: a bypass is open or a valve is stuck, and the pumps move water for nothing.',
  'dash.heat.power.title': 'Heating power',
  'dash.heat.power.description': 'Mean power of each circuit.',
  'dash.heat.row.rooms': 'Rooms: $building',
  'dash.heat.band.title': 'Room temperatures and the band',
  'dash.heat.band.description':
    'Indoor sensors. Below {low} °C in school hours is too cold, above {high} °C too warm; nights and days off are set back on purpose.',
  'dash.heat.outside.title': 'Hours outside the band per room',
  'dash.heat.outside.description':
    'Hours whose mean room temperature was below {low} °C or above {high} °C. Cold hours include set-back nights and days off; warm hours are always worth a look.',
  'dash.heat.outside.sensor': 'Sensor',
  'dash.heat.outside.below': 'Below {low} °C',
  'dash.heat.outside.above': 'Above {high} °C',
  'dash.column.waterM3': 'Water (m³)',
  'dash.column.electricityKwh': 'Electricity (kWh)',
  'dash.column.heatKwh': 'Heat (kWh)',
  'dash.ms.title': 'Monthly savings',
  'dash.ms.description':
    'Savings of each school and utility against its fixed baseline, with their 90 % interval; actual consumption for the month.',
  'dash.ms.row.actual': 'Actual consumption',
  'dash.ms.actual.title': 'Actual consumption by school',
  'dash.ms.actual.description':
    'Top-level meters over the range; pick "Previous month" in the time picker for a closed month. Months end at local midnight ($tz).',
  'dash.ms.coverage.title': 'Coverage and night share',
  'dash.ms.coverage.description':
    'Coverage: share of hours in which each meter reported, averaged per school (a row under 90 % is indicative). Night share: electricity used 18:00–06:00 over complete days.',
  'dash.ms.coverage.of':
    '{kind, select, water {Water coverage} electricity {Electricity coverage} heat {Heat coverage} other {{kind} coverage}}',
  'dash.ms.row.toDate': 'Month to date',
  'dash.ms.running.title':
    '{kind, select, water {Water} electricity {Electricity} heat {Heat} other {{kind}}}, running total',
  'dash.ms.running.description': 'Cumulative consumption by local day, top-level meters.',
  'dash.flow.description': 'Mean flow per interval.',
  'dash.school.title': 'School overview',
  'dash.school.description':
    'One school: what it draws now, today against a typical day, and every meter live.',
  'dash.school.row.now': 'Now',
  'dash.school.now.topLevel': 'Sum of the top-level meters.',
  'dash.school.now.power': 'Electric power',
  'dash.school.now.flow': 'Water flow',
  'dash.school.now.circuits': 'Sum of the heating circuits.',
  'dash.school.now.outdoor': "Mean of the school's outdoor sensors.",
  'dash.school.alerts.description':
    "The school's alerts active at the end of the range, whenever they opened, and those that changed in it: one row per rule and meter, with its latest transition. Each transition is also an annotation on the curves below. The alert number is the id of the API, which holds the evidence.",
  'dash.school.row.today': 'Today against a typical day',
  'dash.school.today.title':
    '{kind, select, water {Water} electricity {Electricity} heat {Heat} other {{kind}}} today',
  'dash.school.today.description': 'Since local midnight, top-level meters.',
  'dash.school.typical.title':
    '{kind, select, water {Water} electricity {Electricity} heat {Heat} other {{kind}}}, typical day',
  'dash.school.typical.description': 'Median daily total over the last 28 days.',
  'dash.school.hourly.title':
    '{kind, select, water {Water} electricity {Electricity} heat {Heat} other {{kind}}} by hour',
  'dash.school.hourly.description': 'Local hours, top-level meters of the school.',
  'dash.school.row.live': 'Live: $building',
  'dash.school.live.power': 'Electric power by meter',
  'dash.school.live.flow': 'Water flow by meter',
  'dash.school.live.supplyReturn': 'Heating supply and return',
  'dash.school.live.rooms': 'Room temperatures',
  'dash.school.live.roomsDescription': 'Every temperature sensor indoors.',
  'dash.localDays': 'Local days ($tz).',
  'dash.water.title': 'Water and leaks',
  'dash.water.description': 'Leak signs per water meter: flow that never stops, night flow, daily use.',
  'dash.water.alerts.title': 'Water alerts',
  'dash.water.alerts.description':
    "Alerts of the water rules (leaks, bursts, night flow, running cisterns, flow after hours) on the chosen meters: active at the end of the range, whenever they opened, or changed in it; one row per rule and meter, with its latest transition. Litres per day and cost are in the alert's evidence: GET /api/v1/alerts/'{id}'.",
  'dash.water.row.leaks': 'Leaks',
  'dash.water.smallest.title': 'Smallest hourly flow, last 24 hours',
  'dash.water.smallest.description':
    'The lowest mean flow of any hour in the last 24 hours. Above zero, water ran every hour: a leak, a running cistern or a timed urinal flush. Litres per day is what that flow wastes.',
  'dash.water.smallest.column': 'Smallest hour (L/h)',
  'dash.water.smallest.perDay': 'L/day',
  'dash.water.hours.title': 'Hours with use per day',
  'dash.water.hours.description':
    'Local hours in which the meter counted 1 L or more. 24 means the water never stopped for a whole hour that day — the continuous-flow leak sign.',
  'dash.water.night.title': 'Night flow, 02:00–04:00',
  'dash.water.night.description':
    'Mean flow in the quietest hours of each night, shown at 02:00 local. A step up that stays is a new leak; the rules compare each night with the previous week.',
  'dash.water.perDay.title': 'Water per day by meter',
  'dash.water.row.flow': 'Flow',
  'dash.water.flow.title': 'Flow by meter',
  'dash.district.title': 'District overview',
  'dash.district.description': 'All schools side by side: consumption of top-level meters and data coverage.',
  'dash.district.row.totals': 'District totals',
  'dash.district.total.description':
    '{kind, select, water {Water} electricity {Electricity} heat {Heat} other {{kind}}} counted by the top-level meters of every school in the range.',
  'dash.district.heard.title': 'Meters heard',
  'dash.district.heard.description': 'Meters of each kind that sent at least one reading in the range.',
  'dash.district.counts.title':
    '{tag, select, school {Alerts by school} rule {Alerts by rule} other {Alerts by {tag}}}',
  'dash.district.counts.description':
    'Alerts opened in the range, and alerts still active (open or acknowledged) at its end, whenever they opened.',
  'dash.district.counts.opened': 'Opened',
  'dash.district.counts.active': 'Active at the end',
  'dash.district.alerts.title': 'Alerts of the range, latest status',
  'dash.district.alerts.description':
    "One row per rule and meter: alerts active at the end of the range, whenever they opened, and alerts that changed in it, with their latest transition. The alert number is the id of the API (GET /api/v1/alerts/'{id}'), which holds the evidence.",
  'dash.district.row.schools': 'Schools side by side',
  'dash.district.bySchool.title': 'Consumption by school',
  'dash.district.bySchool.description':
    'Top-level meters only, so that a sub-meter is not counted twice. Water in m³, energy in kWh.',
  'dash.district.coverage.title': 'Data coverage by school',
  'dash.district.coverage.description':
    "Share of hours in the range in which each meter sent at least one reading, averaged over the school's meters of each kind. Reports count a month with less than 90 % as indicative.",
  'dash.district.row.daily': 'Day by day',
  'dash.district.daily.title':
    '{kind, select, water {Water} electricity {Electricity} heat {Heat} other {{kind}}} per day by school',
  'dash.district.daily.description': 'Local days ($tz), top-level meters.',
  'dash.district.outdoor.title': 'Outdoor temperature by school',

  // ---- npm run dashboards (dashboards/generate.ts) ----
  'dashboards.cli.usage': `schoolmeter dashboards — Grafana dashboards as provisioning JSON

usage: npm run dashboards -- [options]

  --config FILE     registry (YAML/JSON) whose top-level meters and outdoor sensors the dashboards
                    use; default: the bundled demo district (what dashboards/generated/ holds)
  --timezone ZONE   IANA zone of day and month boundaries; default: the first school's
  --locale L        zh-CN or en: the language of titles, descriptions and labels;
                    default: the district's (district.locale in the registry)
  --out DIR         where to write; default: dashboards/generated
  -h, --help        this text`,
  'dashboards.cli.badZone': '--timezone "{zone}" is not an IANA time zone such as Asia/Shanghai',
  'dashboards.cli.wrote': 'dashboards: wrote {count} dashboards ({locale}) to {out}',

  // ---- Ingest: rejected messages and readings, sent on schools/{school}/rejected (ingest/topics.ts, decode.ts, registers.ts) ----
  'ingest.topic.badSchool':
    'school "{school}" in the topic is not a school id: lower-case letters, digits and dashes, at most 64',
  'ingest.topic.shape':
    "expected schools/'{school}'/meters/'{meter}' or schools/'{school}'/gateways/'{gateway}'",
  'ingest.topic.badDevice':
    '{part, select, meters {meter} gateways {gateway} other {device}} id "{id}" in the topic has letters, digits and _ . - only, at most 128, starting with a letter or digit',
  'ingest.reject.tooDeep': 'a value nested too deeply to print',
  'ingest.reject.unknownSchool': 'school "{school}" is not in the registry',
  'ingest.reject.unknownMeter': 'meter "{meter}" is not registered at school {school}',
  'ingest.reject.payloadTooLarge': 'payload of {bytes} bytes exceeds {limit} (MAX_PAYLOAD_BYTES)',
  'ingest.reject.badJson': 'not valid JSON: {detail}',
  'ingest.reject.batchTooLarge': 'batch of {readings} readings exceeds {limit} (MAX_BATCH_READINGS)',
  'ingest.reject.emptyBatch': 'empty array: no readings',
  'ingest.reject.gatewayNeedsArray':
    'a gateway topic takes a JSON array of readings, each with a "meter" field',
  'ingest.reject.notObject': 'a reading must be a JSON object',
  'ingest.reject.notFinite': '{field}={value} is not a finite number',
  'ingest.reject.field':
    '{field}: got {missing, select, true {nothing} other {{value}}}; expected {expected}',
  'ingest.reject.valid': 'a valid reading',
  'ingest.reject.otherMeter': 'the reading names meter "{meter}" but was published on {topic}',
  'ingest.reject.meterNeeded': 'a reading in a gateway batch needs a "meter" field',
  'ingest.reject.future': 'the timestamp is {seconds} s in the future (is the gateway clock wrong?)',
  'ingest.reject.outOfRange': '{field}={value} is outside {min}…{max}',
  'ingest.reject.wrongKind': 'meter {meter} is a {kind} meter (fields {fields}); got {got}',
  'ingest.reject.noMeasurement': 'no measurement: a {kind} reading needs one of {fields}',
  'ingest.ts.notFinite': 'ts is not a finite number',
  'ingest.ts.seconds': 'ts {ts} looks like epoch seconds; send epoch milliseconds',
  'ingest.ts.before2000': 'ts {ts} is before the year 2000',
  'ingest.ts.notIso': 'ts "{ts}" is not ISO-8601 with an offset (e.g. 2026-11-26T08:00:00+08:00) or epoch ms',
  'ingest.ts.notReal': 'ts "{ts}" is not a real date and time',
  'ingest.register.rise':
    'the register rose by {delta} in {seconds} s, more than the meter can pass ({rate}/h)',
  'ingest.register.drop': 'a drop from {from} to {to} is neither a plausible rollover nor a reset',
  'ingest.register.between': 'it does not fit between the readings around it: {detail}',

  // ---- Rules: alert and incident sentences (rules/**) ----
  'rule.water.continuous_flow':
    'Water has not stood still for {hours} h at {meter} ({place}): at least {litres, number} L every hour — a leak',
  'rule.water.after_hours_flow':
    'Water has been running for {minutes} min at {meter} while {place} is empty ({flow, number} L/min)',
  'rule.water.burst':
    'Burst at {meter} ({place}): {flow, number} L/min for {minutes} min, above the usual {threshold, number} L/min',
  'rule.water.night_flow':
    'Night flow at {meter} ({place}) is {flow, number} L/h, above its usual {baseline, number} L/h for {nights} nights',
  'rule.water.cistern_refill':
    'A cistern refills every {period, number} min at {meter} ({litres, number} L each, less than a full flush) while {place} is empty — a running toilet',
  'rule.electricity.after_hours':
    '{place} uses {excess, number} kW more than usual while empty (usually {normal, number} kW at this hour; {minutes} min so far)',
  'rule.electricity.appliance':
    '{resistive, select, true {A resistive appliance} other {An appliance}} of about {watts, number} W in {place}, on for {minutes, number} min{heater, select, true { — likely a heater} other {}}',
  'rule.electricity.room_limit':
    '{place} draws {watts, number} W, over its {limit, number} W limit, for {minutes, number} min',
  'rule.heat.frost_risk': '{place} is at {temp, number} °C: pipes may freeze',
  'rule.heat.low_delta_t':
    '{meter}: supply {supply, number} °C, return {ret, number} °C — only {delta, number} K apart for {hours, number} h (bypass open, pump too fast?)',
  'rule.heat.no_heat.room': '{place} is only {temp, number} °C with people in it ({hours, number} h)',
  'rule.heat.no_heat.supply':
    '{meter} supplies only {temp, number} °C while {place} is in use ({hours, number} h)',
  'rule.heat.overheating':
    '{place} is kept at {temp, number} °C ({hours, number} h above {limit, number} °C)',
  'rule.heat.unoccupied_heating.supply':
    'Heating runs in {place} on {dayType, select, weekend {a weekend} holiday {a holiday} vacation {a vacation day} other {a day off}} with {outdoor, number} °C outside ({hours, number} h so far)',
  'rule.heat.unoccupied_heating.room':
    '{place} is kept at {temp, number} °C on {dayType, select, weekend {a weekend} holiday {a holiday} vacation {a vacation day} other {a day off}} with nobody in and the heating on',
  'rule.meter.offline': '{meter} ({place}) has sent nothing for {minutes, number} min',
  'rule.meter.register_anomaly':
    'The register of {meter} {event, select, rollover {rolled over} reset {was reset} replacement {was replaced} other {jumped implausibly (the reading was rejected)}}: {previous, number} → {current, number}, counted {counted, number} {unit, select, L {L} other {kWh}}',

  // ---- Security: a full disk (app/disk.ts, ingest/journal.ts) ----
  'security.health.diskFull':
    'The disk holding {path} is full: no readings are being accepted and gateways are held back. Free some space there; the service carries on by itself.',
  'security.health.diskError':
    'The service cannot write {path} ({code}): no readings are being accepted and gateways are held back until it can.',
  'security.startup.diskFull':
    'schoolmeter cannot start because the disk holding {path} is full ({free} free); free some space there and start it again.',

  // ---- Savings: the fixed baseline, the daily model, gates and intervals (reports/baseline.ts, reports/monthly.ts, reports/csv.ts, reports/cli.ts, the monthly-savings dashboard) ----
  'savings.reason.separator': '; ',
  'savings.reason.baseline_incomplete':
    'the baseline period is not complete yet: savings need 12 months of data to compare with',
  'savings.reason.baseline_insufficient':
    'too few days with readings in the baseline period (90 % of the days, and half of every month, are needed)',
  'savings.reason.no_model':
    'no baseline model qualified: the weather and calendar did not explain the use well enough',
  'savings.reason.model_cv_rmse':
    'the baseline model misses monthly use by more than ASHRAE Guideline 14 allows (CV(RMSE) above 15 %)',
  'savings.reason.model_nmbe': 'the baseline model is biased beyond ASHRAE Guideline 14 (NMBE beyond ±5 %)',
  'savings.reason.before_baseline': 'the month lies before the baseline period',
  'savings.reason.in_baseline': 'the month lies in the baseline period: no savings are claimed for it',
  'savings.reason.coverage': 'meters covered less than 90 % of the month',
  'savings.reason.weather_missing': 'the outdoor temperature is missing on more than 10 % of the days',
  'savings.reason.season_fit': 'the baseline model missed this month of the baseline year by more than 15 %',
  'savings.reason.negligible_use':
    'almost nothing was used or expected this month (heating out of season): no percentage to rank',
  'savings.reason.no_expected': 'no expected consumption',
  'savings.cli.notRanked': '{school} {utility}: not ranked: {reasons}',
  'savings.cli.interval': '{school} {utility}: savings {pct} % (90 % interval {low} … {high} %), {method}',
  'savings.method.daily_model': 'baseline model',
  'savings.method.last_year_scaled': "indicative: last year's month, adjusted for school days and weather",
  'savings.method.none': 'no expected consumption',
  'savings.dashboard.row': 'Savings',
  'savings.dashboard.savings': 'Savings against the baseline, with 90 % interval',
  'savings.dashboard.savingsDescription':
    'Monthly rows of the savings report (measurement monthly_report): savings in % of expected use, the ' +
    '90 % interval of ASHRAE Guideline 14, savings since the baseline, and whether the figure passes the gates ' +
    '(failed: not ranked, see the report for why).',
  'savings.dashboard.school': 'School',
  'savings.dashboard.utility': 'Utility',
  'savings.dashboard.savingsPct': 'Savings %',
  'savings.dashboard.low': 'Low (90 %)',
  'savings.dashboard.high': 'High (90 %)',
  'savings.dashboard.cumulative': 'Since baseline %',
  'savings.dashboard.gate': 'Gate',
  'savings.dashboard.method': 'Method',
  'savings.gate': '{value, select, pass {passed} fail {failed} other {{value}}}',
  'savings.config.baselineOrProgrammeStart': 'either baseline or programmeStart, not both',
  'savings.config.baselineTooShort':
    'a baseline of at least 12 months (365 days) from {from}; it has {days, plural, one {# day} other {# days}}',
  'report.column.savingsLow': 'Savings low (90 %)',
  'report.column.savingsHigh': 'Savings high (90 %)',
  'report.column.savingsPctLow': 'Savings (%) low (90 %)',
  'report.column.savingsPctHigh': 'Savings (%) high (90 %)',
  'report.column.fsu': 'Fractional savings uncertainty (90 %)',
  'report.column.gate': 'Gates',
  'report.column.gateReasons': 'Why not ranked',
  'report.column.baselineFrom': 'Baseline from',
  'report.column.baselineTo': 'Baseline to',
  'report.column.reportingFrom': 'Savings counted from',
  'report.column.cumulativeSavings': 'Savings since baseline',
  'report.column.cumulativeSavingsPct': 'Savings since baseline (%)',
  'report.column.cumulativeSavingsLow': 'Savings since baseline low (90 %)',
  'report.column.cumulativeSavingsHigh': 'Savings since baseline high (90 %)',
  'report.column.blackoutDays': 'Days of works (not counted)',

  // ---- Web app (web/): pages, forms, signed links; people's logins (app/admin/users.ts, store/users.ts) ----
  'admin.user.usage': `usage: npm run admin -- user <command> [options]

commands:
  add <username> --role ROLE [--name NAME] [--schools ID,ID] [--password P]
        a login for the web app; without --password one is generated and shown once
        ROLE is viewer, maintenance or admin; NAME is how histories name the person (e.g. 王师傅);
        --schools: the schools the person looks after (their incident list shows those)
  passwd <username> [--password P]
        a new password (generated unless given); the person's sessions end at once
  set <username> [--role ROLE] [--name NAME] [--schools ID,ID]
        changes a login; --schools '' means every school
  disable <username>    the person can no longer sign in; their sessions end at once
  enable <username>     the login works again
  list [--all]          logins (--all: disabled ones too); never a password or hash

Passwords are at least 10 characters and kept as scrypt hashes.
The store is DATA_DIR (default ./data), as for the service; a running service sees changes at once.
Once anyone has a login, the web app asks everyone to sign in (unless ALLOW_ANONYMOUS=1).`,
  'admin.user.usernameNeeded': 'name the login: npm run admin -- user <command> <username>',
  'admin.user.roleNeeded': '--role is needed: one of {roles}',
  'admin.user.passwordShort': 'the password has {length} characters; at least {minimum} are needed',
  'admin.user.unknownSchools': 'no school {schools} in {source}; the schools are {known}',
  'admin.user.nothingToSet': 'nothing to change: give --role, --name or --schools',
  'admin.user.allSchools': 'all schools',
  'admin.user.added': 'login {username} made for {name}: role {role}, schools: {schools}',
  'admin.user.updated': 'login {username} ({name}) now: role {role}, schools: {schools}',
  'admin.user.password': 'password (shown only now, hand it over in person): {password}',
  'admin.user.passwordSet':
    'new password for {username}; {sessions, plural, =0 {no session was open} one {# session ended} other {# sessions ended}}',
  'admin.user.disabled': 'login {username} disabled; its sessions ended',
  'admin.user.enabled': 'login {username} works again',
  'admin.user.none': 'no logins yet; add one with: npm run admin -- user add <username> --role maintenance',
  'admin.user.column':
    '{column, select, username {username} name {name} role {role} schools {schools} created {created} lastLogin {last sign-in} disabled {disabled} other {{column}}}',
  'user.error.badUsername':
    'login name {username} is not usable: letters, digits and . _ - @, starting with a letter or digit, at most 64',
  'user.error.badName': 'name {name} is not usable: 1 to 64 characters, no control characters',
  'user.error.taken': 'there is already a login {username}',
  'user.error.notFound': 'no login {username}; see npm run admin -- user list --all',
  'user.error.disabled': 'login {username} is already disabled',
  'web.app': 'schoolmeter',
  'web.skipToContent': 'Skip to the content',
  'web.language': '{locale, select, en {English} other {中文}}',
  'web.role': '{role, select, viewer {viewer} maintenance {maintenance} admin {admin} other {{role}}}',
  'web.signIn': 'Sign in',
  'web.signOut': 'Sign out',
  'web.nav.label': 'Pages',
  'web.nav.item':
    '{item, select, incidents {Incidents} district {Schools} quality {Data quality} savings {Savings} readiness {Term readiness} other {{item}}}',
  'web.show': 'Show',
  'web.print': 'Print',
  'web.never': 'never',
  'web.ago': '{ago} ago',
  'web.severity': '{severity, select, critical {critical} warning {warning} info {info} other {{severity}}}',
  'web.severityCount':
    '{count} {severity, select, critical {critical} warning {warning} info {info} other {{severity}}}',
  'web.status':
    '{status, select, open {open} acknowledged {being handled} resolved {resolved} other {{status}}}',
  'web.meterState':
    '{state, select, ok {reporting} offline {silent} never_reported {never reported} stale {stale data} other {{state}}}',
  'web.kind':
    '{kind, select, water {water} electricity {electricity} heat {heating} temperature {temperature} other {{kind}}}',
  'web.buildingUse':
    '{use, select, teaching {teaching} dormitory {dormitory} canteen {canteen} gym {gym} office {office} other {{use}}}',
  'web.family':
    '{family, select, water_loss {Water loss} appliance {Appliance in a room} electricity_waste {Electricity waste} heating_waste {Heating waste} heating_fault {Heating fault} meter_silent {Meter silent} meter_register {Meter register} quota {Quota} other {{family}}}',
  'web.rule':
    '{rule, select, water_continuous_flow {continuous flow} water_after_hours_flow {flow while empty} water_burst {burst} water_night_flow {night flow} water_cistern_refill {cistern refilling} electricity_high_power_appliance {high-power appliance} electricity_after_hours {power while empty} heat_unoccupied_heating {heating while empty} heat_frost_risk {frost risk} heat_low_delta_t {low ΔT} heat_no_heat {no heat} heat_overheating {overheating} meter_offline {meter silent} meter_register_anomaly {register anomaly} quota_term {on track to exceed the term quota} quota_year {on track to exceed the annual quota} other {{rule}}}',
  'web.transition':
    '{transition, select, opened {opened} occurred {occurred again} worsened {worsened} escalated {escalated} acknowledged {acknowledged} assigned {assigned} resolved {resolved} other {{transition}}}',
  'web.action':
    '{action, select, ack {Acknowledge: I am on it} assign {Assign} resolve {Resolve} false_alarm {False alarm} other {{action}}}',
  'web.rejectReason':
    '{reason, select, bad_topic {topic not understood} bad_json {not JSON} bad_schema {reading malformed} unknown_school {school not in the registry} unknown_meter {meter not in the registry} wrong_kind_fields {fields of another kind of meter} bad_timestamp {time missing or in the future} too_large {message too large} implausible_value {impossible value} other {{reason}}}',
  'web.unit': '{unit, select, L_min {L/min} kW {kW} degC {°C} L {L} kWh {kWh} other {{unit}}}',
  'web.field.school': 'School',
  'web.field.meter': 'Meter',
  'web.field.status': 'Status',
  'web.field.lastReading': 'Last reading',
  'web.field.lastDay': 'Last 24 hours',
  'web.field.value':
    '{field, select, volume_m3 {register {value} m³} flow_lpm {flow {value} L/min} energy_kwh {register {value} kWh} power_w {power {value} W} pf {power factor {value}} voltage_v {{value} V} current_a {{value} A} power_kw {power {value} kW} supply_c {supply {value} °C} return_c {return {value} °C} flow_m3h {flow {value} m³/h} temp_c {{value} °C} humidity_pct {humidity {value} %} other {{field} {value}}}',
  'web.incidents.title': 'Open incidents',
  'web.incidents.count':
    '{count, plural, =0 {No open incident} one {# open incident} other {# open incidents}}',
  'web.incidents.none': 'Nothing to do: no incident is open.',
  'web.incidents.mySchools': 'My schools',
  'web.incidents.allSchools': 'All schools',
  'web.incidents.assignedToMe': 'assigned to me',
  'web.incident.title': 'Incident {id}',
  'web.incident.where': 'Where',
  'web.incident.meter': 'meter {meter}',
  'web.incident.sinceLabel': 'Since',
  'web.incident.since': 'since {when} ({ago})',
  'web.incident.lastSeen': 'Last seen',
  'web.incident.perDay': 'What it costs a day',
  'web.incident.costPerDay': 'costs {cost} a day',
  'web.incident.assignedTo': 'Assigned to',
  'web.incident.acknowledgedBy': 'Acknowledged by',
  'web.incident.resolvedBy': 'Resolved by',
  'web.incident.falseAlarm': 'a false alarm',
  'web.incident.note': 'Note',
  'web.incident.actions': 'What will you do?',
  'web.incident.noteLabel': 'Note for the record (what was found, what was done)',
  'web.incident.assignLabel': 'Give it to (name)',
  'web.incident.readOnly':
    'Your login ({role}) can read this incident but not act on it; a maintenance login can.',
  'web.incident.evidence': 'Evidence',
  'web.incident.occurrences': '{count, plural, one {Occurred once} other {Occurred # times}}',
  'web.incident.history': 'History',
  'web.incident.done':
    '{action, select, ack {Acknowledged: everyone can see you are on it.} assign {Assigned.} resolve {Resolved. Thank you.} false_alarm {Marked as a false alarm; the rules will learn from it.} other {Done.}}',
  'web.incident.failed':
    '{reason, select, resolved {This incident is already resolved.} assigneeMissing {Say who to give it to.} other {That did not work.}}',
  'web.link.notice': 'Opened from the link sent to {to}. It works for this incident only, until {until}.',
  'web.chart.measure':
    '{hourly, select, true {{kind, select, water {Water used per hour} other {Energy used per hour}}} other {{kind, select, water {Flow} electricity {Power} heat {Heating power} temperature {Temperature} other {{kind}}}}}',
  'web.chart.fault': 'fault',
  'web.chart.summary':
    '{measure} over the last {hours} hours, highest {peak} {unit}{fault, select, true {; the fault, since {since}, is marked} other {}}.',
  'web.chart.empty': '{measure} over the last {hours} hours: no readings yet.',
  'web.chart.table': 'Show the numbers',
  'web.chart.time': 'Time',
  'web.sparkline': 'last 24 hours, from {min} to {max} {unit}',
  'web.district.title': 'Schools',
  'web.district.caption': 'Each school now: meters, open incidents, and this month against the expected use',
  'web.district.meters': 'meters',
  'web.district.silent': 'silent',
  'web.district.metersColumn': 'Meters',
  'web.district.incidentsColumn': 'Open incidents',
  'web.district.monthColumn': 'This month so far',
  'web.district.reporting': '{ok} of {total} reporting',
  'web.district.silentCount': '{count, plural, one {# silent meter} other {# silent meters}}',
  'web.district.staleCount':
    '{count, plural, one {# meter with stale data} other {# meters with stale data}}',
  'web.district.noIncidents': 'none',
  'web.district.vsExpected': '(expected {expected}{hasPct, select, true {, {pct} % saved} other {}})',
  'web.school.meters': 'Buildings and meters',
  'web.meter.readingAt': 'reading of {at}, arrived {received} ago',
  'web.meter.interval': 'Reports every',
  'web.meter.lastHours': 'The last {hours} hours',
  'web.meter.incidents': 'Incidents on this meter',
  'web.quality.title': 'Data quality',
  'web.quality.silent': '{count, plural, =0 {No silent meter} one {# silent meter} other {# silent meters}}',
  'web.quality.silentCaption': 'Meters that stopped reporting or never did',
  'web.quality.noneSilent': 'Every meter is reporting.',
  'web.quality.stale':
    '{count, plural, =0 {No stale data} one {# meter with stale data} other {# meters with stale data}}',
  'web.quality.staleCaption': 'Readings arrive, but late: a gateway catching up, or a wrong clock',
  'web.quality.noneStale': 'No meter sends old readings.',
  'web.quality.rejected': 'Rejected readings by reason',
  'web.quality.since': 'Counted since the service started ({since}).',
  'web.quality.noneRejected': 'No reading was rejected.',
  'web.quality.reason': 'Reason',
  'web.quality.countColumn': 'Readings',
  'web.quality.latest': 'Latest',
  'web.quality.unknownSchool': 'unknown school',
  'web.savings.title': 'Savings',
  'web.savings.heading':
    'Savings, {month}: {utility, select, water {water} electricity {electricity} heat {heating} other {{utility}}}',
  'web.savings.csv': 'Download CSV',
  'web.savings.monthly': 'Monthly report',
  'web.savings.noRows': 'No figures for this month yet.',
  'web.savings.interval': '90 % interval (%)',
  'web.savings.range': '{low} to {high}',
  'web.savings.gate': '{gate, select, pass {passes the gates} fail {fails a gate} other {{gate}}}',
  'web.savings.indicative': 'indicative only',
  'web.savings.league': 'League table',
  'web.savings.noneRanked': 'No school has a figure that passes the gates this month.',
  'web.savings.rankedLine':
    'saved {pct} %{interval, select, true { (90 % interval {low} to {high} %)} other {}}',
  'web.savings.unranked': 'Not ranked',
  'web.savings.noReason': 'no reason given',
  'web.savings.ytd': 'Year to date ({from} to {to})',
  'web.savings.monthsCompared': '({compared} of {months} months compared)',
  'web.readiness.title': 'Start-of-term readiness',
  'web.readiness.noTerm': 'No term ahead in the calendar.',
  'web.readiness.headline':
    '{ready, select, true {Ready} other {Not ready}} for {term}, which starts on {start} ({days, plural, =0 {today} one {in # day} other {in # days}}).',
  'web.readiness.passed': '{ok, select, true {passed:} other {failed:}}',
  'web.readiness.checked': 'Checked {at}.',
  'web.login.title': 'Sign in',
  'web.login.username': 'Login name',
  'web.login.password': 'Password',
  'web.login.submit': 'Sign in',
  'web.login.failed': 'That login name and password do not match.',
  'web.login.wait': 'Too many failed sign-ins. Try again in {seconds} seconds.',
  'web.login.help': 'No login yet? Ask the district office: they make one with npm run admin -- user add.',
  'web.refused.forbidden': 'Your login may not do this',
  'web.refused.notFound': 'Not found',
  'web.refused.badForm': 'The form could not be accepted',
  'web.refused.linkExpired': 'This link has expired',
  'web.refused.linkInvalid': 'This link is not valid',
  'web.refused.linkOtherIncident': 'This link is for another incident',
  'web.refused.explain':
    '{reason, select, forbidden {Your role does not allow it. Ask the district office if you need to.} notFound {There is no such page, incident, school or meter.} badForm {The page was open too long or came from another site. Go back, reload the page and try again.} linkExpired {Links in notifications work for a limited time. Sign in to see the incident, or ask for a new notification.} linkInvalid {The link is incomplete or was changed. Open it again from the notification, or sign in.} linkOtherIncident {A link works for the incident it was sent for, and no other. Open that incident’s own link, or sign in.} other {It cannot be done.}}',
  'web.refused.home': 'Go to the start page',

  // ---- Notifications: channels, contacts, incidents told to people by e-mail and group robots (notify/) ----
  'config.source.channels': 'notification channels in the registry',
  'config.expected.channelName':
    'a channel name of lower-case letters, digits, _ and - (wecom, dingtalk, feishu)',
  'config.expected.phone': 'a mobile number of digits, e.g. 13800138000 or +86 138 0013 8000',
  'config.expected.anyKey': 'one of the keys {keys}',
  'notify.severity': '{severity, select, critical {Critical} warning {Warning} other {Notice}}',
  'notify.transition':
    '{transition, select, opened {New fault} worsened {Getting worse} escalated {Nobody has taken this on} acknowledged {Taken on} assigned {Assigned} resolved {Resolved} other {Update}}',
  'notify.headline': '{transition} · {severity}',
  'notify.place.space': '{building} · {space}',
  'notify.meter': 'Meter: {meter}',
  'notify.meterNamed': 'Meter: {name} ({id})',
  'notify.since': 'Since {time}',
  'notify.seen': '{count, plural, one {Seen once} other {Seen # times}}',
  'notify.acknowledged': 'Taken on by {by}',
  'notify.assigned': 'Assigned to {to}',
  'notify.resolved': '{falseAlarm, select, true {Closed as a false alarm by {by}} other {Resolved by {by}}}',
  'notify.resolvedByRule': 'The readings are back to normal: it cleared by itself',
  'notify.escalated': 'Open since {time} and nobody has taken it on',
  'notify.note': 'Note: {note}',
  'notify.onDuty': 'On duty: {names}',
  'notify.link.label': 'Open it · take it on with one tap',
  'notify.link.short': 'Open',
  'notify.link.line': 'Open it and take it on with one tap: {url}',
  'notify.link.missing':
    'No link yet: set PUBLIC_URL to the address people open schoolmeter at, and notifications will carry a link to take the incident on with one tap.',
  'notify.digest.storm':
    '{count, plural, one {# incident} other {# incidents}} in {minutes, plural, one {# minute} other {# minutes}}, in one message',
  'notify.digest.counts': '{critical} critical · {warning} warning · {info} notice',
  'notify.digest.history':
    'While past readings were caught up on, {count, plural, one {# incident opened and cleared by itself} other {# incidents opened and cleared by themselves}}',
  'notify.digest.daily': 'Daily digest: {count, plural, one {# waste incident} other {# waste incidents}}',
  'notify.digest.item': '{mark} {school} · {place}: {sentence}',
  'notify.digest.span': '{from} – {to}',
  'notify.digest.more': '… and {count} more in the next message',
  'notify.mail.subject':
    '{transition, select, worsened {[Worse] } escalated {[Escalated] } acknowledged {[Taken on] } resolved {[Resolved] } other {}}[{severity}] {school}: {sentence}',
  'notify.mail.school': 'School: {school}',
  'notify.mail.place': 'Where: {place}',
  'notify.mail.rule': 'Rule: {rule}',
  'notify.mail.incident':
    'Incident #{id}, {status, select, open {open} acknowledged {taken on} other {resolved}}',
  'notify.mail.evidence': 'Evidence (raw values):',
  'notify.mail.evidenceLine': '  {key}: {value}',
  // District reporting: classification, sub-items, the platform package, quotas, heating compliance, the leak dossier
  'classification.expected.code':
    'a building code: 6-digit administrative division, category letter A–H (D: education), 3-digit serial, e.g. 220112D001',
  'classification.expected.dataCenterId': 'the 6-digit data-centre id the ministry assigned, e.g. 220100',
  'classification.expected.uniqueCode': 'a building code no other building has (this one is taken by {seen})',
  'classification.expected.division':
    'a code whose first six digits are an administrative division (its first two name a province, e.g. 22 for Jilin)',
  'classification.expected.category': 'for a {kind} meter, one of {categories}',
  'classification.expected.noCategory': 'nothing: a {kind} sensor measures no energy',
  'classification.expected.subItemElectricity': 'no sub-item: sub-items classify electricity only',
  'classification.category':
    '{value, select, electricity {electricity} water {water} gas {gas} heat {district heating} cooling {district cooling} other {other energy}}',
  'classification.item':
    '{value, select, total {total} unclassified {not classified} lighting_sockets {lighting and sockets} lighting_sockets_rooms {room lighting and sockets} lighting_sockets_corridors {corridor and emergency lighting} lighting_sockets_outdoor {outdoor lighting} air_conditioning {air conditioning} air_conditioning_plant {heating and cooling plant} air_conditioning_terminals {air-conditioning terminals} power {power} power_lifts {lifts} power_pumps {pumps} power_fans {fans} special {special} special_data_centre {data centre} special_laundry {laundry} special_kitchen {kitchen and canteen} special_pool {swimming pool} special_gym {gym} special_other {other special use} other {{value}}}',
  'subitems.column.school': 'School',
  'subitems.column.building': 'Building',
  'subitems.column.category': 'Category',
  'subitems.column.item': 'Item',
  'subitems.column.code': 'Item code',
  'subitems.column.unit': 'Unit',
  'subitems.column.used': 'Use',
  'subitems.column.share': 'Share of category, %',
  'subitems.column.coverage': 'Coverage, %',
  'platform.error.notConfigured':
    'No data-centre id: set district.platform.dataCenterId in the registry to the 6-digit id the ministry assigned (docs/reporting.md).',
  'platform.error.badDate': '{date} is not a date: give the day as YYYY-MM-DD, e.g. 2026-10-12.',
  'platform.uncoded':
    '{count, plural, one {# building has meters but no code and is left out} other {# buildings have meters but no code and are left out}}: {buildings}. Give each a code in the registry.',
  'district.cli.usage': `usage: npm run district -- <command> [options]

commands:
  subitems --month YYYY-MM | --date YYYY-MM-DD   use per energy category and electricity sub-item
           [--school ID] [--by-building] [--csv]
  package  --date YYYY-MM-DD [--out DIR]         the day's data package for the provincial platform
                                                 (<data-centre id><date>.zip)
  quotas   [--school ID] [--date YYYY-MM-DD] [--csv]
                                                 each school's projection to the end of term and year
                                                 against its quotas, from the days up to that date
  heating  --week YYYY-MM-DD [--school ID] [--csv]
                                                 classrooms below 18 °C in occupied heating hours, the week
                                                 starting on that Monday
  dossier  --incident N [--out FILE]             the PDF dossier of a resolved water incident

options:
  --locale L          zh-CN or en (default: LOCALE, else the district's)
  -h, --help          this text`,
  'district.cli.unknownCommand': 'There is no command "{command}": use one of {commands}.',
  'district.cli.needsPeriod': 'Say which period: --month YYYY-MM or --date YYYY-MM-DD.',
  'district.cli.needsDate': 'Say which day: --date YYYY-MM-DD.',
  'district.cli.written': 'Written: {file}',
  'dossier.title': 'Leak dossier: incident #{id}',
  'dossier.generated': 'Drawn up by schoolmeter on {time}, from the meter readings and the incident record.',
  'dossier.section.summary': 'Summary',
  'dossier.section.evidence': "Evidence: the meter's hourly use",
  'dossier.section.timeline': 'What happened, and who was told',
  'dossier.section.meter': 'The meter and its place',
  'dossier.label.school': 'School',
  'dossier.label.place': 'Where',
  'dossier.label.building': 'Building',
  'dossier.label.buildingCode': 'Building code',
  'dossier.label.space': 'Room',
  'dossier.label.meter': 'Meter',
  'dossier.label.parent': 'Upstream meter',
  'dossier.label.incident': 'Incident',
  'dossier.label.period': 'The leak',
  'dossier.label.duration': 'For',
  'dossier.label.rate': 'Leak rate',
  'dossier.label.volume': 'Water lost',
  'dossier.label.cost': 'Cost of the water lost',
  'dossier.label.toAcknowledge': 'First alert to someone on it',
  'dossier.label.toResolve': 'First alert to resolution',
  'dossier.range': '{low} to {high}',
  'dossier.period': 'began between {earliest} and the first alert at {alert}; stopped {stopped}',
  'dossier.column.time': 'Time',
  'dossier.column.event': 'Event',
  'dossier.column.who': 'Who',
  'dossier.note': 'Note: {note}',
  'dossier.event.firstFlow':
    "Earliest the leak can have begun: the meter's use has not fallen below the leak's rate since",
  'dossier.event.alert': 'Alert raised: {rule}',
  'dossier.event.notified':
    '{transition, select, opened {Told of the new fault} worsened {Told it got worse} escalated {Escalated: told that nobody had taken it on} acknowledged {Told it was taken on} assigned {Told of the assignment} resolved {Told it was resolved} other {Told: {transition}}}',
  'dossier.event.notifyPending': 'Notification not sent yet ({transition})',
  'dossier.event.notifyFailed': 'Notification could not be delivered ({transition})',
  'dossier.event.transition':
    '{transition, select, worsened {Got worse} escalated {Escalated} acknowledged {Acknowledged: someone is on it} assigned {Assigned} resolved {Resolved} other {{transition}}}',
  'dossier.event.flowStopped': 'Flow back to normal: the alerts cleared',
  'dossier.chartCaption':
    "Litres per hour. Red: the hours of the leak, from its earliest possible start until the flow stopped; dashed: the leak's rate as the rules measured it. The scale stops at 12 times that rate, so that the night hours show the leak: taller bars are cut, with a mark on top.",
  'dossier.noData': 'No hourly readings of this meter are kept for the period.',
  'dossier.method':
    "How the figures are found. The leak's rate is the largest loss per day the alerts on its own meter estimated, per hour. Hourly readings cannot tell a drip from daytime use, so the start is given as a span: from the end of the last hour before the first alert in which the meter used less than 80 % of that rate, to the first alert. The leak stopped when its alerts cleared (or at resolution, if earlier). Water lost = rate × duration, from the first alert (at least) and from the earliest start (at most); cost = water lost × the meter's tariff. Times are the school's local time.",
  'dossier.page': '{title} · page {page} of {pages}',
  'dossier.error.notWater':
    'Incident #{id} is not a water incident: a leak dossier is drawn up for water losses only.',
  'dossier.error.notResolved':
    'Incident #{id} is not resolved yet: the dossier is drawn up once it is, so that it tells the whole story.',
  'dossier.error.noFont':
    "The dossier needs the Noto Sans CJK font at {file}: install Debian's fonts-noto-cjk package (apt-get install fonts-noto-cjk).",
  'dossier.link': 'Leak dossier (PDF): the timeline, the water lost and its cost, the evidence',
  'district.cli.needsIncident': 'Say which incident: --incident N (its number, as on the incident page).',
  'quota.onTrack':
    '{school} is on track to use {projected, number} {unit, select, m3 {m³} other {kWh}} of {utility, select, water {water} electricity {electricity} other {heat}} this {period, select, term {term} other {year}} ({name}, to {end}) against a quota of {limit, number}: it will cross the quota on {crossesOn} and end {overBy, number} {unit, select, m3 {m³} other {kWh}} ({overPct, number} %) over, unless use comes down',
  'quota.exceeded':
    '{school} has used more {utility, select, water {water} electricity {electricity} other {heat}} than its quota of {limit, number} {unit, select, m3 {m³} other {kWh}} for this {period, select, term {term} other {year}} ({name}, since {crossesOn}) and is on track to end {overBy, number} ({overPct, number} %) over',
  'quota.column.school': 'School',
  'quota.column.utility': 'Utility',
  'quota.column.period': 'Quota period',
  'quota.column.limit': 'Quota',
  'quota.column.usedToDate': 'Used to date',
  'quota.column.projected': 'Projected at the end',
  'quota.column.overPct': 'Over (+) / under (−) the quota, %',
  'quota.column.crossesOn': 'Crosses the quota on',
  'quota.column.daysLeft': 'School days / other days left',
  'quota.column.unit': 'Unit',
  'quota.period': '{period, select, term {term {name}} other {year {name}}}',
  'quota.daysLeft': '{school} / {other}',
  'quota.none':
    'No school has a quota in force: set quotas per school (or in defaults) in the registry (docs/reporting.md).',
  'heating.title': 'Heating compliance: classrooms below {min} °C while occupied',
  'heating.headline':
    '{school}, week of {week} to {to}: {rooms} of {of} classrooms below 18 °C for {hours} of {occupied} occupied hours measured; outdoors {outdoor} °C on average while occupied',
  'heating.outOfSeason': '{school}, week of {week} to {to}: not in the heating season',
  'heating.worst': 'The coldest occupied hours',
  'heating.worstLine': '{time} · {room}: {temp} °C (outdoors {outdoor} °C)',
  'heating.method':
    "An hour counts when the room is occupied by the school calendar (school hours, not holidays or vacations) and the day is in the heating season; its temperature is the mean of the room sensor's readings in that hour. Below {min} °C it is a cold hour. Hours without a reading are counted apart: a silent sensor hides a cold room.",
  'heating.column.school': 'School',
  'heating.column.week': 'Week from',
  'heating.column.building': 'Building',
  'heating.column.room': 'Classroom',
  'heating.column.occupiedHours': 'Occupied hours measured',
  'heating.column.coldHours': 'Hours below 18 °C',
  'heating.column.coldShare': 'Share below 18 °C, %',
  'heating.column.worstC': 'Coldest hour, °C',
  'heating.column.worstAt': 'Coldest at',
  'heating.column.outdoorC': 'Outdoors in the cold hours, °C',
  'heating.column.missingHours': 'Occupied hours without a reading',
  'district.cli.needsWeek':
    'Say which week: --week YYYY-MM-DD (any day of it; the week runs Monday to Sunday).',
  // (end of district reporting)

  // ---- Readings taken but not counted, answered on schools/{school}/rejected (ingest/pipeline.ts) ----
  'ingest.notCounted.duplicate':
    'meter {meter} already has a reading at {ts}: it is counted once (newest reading {latest}; readings before {watermark} are not counted)',
  'ingest.notCounted.late':
    "the reading of {ts} is older than meter {meter}'s watermark, {watermark} (its newest reading, {latest}, less {minutes} minutes, or the oldest it remembers): it is stored, but not counted into consumption",

  // ---- The tools' command lines and progress lines (core/cli.ts, core/progress.ts; npm start,
  // simulate, evaluate, evaluate:savings, bench, profile, screenshots) ----
  'cli.notOneOf': '{option} is one of {values}, not "{value}"',
  'cli.seeHelp':
    '{script, select, start {`npm start -- --help`} other {`npm run {script} -- --help`}} lists the options.',
  'cli.progress': '{what}: {percent} done ({done}), {rate}, {elapsed} so far, about {left} left',
  'cli.progress.noEstimate': '{what}: {percent} done ({done}), {rate}, {elapsed} so far',
  'cli.rate.readings': '{rate} readings/s',
  'cli.rate.runs': '{rate} runs/min',
  'cli.notWhole': '{option} takes a whole number from {min} to {max}, not "{value}"',
  'start.cli.usage': `usage: npm start

Starts schoolmeter: the MQTT broker, the rules, the web app and the API. It takes no options; it
is configured through environment variables, for example

  HTTP_PORT=8081 MQTT_PORT=1884 DATA_DIR=/var/lib/schoolmeter npm start
  CONFIG=district.yaml INFLUX_URL=http://localhost:8086 INFLUX_DATABASE=schoolmeter npm start

Every variable, with its default: README.md, "Configuration", and docs/configuration.md.
Without CONFIG it runs the demo district, fed by the simulator (DEMO=0 turns that off).`,
  'simulate.cli.usage': `schoolmeter simulator — whole schools of meters, with faults, over MQTT

usage: npm run simulate -- [options]

what to simulate
  --config FILE          registry (YAML/JSON); default: the bundled demo district
  --schools N            generate a district of N schools instead (see --rooms, --write-config)
  --rooms N              metered rooms per dormitory in a generated district (default 40)
  --kind KIND            generate a district of a kind instead, from --seed:
{kinds}
  --write-config FILE    write the generated district's registry here (give it to the service as CONFIG)
  --only a,b             simulate only these school ids
  --scenario NAME|FILE   faults to inject: demo, all-faults, or a scenario file (default: none)
  --plan-faults          inject a generated plan instead: faults of every class over the simulated
                         window, placed as they happen in schools (see --write-scenario)
  --write-scenario FILE  write the planned faults as a scenario file
  --truth FILE           write the injected faults as JSON lines (ground truth)
  --seed S               random seed; the same seed gives the same district and readings
                         (default schoolmeter)

when
  --mode MODE            realtime (default), backfill, or once
  --start TIME           simulated start: ISO-8601 with offset, "now", or relative such as -7d, -36h
                         (default: now for realtime, -7d for backfill and once)
  --end TIME             backfill/once end (default: now); realtime runs until stopped unless given
  --speed X              realtime speed factor, 1 … 3600 (default 1); never runs past the wall clock

how to send
  --url URL              broker (default mqtt://127.0.0.1:1883)
  --username U --password P
  --gateway / --no-gateway   batch readings per building gateway (default: on for backfill)
  --batch N              readings per gateway message (default 100)
  --qos 0|1              (default: 1 for backfill, 0 otherwise)
  --out FILE             once mode: write the messages as JSON lines instead of publishing

  -h, --help             this text

The service that \`npm start\` runs simulates the demo district already: to publish the demo
district from here, start the service with DEMO=0 (two simulations of one meter disagree on its
register, and the service flags the jumps as register anomalies).

examples
  npm run simulate                                   # the demo district, live, into the local broker
  npm run simulate -- --mode backfill --start -30d --scenario all-faults --truth truth.jsonl
  npm run simulate -- --schools 1000 --write-config big.yaml --mode once --end +1h --out /dev/null
  npm run simulate -- --kind rural-boarding --seed 7 --write-config rural.yaml --mode once \\
      --start 2026-12-07T00:00:00+08:00 --end 2026-12-14T00:00:00+08:00 --plan-faults --truth t.jsonl --out m.jsonl`,
  'simulate.cli.badMode': '--mode is realtime, backfill or once, not "{mode}"',
  'simulate.cli.badKind': '--kind is one of {kinds}, not "{kind}"',
  'simulate.cli.notBoth': 'give {a} or {b}, not both',
  'simulate.cli.badSchools': '--schools takes a positive whole number, not "{value}"',
  'simulate.cli.badTime': '"{value}" is not a time: give ISO-8601 with an offset, "now", or -7d / +1h',
  'simulate.cli.badSpeed': '--speed is between 1 and 3600, not "{value}"',
  'simulate.cli.planNeedsEnd': '--plan-faults needs an --end: faults are planned over the simulated window',
  'simulate.cli.scenarioNeedsPlan': '--write-scenario writes the plan of --plan-faults: give that too',
  'simulate.cli.badQos': '--qos is 0 or 1, not "{value}"',
  'simulate.demoDistrictNote':
    'simulate: note: `npm start` feeds the demo district from its own simulator. Readings of a second simulation disagree with its registers, and the service raises meter.register_anomaly alerts for the jumps. To publish the demo district from here, start the service with DEMO=0; or simulate another district (--schools, --kind, --config).',
  'simulate.cli.noBroker':
    'simulate: cannot reach the MQTT broker at {url} ({reason}). Start the service first (npm start), or give the broker with --url.',
  'simulate.cli.brokerRefused':
    'simulate: the MQTT broker at {url} refused the connection (CONNACK {reason}). Give a gateway login with --username and --password (npm run admin -- gateway add).',
  'simulate.progress.what': 'backfill',
  'simulate.progress.done': '{readings} readings, simulated to {time}',
  'simulate.summary':
    'simulate: {readings} readings in {messages} messages over {meters} meters, simulated to {time}, in {seconds} ({rate})',
  'simulate.started': 'simulate: {mode} of {meters} meters from {time} to {url}',
  'evaluate.cli.usage': `schoolmeter evaluate — how well the rules find faults, on schools they were not tuned to

usage: npm run evaluate -- [options]

Each district is simulated for a warm-up week and its scored weeks, once with a fault of every
class and once without any, through the real decoder, registers, rules and alerts; each rule is
scored against the ground truth. Definitions: docs/rules.md, "Detection quality".

  --districts a,b   which districts (default: all)
{districts}
  --weeks N         scored weeks after the warm-up week (default 4); only faults that start and
                    end inside them count
  --seed S          seed of the generated districts, their fault plans and the readings (default evaluate)
  --start TIME      the first scored Monday for every district, ISO-8601 with offset
                    (default: each district's own; the demo's is {demoStart})
  --jobs N          runs at once, in worker threads (default: 2, at most the CPUs)
  --json FILE       write every table, fault and false alert as JSON
  -h, --help        this text

examples
  npm run evaluate
  npm run evaluate -- --districts demo,rural-boarding --weeks 1 --json baseline.json`,
  'evaluate.cli.unknownDistrict': 'no district "{district}": choose from {districts}',
  'evaluate.cli.badStart':
    '--start "{value}" is not a time: give a Monday as ISO-8601 with an offset, e.g. {example}',
  'evaluate.progress.what': 'evaluation',
  'evaluate.progress.done':
    '{done} of {total} runs; the last: {district}, {kind}, {readings} readings, {alerts} alerts',
  'evaluate.progress.withFaults': 'with faults',
  'evaluate.progress.faultFree': 'fault-free',
  'savings.evaluate.usage': `schoolmeter evaluate:savings — the monthly savings on reference series with known true savings

usage: npm run evaluate:savings

OpenEEmeter's reference series (test/fixtures/savings: an hourly electricity and an hourly gas
meter, true savings 10 %) go through ingest and the hourly rollups as readings would; each month
of the reporting year is printed as Markdown — actual, predicted, savings and its 90 % interval —
with the year against the truth and against CalTRACK's own figures. It takes no options.

  -h, --help   this text`,
  'bench.cli.usage': `schoolmeter bench — throughput, latency, overload and memory figures

usage: npm run bench -- [options]

The default suite, issue, runs the performance matrix unattended (20–25 minutes per checkout at
the default 60 s): the ceiling (Mosquitto → a subscriber that only parses JSON), single readings
and gateway batches of 100 × QoS 0/1 × embedded/external broker with the rules on, publish → alert
latency at a paced 10,000 readings/s, overload (QoS 1 at twice the sustainable rate), memory
(100,000 meters, restarted with their state). It prints tables and writes
bench/results/<suite>-<time>.json. Figures, never pass/fail checks: see docs/performance.md.

  --suite S              issue (default), ingest, simulator, pipeline or live-status; several with commas
  --seconds N            each throughput scenario's publishing time (60)
  --ceiling-seconds N    each ceiling measurement (30, at most --seconds)
  --scenarios a,b        ceiling, single-qos0-embedded … batch100-qos1-external (or a prefix such
                         as single, batch100-qos1), latency, overload, memory (default all)
  --service-dir [name=]path   the checkout to measure; repeat to compare, e.g.
                         --service-dir before=/work/before --service-dir after=.
  --meters N (10000)  --connections N (4)  --window N (100 QoS 1 messages in flight per connection)
  --latency-rate N (10000)  --faults-per-second N (10)
  --overload-rate N (default: --overload-factor × the single QoS 1 embedded rate just measured)
  --overload-factor N (2)  --memory-meters N (100000)  --memory-readings N (24, an hour apart)
  --service-env KEY=VALUE (repeat)   --rate-limit-value V
  --max-lead N           readings the publishers may run ahead of what the service accepted
                         (250000; 0 = no limit)
  suite ingest: --messages N (200000) --meters N (1000) --runs N (3) --qos 0|1 (0)
  suite simulator: --hours N (24) --runs N (3)
  suite pipeline: --readings N (300000) --meters N (10000)
  suite live-status: --meters N (100000) --runs N (3)
  -h, --help             this text`,
  'bench.cli.badNumber': '{option} takes a number, not "{value}"',
  'bench.cli.badSuite': '--suite is one or more of {suites}, not "{suite}"',
  'bench.cli.badEnv': '--service-env takes KEY=VALUE, not "{value}"',
  'bench.progress.what': 'benchmarks',
  'bench.progress.done': '{done} of {total} scenarios',
  'bench.progress.rate': '{minutes} min a scenario',
  'profile.cli.usage': `schoolmeter profile — where the service spends its CPU under load

usage: npm run profile -- [options]

Starts the service as its own process (as npm start does) under the single-reading QoS 0 load
through the embedded broker, with node --cpu-prof; prints the functions with the most self time
and leaves the .cpuprofile in bench/results/profiles/ — open it in Chrome DevTools (Performance →
Load profile) or at speedscope.app for the flame graph.

  --seconds N         how long to load it (30)
  --service-dir DIR   the checkout to profile (this one)
  --shape S           single or batch100 (single)
  --qos N             0 or 1 (0)
  --meters N          meters in the load (10000)
  --top N             functions to print (30)
  --influx 0|1        1: with a real InfluxDB (default); 0: rules and registers only
  -h, --help          this text`,
  'samples.cli.usage': `schoolmeter samples — the district reports' samples in docs/

usage: npm run samples

Builds the demo's dripping-tap leak dossier (PDF in zh-CN and en, its first page rendered to PNG
by poppler's pdftoppm) and one day's platform data package from the simulated demo district, and
writes them to docs/dossier/ and docs/platform/. It takes no options.

  -h, --help   this text`,
  'screenshots.cli.usage': `schoolmeter screenshots — every page of the web app, for the docs

usage: npm run screenshots

Starts the test district (the real service, fed over MQTT) and Debian's Chromium, and writes
every page of the web app at 360 px and 1280 px, in zh-CN, to docs/screenshots/. It takes no
options.

  -h, --help   this text`,

  // ---- Shards and shard leases (ingest/shard/; SHARD, SHARD_STANDBY, DATABASE_URL) ----
  'shard.expected.spec': 'k/n with k from 1 to n, e.g. 1/3 (this worker is shard k of n)',
  'shard.expected.withinCount': 'a shard from 1 to {count} (SHARD={shard} says there are {count})',
  'shard.expected.externalBroker':
    'set only together with MQTT_URL: the shards share one external (clustered) broker',
  'shard.health.refused':
    "connected to the broker at {address}, but it refused {count} of {total} subscriptions: those schools' readings are not received (see the log)",
  'shard.health.subscribing': 'connected to the broker at {address}, subscribing to the topics',
  'shard.expected.standby':
    "set only together with SHARD and DATABASE_URL: a standby waits for its shard's lease in PostgreSQL",
  // ---- The failover drill (npm run drill, bench/drill.ts) ----
  'drill.cli.usage': `schoolmeter drill — sharded workers on a clustered broker, killed mid-stream

usage: npm run drill -- [options]

Starts, on this machine and on free ports, a 3-node NATS cluster (MQTT and JetStream), PostgreSQL
and InfluxDB, then three compiled workers (SHARD=1/3, 2/3, 3/3) and a standby for shard 2 sharing
its data directory. A simulated district publishes through one gateway per school at QoS 1; a
third of the way through, worker 2 is killed (-9), and half-way through a NATS node. It reports
the readings the broker acknowledged, those InfluxDB holds, the lost (must be 0) and those stored
twice, how long worker 2's schools waited, and whether an incident was opened or notified twice.
Then the throughput of one and of two workers taking readings through the broker into a sink that
discards lines (docs/scaling.md). It takes several minutes; the figures depend on the machine.

  --schools N    schools in the simulated district (30)
  --hours N      hours of event time the stream carries (3)
  --seconds N    wall-clock seconds the stream takes (90)
  --part P       all, failover or throughput (all)
  -h, --help     this text`,
  'drill.step.build': 'Building the service (npm run build)…',
  'drill.step.services':
    'Starting a 3-node NATS cluster (MQTT, JetStream), PostgreSQL and InfluxDB on free ports…',
  'drill.step.workers': 'Starting {workers} workers (SHARD=k/{workers}) and a standby for shard {standby}…',
  'drill.step.stream':
    'Publishing {readings} readings of {schools} schools ({hours} h of event time) through {gateways} gateways at QoS 1, over {seconds} s…',
  'drill.step.killWorker': 'kill -9: the worker of shard {shard} (pid {pid})',
  'drill.step.killBroker': 'kill -9: NATS node {node} (pid {pid})',
  'drill.step.drain': 'The stream is over; waiting for InfluxDB to hold every acknowledged reading…',
  'drill.table.title':
    'Failover drill (a shared 2-core machine; one worker and one broker node killed mid-stream)',
  'drill.col.what': 'what',
  'drill.col.value': 'value',
  'drill.row.acked': 'readings acknowledged by the broker (PUBACK)',
  'drill.row.unacked': 'readings never acknowledged (the gateway would send them again)',
  'drill.row.ackGap': 'longest time the broker acknowledged nothing',
  'drill.row.stored': 'readings stored in InfluxDB',
  'drill.row.lost': 'lost: acknowledged, not stored (must be 0)',
  'drill.row.duplicates': 'stored twice',
  'drill.row.redelivered': 'delivered again to a worker, counted once',
  'drill.row.takeover': "time until the dead worker's schools were processed again",
  'drill.row.incidents': 'incidents opened',
  'drill.row.openedTwice': 'incidents opened twice',
  'drill.row.notifications': 'notifications sent (webhook)',
  'drill.row.notifiedTwice': 'notifications sent twice',
  'drill.row.liveStatus': "a meter of each shard asked of every worker: answers equal to its owner's",
  'drill.value.never': 'not within 2 minutes',
  'drill.verdict.ok':
    "Nothing acknowledged was lost, and no incident was opened or notified twice. The standby waited for the dead worker's lease to lapse ({lease} s) before taking its shard.",
  'drill.verdict.failed':
    'The drill failed: a reading acknowledged and not stored, one never acknowledged (the broker stopped taking them), an incident opened or notified twice, or a shard never taken over — see the rows above.',
  'drill.logsKept': "The NATS nodes' logs are in {dir}.",
  'drill.step.throughput':
    'Throughput ({broker}; workers: {workers}): 20 s of gateway batches for {meters} meters, published as fast as the workers take them, into a sink that discards lines…',
  'drill.throughput.title': 'Throughput (gateway batches of 100 at QoS 1 through the broker; no InfluxDB)',
  'drill.throughput.col.broker': 'broker',
  'drill.throughput.broker.cluster': 'NATS, 3 nodes',
  'drill.throughput.broker.single': 'NATS, 1 node',
  'drill.throughput.col.workers': 'workers',
  'drill.throughput.col.readings': 'readings',
  'drill.throughput.col.seconds': 'seconds',
  'drill.throughput.col.rate': 'readings/s',
  'drill.throughput.col.perWorker': 'per worker',
  'drill.throughput.col.workerCpu': 'worker CPU s',
  'drill.throughput.col.perCpuSecond': 'readings per worker CPU-second',
  'drill.throughput.col.brokerCpu': 'broker CPU s',
  'drill.throughput.note':
    "Measured on a machine shared with other work, the broker and the workers on the same two cores: the figures are this machine's, not a ceiling.",
  // ---- Moving the app store from SQLite to PostgreSQL (npm run admin -- store, store/postgres/copy.ts, store/db.ts) ----
  'store.inUse':
    'the database {file} is open in another process: a schoolmeter service running on this DATA_DIR. Stop the service first, then run this again.',
  'store.copy.noSource':
    'there is no app store to copy: {file} does not exist. Set DATA_DIR to the data directory the service used.',
  'store.copy.noDatabaseUrl':
    'DATABASE_URL is not set: name the PostgreSQL database to copy to, e.g. DATABASE_URL=postgres://schoolmeter:…@db.example:5432/schoolmeter',
  'store.copy.notEmpty':
    'the PostgreSQL database {server} already holds app data: {tables}. Nothing was copied. Name an empty database, or add --replace to discard what it holds and copy the SQLite app store in its place.',
  'store.copy.schemaMismatch':
    'the two schemas differ, so nothing was copied: {columns} are not in both. Use the same schoolmeter version for the service and for this command.',
  'store.copy.failed':
    'copying the app store to {server} failed{table, select, none {} other { at table {table}}}, and nothing was written: {detail}',
  'admin.store.usage': `usage: npm run admin -- store <command> [options]

commands:
  copy-to-postgres [--replace]   copy the app store from SQLite in DATA_DIR to the PostgreSQL
                                 database DATABASE_URL names, in one transaction, ids kept

What is copied: alerts and incidents with their history, the outbox, people and their sessions,
API tokens, the audit log, readiness reports, kept baselines, the registry as loaded and register
anomalies. The SQLite file is left as it was; the stream's state (per-meter state, journal
positions, rollups, the spool index, gateway logins) stays in it, on the worker's disk.

Stop the service first (the command refuses while it runs on this DATA_DIR), copy, then start the
service with DATABASE_URL set. A database that already holds app data is refused;
--replace discards what it holds first.`,
  'admin.store.column': '{column, select, table {table} rows {rows copied} other {{column}}}',
  'admin.store.copied':
    'Copied {rows, plural, one {# row} other {# rows}} of {tables, plural, one {# table} other {# tables}} from {file} to {server}, in one transaction; new rows take ids above those copied.',
  'admin.store.kept':
    "The SQLite file is left as it was. The stream's state stays there, on this machine's disk: {tables}.",
  'admin.store.next': 'Now start the service with DATABASE_URL set to this database.',
  // ---- Gateway logins as a NATS cluster's users (npm run admin -- gateway nats-users, ingest/broker/nats-users.ts) ----
  'admin.gateway.nats.header': `The users of the NATS cluster: the workers' login and one per active gateway, each held to its school.
Written by \`npm run admin -- gateway nats-users\`; edits here are lost when it runs again.
After a gateway is added, rotated or revoked, run it again and reload every node (nats-server --signal reload, or SIGHUP).`,
  'admin.gateway.nats.needRotation':
    '{count, plural, one {# gateway login was} other {# gateway logins were}} left out: {usernames}. Their passwords were set before the NATS form of the password was kept, so they cannot log in to the NATS cluster. Give each a new password with `npm run admin -- gateway rotate <username>`, put it in the gateway, and run nats-users again.',
  'admin.gateway.nats.unsafe':
    "{count, plural, one {# gateway login was} other {# gateway logins were}} left out: {usernames}. The username or school id cannot be written into the NATS configuration (characters a login may not have, or the workers' own NATS username). Revoke each and add it again under a plain username.",
  'admin.gateway.nats.written':
    "Wrote the workers' login and {count, plural, =0 {no gateway} one {# gateway} other {# gateways}} to {out, select, true {{file}} other {standard output}}. Reload every NATS node to apply it: nats-server --signal reload (or SIGHUP); live sessions stay connected.",
  'admin.gateway.nats.cannotWrite':
    'Cannot write {file} ({code}). Check that its folder exists and that this user may write there.',
  'admin.gateway.nats.workerNeeded':
    "nats-users writes the workers' login too: run it where MQTT_USERNAME (letters, digits, _ . -) and MQTT_PASSWORD ({minimum} characters to {maximum} bytes) are set as for the workers, e.g. in a worker's container",
  'admin.gateway.nats.passwordLong':
    '--password is too long ({bytes} bytes; at most {maximum}): the NATS cluster checks no further. Leave it out to get a generated one.',
} as const satisfies Record<string, string>
