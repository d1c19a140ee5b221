/** The Simplified Chinese catalogue: one entry for every key of `en.ts`, same placeholders. */
import type { en } from './en.js'

export const zhCN: Record<keyof typeof en, string> = {
  'common.unknown': '未知',

  // ---- Units (core/i18n formatQuantity: the ones Intl does not spell) ----
  'unit.m3': '{value} 立方米',
  'unit.kWh': '{value} 千瓦时',
  'unit.kW': '{value} 千瓦',
  'unit.W': '{value} 瓦',
  'unit.K': '{value} K',

  // ---- Configuration and environment problems (core/errors.ts, core/config, start-up checks) ----
  'config.invalid': '配置有误（{source}）：',
  'config.problem': '  - {path}：当前为 {value}，应为{expected}',
  'config.problem.atLine': '  - {path}（第 {line} 行）：当前为 {value}，应为{expected}',
  'config.problem.more': '  ……另有 {count} 处',
  'config.value.missing': '（未设置）',
  'config.source.environment': '环境变量',
  'config.source.ruleParams': '台账中的规则参数',
  'config.expected.noSuchKey': '此处没有这一项（拼写有误或位置放错？）',
  'config.expected.oneOf': '以下之一：{values}',
  'config.expected.required': '{count, plural, other {必填项 {keys} 的值}}',
  'config.expected.schoolId': '由小写字母、数字和连字符组成的编号（最多 64 个字符，不以连字符开头）',
  'config.expected.deviceId': '由字母、数字和 _ . - 组成的编号（最多 128 个字符，以字母或数字开头）',
  'config.expected.timeRange': 'HH:MM-HH:MM 格式的时段，例如 07:30-17:00',
  'config.expected.clockTime': 'HH:MM 格式的时刻，例如 07:30',
  'config.expected.localDate': 'YYYY-MM-DD 格式的日期',
  'config.expected.localDateTime': 'YYYY-MM-DDTHH:MM 格式的本地日期时间',
  'config.expected.monthDay': 'MM-DD 格式的日期，例如 11-15',
  'config.expected.month': 'YYYY-MM 格式的月份，例如 2026-10',
  'config.expected.ruleId': '规则编号，例如 water.burst',
  'config.expected.ruleOrFamily': '规则编号或规则类别，例如 water.burst 或 water.*',
  'config.expected.email': '电子邮件地址',
  'config.expected.httpUrl': '以 http:// 或 https:// 开头的地址',
  'config.expected.mqttUrl': '以 mqtt://、mqtts://、tcp://、ssl://、ws:// 或 wss:// 开头的地址',
  'config.expected.smtpUrl': '以 smtp:// 或 smtps:// 开头的地址',
  'config.expected.envName': '环境变量名（大写），例如 WEBHOOK_SECRET',
  'config.expected.currency': '三个字母的货币代码，例如 CNY',
  'config.expected.origins': '浏览器来源地址，例如 https://grafana.example，多个用逗号分隔，或 *',
  'config.expected.gzip': 'auto、off，或 1 到 9 的 zlib 压缩级别',
  'config.expected.tokenId': '12 位十六进制的令牌编号',
  'config.expected.pattern': '符合 {pattern} 的值',
  'config.expected.type':
    '{type, select, integer {整数} number {数字} string {文本} boolean {true 或 false} array {列表} object {键值映射} null {空值} other {{type} 类型的值}}',
  'config.expected.minItems': '{limit, plural, other {至少 # 项}}',
  'config.expected.maxItems': '{limit, plural, other {最多 # 项}}',
  'config.expected.minLength': '{limit, plural, other {至少 # 个字符}}',
  'config.expected.maxLength': '{limit, plural, other {最多 # 个字符}}',
  'config.expected.minimum': '不小于 {limit} 的数',
  'config.expected.maximum': '不大于 {limit} 的数',
  'config.expected.exclusiveMinimum': '大于 {limit} 的数',
  'config.expected.exclusiveMaximum': '小于 {limit} 的数',
  'config.expected.const': '值 {value}',
  'config.expected.format': '有效的 {format}',
  'config.expected.valid': '有效的值（{detail}）',
  'config.expected.readableFile': '可读取的 YAML 或 JSON 文件（{detail}）',
  'config.expected.yaml': '有效的 YAML 或 JSON：{detail}',
  'config.expected.timezone': 'IANA 时区，例如 Asia/Shanghai',
  'config.expected.uniqueSchool': '未被其他学校使用的学校编号',
  'config.expected.uniqueBuilding': '在本校内未被使用的楼栋编号',
  'config.expected.uniqueSpace': '在本楼内未被使用的房间编号',
  'config.expected.uniqueMeter': '在整个台账中唯一的表计编号（{seen} 处已使用）',
  'config.expected.space':
    '{count, plural, =0 {本楼的某个房间（本楼未登记房间）} other {本楼的某个房间（{spaces}）}}',
  'config.expected.parentSchool': '{school} 学校的表计',
  'config.expected.parentKind': '{kind} 类表计（该表为 {actual} 类）',
  'config.expected.parentSelf': '另一块表计，而不是它自己',
  'config.expected.buildingOfSchool': '本校的楼栋',
  'config.expected.meterOfSchool': '本校的表计',
  'config.expected.realDate': '真实存在的日期',
  'config.expected.dateFrom': '不早于 {start} 的日期',
  'config.expected.plannedUse': '起止时间，或每周时段',
  'config.expected.timeAfter': '晚于 {start} 的时间',
  'config.expected.influxDatabase': 'v1 /write 接口使用的数据库名',
  'config.expected.influxBucket': '要写入的 bucket（InfluxDB 2.x）或数据库（3.x）',
  'config.expected.influxApi':
    '同时设置 INFLUX_TOKEN + INFLUX_ORG + INFLUX_BUCKET（InfluxDB 2.x/3.x），或设置 INFLUX_DATABASE（InfluxDB 1.x）',
  'config.expected.readablePem': '可读取的 PEM 文件（{detail}）',
  'config.expected.tlsPort': 'TLS 监听端口（如 8883），因为已设置 {variable}',
  'config.expected.tlsCert': 'PEM 证书文件：设置 MQTT_TLS_PORT 即开启 TLS 监听',
  'config.expected.tlsKey': 'PEM 私钥文件：设置 MQTT_TLS_PORT 即开启 TLS 监听',
  'config.expected.tlsPair': '与 MQTT_TLS_KEY 匹配的 PEM 证书（{detail}）',
  'config.expected.embeddedOnly': '不设置：该项用于内置 MQTT 服务器，而 MQTT_URL 已改用外部服务器',
  'config.expected.externalOnly':
    '不设置：该项用于外部 MQTT 服务器（MQTT_URL=mqtts://…）；内置服务器使用 MQTT_TLS_PORT、MQTT_TLS_CERT、MQTT_TLS_KEY 和 MQTT_TLS_CA',
  'config.expected.secureUrl': '{count, plural, other {mqtts://（或 wss://）地址，因为已设置 {variables}}}',
  'config.expected.clientPair': 'PEM 文件：客户端证书需要同时设置 MQTT_CERT 和 MQTT_KEY',
  'config.expected.brokerLoopback':
    '本机回环地址（127.0.0.1、::1）：目前还没有任何网关账号，能连到 MQTT 服务器的人都可以上报读数。请先添加账号——在同一 DATA_DIR 下运行 `npm run admin -- gateway add <用户名> --school <学校编号>`——或设置 ALLOW_ANONYMOUS=1，明确允许匿名客户端',
  'config.expected.tokenFirstAsked':
    '先创建 API 令牌：ALLOW_ANONYMOUS=0 要求每个请求都带令牌，而 DATA_DIR（{dataDir}）中的数据库还没有令牌。请在同一 DATA_DIR 下运行 `npm run admin -- token add --role admin --name ops` 创建一个，或设置 ALLOW_ANONYMOUS=1，让 API 无需令牌即可访问',
  'config.expected.tokenFirstExposed':
    '先创建 API 令牌：API 监听在 {host}，本机以外也能访问，因此每个请求都须带令牌，而 DATA_DIR（{dataDir}）中的数据库还没有令牌。请在同一 DATA_DIR 下运行 `npm run admin -- token add --role admin --name ops` 创建一个，或设置 ALLOW_ANONYMOUS=1，让 API 无需令牌即可访问',
  'env.unknown':
    '{count, plural, other {环境变量 {names} 不是 schoolmeter 的设置，已忽略；全部环境变量见 docs/configuration.md。}}',
  'env.unknown.item': '{name}（是否应为 {suggestion}？）',
  'startup.cannotStart': 'schoolmeter 无法启动：{reason}',
  'startup.portInUse': '端口 {port} 已被占用。请停止占用它的程序，或用 HTTP_PORT / MQTT_PORT 改用其他端口。',
  'startup.portDenied': '当前用户无权监听端口 {port}。请用 HTTP_PORT / MQTT_PORT 选择 1023 以上的端口。',
  'startup.addressMissing':
    '本机没有地址 {address}。请将 HTTP_HOST / MQTT_HOST 设为本机的某个地址，或设为 0.0.0.0 监听全部地址。',
  'startup.pathDenied': '无权写入 {path}。请为当前用户开放该目录的写权限，或将 DATA_DIR 设为其他目录。',
  'startup.schemaNewer':
    'DATA_DIR 中数据库的结构版本为 {found}，比当前 schoolmeter 支持的版本（{known}）新：它曾由更新版本的 schoolmeter 使用。请升级 schoolmeter。',

  // ---- The app store in PostgreSQL (store/postgres/, DATABASE_URL) ----
  'postgres.expected.url': 'PostgreSQL 地址，形如 postgres://用户名:密码@主机:5432/数据库',
  'postgres.unreachable':
    '无法连接 PostgreSQL 服务器 {server}（{detail}）。请确认数据库服务已启动，并且 DATABASE_URL 中的主机和端口正确。',
  'postgres.loginRefused':
    'PostgreSQL 服务器 {server} 拒绝了用户“{user}”的登录（{detail}）。请检查 DATABASE_URL 中的用户名和密码，并确认服务器允许本机连接（pg_hba.conf）。',
  'postgres.noDatabase':
    'PostgreSQL 服务器 {server} 上没有数据库“{database}”。请先创建它，属主为 DATABASE_URL 中的用户（createdb -O 用户名 {database}），或在 DATABASE_URL 中改用其他数据库。',
  'postgres.cannotOpen': '无法在 PostgreSQL（{server}）中打开应用数据库：{detail}',
  'postgres.schemaNewer':
    'PostgreSQL 数据库 {server}（DATABASE_URL）的结构版本为 {found}，比当前 schoolmeter 支持的版本（{known}）新：它曾由更新版本的 schoolmeter 使用。请升级 schoolmeter。',

  // ---- Command-line tools (core/cli.ts), the admin CLI (app/admin*), token errors (store/security.ts) ----
  'cli.unknownOption': '没有 {option} 这个选项',
  'cli.optionNeedsValue': '选项 {option} 需要一个值',
  'cli.optionTakesNoValue': '选项 {option} 不带值',
  'cli.unexpectedArgument': '多余的参数：{argument}',
  'cli.badCommandLine': '无法解析命令行：{detail}',
  'cli.unknownCommand': '没有“{command}”这个命令',
  'cli.optionNotHere': '{command} 命令不接受 {options}',
  'admin.usage': `用法：npm run admin -- <类别> <命令> [选项]

类别：
  gateway   网关的 MQTT 账号（add 添加、set 设置客户端编号、rotate 更换密码、revoke 注销、list 列出）
  token     API 令牌（add 添加、rotate 更换、revoke 注销、list 列出）
  user      网页端登录账号（add 添加、passwd 改密码、set 修改、disable 停用、enable 启用、list 列出）
  store     应用数据：从 SQLite 复制到 PostgreSQL（copy-to-postgres）

运行 \`npm run admin -- <类别> --help\` 查看该类别的命令。
数据存放在 DATA_DIR（默认 ./data），与服务相同。
语言跟随学区台账（CONFIG）；LOCALE=en 或 LOCALE=zh-CN 可另选语言。`,
  'admin.unknownArea': '没有“{area}”这个类别',
  'admin.yesNo': '{yes, select, true {是} other {否}}',
  'admin.gateway.usage': `用法：npm run admin -- gateway <命令> [选项]

命令：
  add <用户名> --school <学校编号> [--password <密码>] [--alerts] [--client-id-prefix <前缀>] [--note <备注>]
        为某所学校的一台网关创建登录账号；不加 --password 时自动生成密码，只显示这一次
        --alerts：允许它另外订阅 schools/<学校编号>/alerts（schools/<学校编号>/rejected 始终可订阅）
        --client-id-prefix：以该前缀开头的 MQTT 客户端编号也归这台网关使用
  set <用户名> --client-id-prefix <前缀>
        把以 <前缀> 开头的客户端编号交给这台网关（'''' 表示收回）
  rotate <用户名> [--password <密码>]
        更换密码；旧密码立即失效，使用旧密码的连接会被断开
  revoke <用户名>
        注销账号；该账号不能再登录，现有连接在 10 秒内断开
  list
        列出全部账号及其学校、告警订阅权限和日期（不显示密码）
  nats-users [--out <文件>]
        生成 NATS 集群的用户配置（见 docs/scaling.md）：工作进程账号和每台有效网关各一个账号，
        网关只能收发本校主题，密码以 bcrypt 哈希保存；以原子方式写入 <文件>

网关只能在 schools/<学校编号>/ 下发布数据，用 MQTT 用户名和密码登录。
它的 MQTT 客户端编号必须是用户名、<用户名>/<任意内容>，或以它的前缀开头；
其他账号不能使用这些编号，因此谁也无法顶替它的会话。
数据存放在 DATA_DIR（默认 ./data）；学校来自 CONFIG（未设置时为演示学区），与服务相同。
只要有一个有效账号，内置 MQTT 服务器就拒绝匿名客户端，除非设置 ALLOW_ANONYMOUS=1。`,
  'admin.gateway.usernameNeeded': '需要提供用户名',
  'admin.gateway.usernameBad':
    '用户名“{username}”不可用：只能由字母、数字和 _ . - 组成，最多 128 个字符，以字母或数字开头',
  'admin.gateway.usernameReserved': '以“{prefix}”开头的用户名留给服务自身使用',
  'admin.gateway.passwordShort':
    '--password 太短（{length} 个字符，至少需要 {minimum} 个）。不加该选项即可自动生成密码',
  'admin.gateway.schoolNeeded': '需要 --school <学校编号>：网关向哪所学校的主题发布数据',
  'admin.gateway.unknownSchool':
    '台账（{source}）中没有学校“{school}”；现有学校：{known}。请像启动服务时一样，把 CONFIG 设为本学区的台账文件。',
  'admin.gateway.exists':
    '网关“{username}”已有有效账号（学校 {school}）；如需新密码请用 `gateway rotate {username}`，或先注销该账号',
  'admin.gateway.added':
    '网关“{username}”现在可以在 schools/{school}/ 下发布数据（可订阅：{alerts, select, true {rejected、alerts} other {rejected}}），MQTT 客户端编号须为 {ids}',
  'admin.gateway.clientIds': '“{username}”、“{username}/…”{prefix, select, none {} other {或“{prefix}…”}}',
  'admin.gateway.prefixSet':
    '网关“{username}”可使用的 MQTT 客户端编号：{ids}；正在运行的服务在下一次连接时生效',
  'admin.gateway.prefixNeeded': "set 需要 --client-id-prefix <前缀>（'' 表示收回）",
  'admin.gateway.prefixBad': '--client-id-prefix“{prefix}”须为 1 到 64 个可打印字符，且不含 + 或 #',
  'admin.gateway.prefixReserved': '以“schoolmeter”开头的客户端编号留给服务自身使用',
  'admin.gateway.prefixTaken':
    '以“{prefix}”开头的客户端编号会与网关“{other}”的编号（{ids}）重叠；请换一个专属前缀',
  'admin.gateway.usernameTaken':
    '用户名“{username}”属于网关“{other}”的客户端编号（前缀“{prefix}”）；请换一个用户名',
  'admin.gateway.password': '密码（仅显示这一次，请配置到网关中）：{password}',
  'admin.gateway.rotated': '网关“{username}”已更换密码，旧密码已失效',
  'admin.gateway.revoked': '网关“{username}”已注销：它不能再连接，正在运行的服务会断开它的现有连接',
  'admin.gateway.wasRevoked':
    '网关“{username}”已于 {when} 注销；如需恢复，请用 `gateway add {username} --school …` 重新添加',
  'admin.gateway.notFound': '没有网关“{username}”；`gateway list` 可列出全部网关',
  'admin.gateway.none':
    '还没有网关账号；可用 `npm run admin -- gateway add <用户名> --school <学校编号>` 添加',
  'admin.gateway.status': '{revoked, select, true {已注销} other {有效}}',
  'admin.gateway.column':
    '{column, select, username {用户名} school {学校} alerts {订阅告警} status {状态} clientIds {客户端编号} created {创建时间} rotated {更换密码时间} revoked {注销时间} note {备注} other {{column}}}',
  'admin.token.usage': `用法：npm run admin -- token <命令> [选项]

命令：
  add --name 名称 --role 角色   创建令牌并显示（仅此一次）；角色为 viewer、maintenance 或 admin
  rotate 编号|名称              为令牌更换密钥，仅显示一次；旧密钥立即失效
  revoke 编号|名称              令牌立即失效
  list [--all]                  列出有效令牌（--all：包括已注销的）；不显示密钥或哈希

角色：viewer 只读；maintenance 还可确认和处理告警；admin 可做全部操作，包括通过 API 管理令牌。

数据存放在 DATA_DIR（默认 ./data），与服务相同；正在运行的服务会立即看到变化。
一旦存在令牌，API 就要求每个请求都带令牌，本机访问也不例外（除非设置 ALLOW_ANONYMOUS=1）。`,
  'admin.token.column':
    '{column, select, id {编号} name {名称} role {角色} created {创建时间} lastUsed {最近使用} revoked {注销时间} other {{column}}}',
  'admin.token.oneRef': '{command} 命令需要一个令牌编号或名称，例如 `token {command} ops`',
  'admin.token.nameNeeded': 'add 命令需要 --name，例如 --name ops',
  'admin.token.roleNeeded': 'add 命令需要 --role：{roles}',
  'admin.token.issued':
    '{rotated, select, true {已更换} other {已创建}}令牌“{name}”（编号 {id}，角色 {role}）。它只显示这一次，请妥善保存：',
  'admin.token.howToSend': '调用时放在请求头 "Authorization: Bearer <令牌>" 中。',
  'admin.token.first':
    '这是第一个有效令牌：从现在起，API 要求每个请求都带令牌（除非设置 ALLOW_ANONYMOUS=1）。',
  'admin.token.revoked': '已注销令牌“{name}”（编号 {id}，角色 {role}），它已失效。',
  'admin.token.noneLeft': '已没有有效令牌：只在本机监听的 API 将不再要求令牌；对外监听的 API 将拒绝启动。',
  'admin.token.none': '还没有 API 令牌。可用 `npm run admin -- token add` 创建。',
  'token.error.badRole': '没有“{role}”这个角色；可用的角色：{roles}',
  'token.error.badName': '令牌名称 {name} 须为 1 到 64 个可打印字符，例如 "ops" 或 "caretaker-tablet"',
  'token.error.reservedName': '令牌名称“{name}”是保留名称或像令牌编号；请换一个，例如 "ops"',
  'token.error.nameTaken': '已有名为“{name}”的有效令牌；请换一个名称，或为该令牌更换密钥',
  'token.error.notFound':
    '没有编号或名称为“{ref}”的有效 API 令牌；`npm run admin -- token list` 可列出全部令牌',
  'token.error.revoked': '令牌 {id}（“{name}”）已注销；请用 `npm run admin -- token add` 创建新令牌',

  // ---- HTTP API errors and health (api/, the broker and store health) ----
  'api.error.noRoute': '没有 {method} {path} 这个接口；接口说明见 /docs',
  'api.error.internal': '服务内部错误，详见服务日志',
  'api.error.notInRegistry': '台账中没有{what, select, school {学校} meter {表计} other {{what}}}“{id}”',
  'api.error.alertNotFound': '没有编号为 {id} 的告警',
  'api.error.alertResolved': '告警 {id} 已解决',
  'api.error.incidentNotFound': '没有编号为 {id} 的事件',
  'api.error.incidentResolved': '事件 {id} 已解决',
  'api.error.badCursor': 'cursor 不是本接口给出的翻页位置，请去掉它从第一页开始',
  'api.error.badInstant': '{name} 须为带时区偏移的 ISO-8601 时间，例如 2026-11-16T00:00:00+08:00',
  'api.error.invalid':
    '{part, select, querystring {查询参数} body {请求体字段} params {路径参数} headers {请求头} other {值}} {name}：当前为 {value}，应为{expected}',
  'api.error.mediaType': '请求体须为 JSON，并带请求头 "Content-Type: application/json"',
  'api.error.badJson': '请求体不是有效的 JSON',
  'api.error.bodyTooLarge': '请求体过大',
  'api.error.badRequest': '无法处理该请求：{detail}',
  'api.error.rateLimited': '每分钟请求超过 {max} 次；请在 {seconds} 秒后重试（API_RATE_LIMIT）',
  'api.error.invalidToken': '令牌格式有误、不存在、已注销或已更换；请联系管理员获取新令牌',
  'api.error.unauthorized':
    '访问此 API 需要令牌：请带上请求头 "Authorization: Bearer smt_…"；管理员可用 `npm run admin -- token add --name <使用者> --role viewer` 创建',
  'api.error.forbidden':
    '令牌“{name}”的角色是 {role}；{route} 需要 {needed, select, admin {admin 角色} other {{needed} 或更高的角色}}',
  'api.error.lastAdmin':
    '令牌 {id}（“{name}”）是最后一个 admin 令牌；请先另建一个 admin 令牌，或用 `npm run admin -- token revoke {id}` 注销',
  'health.broker.embedded': '内置 MQTT 服务器 {address}，已连接 {clients, plural, other {# 个客户端}}',
  'health.broker.down': '内置 MQTT 服务器未在监听',
  'health.broker.connected': '已连接 MQTT 服务器 {address}',
  'health.broker.disconnected': '未连接 MQTT 服务器 {address}',
  'health.ingest.disk':
    '{full, select, true {磁盘已满} other {磁盘拒绝写入}}：无法写入 {path}（{code}）；在恢复之前不确认任何数据，发布方被暂缓',
  'health.store.ok': 'SQLite 数据库 {file}',
  'health.store.okServed':
    'SQLite 数据库 {file}（数据流状态）；PostgreSQL {server}（告警、工单、人员、报表）',
  'health.store.failed': '存储出错：{error}',
  'health.influx.off': '未配置：读数不归档',
  'health.influx.up': '正在写入 {target}；缓冲区中有 {lines, plural, other {# 行}}',
  'health.influx.down': '无法写入 {target}（{error}）；已有 {lines, plural, other {# 行}}暂存到磁盘',

  // ---- Reports: monthly rows, ranking, CSV and tables (reports/csv.ts, reports/cli.ts), start-of-term readiness (reports/readiness.ts) ----
  'report.column.school': '学校编号',
  'report.column.name': '学校',
  'report.column.utility': '类别',
  'report.column.month': '月份',
  'report.column.unit': '单位',
  'report.column.actual': '实际用量',
  'report.column.lastYear': '去年同期',
  'report.column.expected': '预期用量',
  'report.column.savings': '节约量',
  'report.column.savingsPct': '节约率（%）',
  'report.column.perPupil': '生均用量',
  'report.column.perM2': '单位面积用量',
  'report.column.outOfHoursShare': '非在校时段用量占比',
  'report.column.coverage': '数据完整率',
  'report.column.method': '计算方法',
  'report.column.indicative': '仅供参考',
  'report.column.rank': '排名',
  'report.column.reason': '未排名原因',
  'report.column.reasonCode': '原因代码',
  'report.utility': '{value, select, water {用水} electricity {用电} heat {供热} other {{value}}}',
  'report.unit': '{value, select, m3 {立方米} kWh {千瓦时} other {{value}}}',
  'report.method':
    '{value, select, daily_model {基准模型} last_year_scaled {去年同期按上课日和天气调整} none {无} other {{value}}}',
  'report.yesNo': '{value, select, true {是} other {否}}',
  'report.cli.usage': `用法：npm run report -- [选项]

  --month YYYY-MM     月份（默认：本月截至目前）
  --school 编号       只看一所学校
  --utility 类别      water（用水）、electricity（用电）或 heat（供热）（排名默认 water）
  --ranking           学区排名，而不是逐月明细
  --readiness         各校下学期的开学准备检查单
  --csv               输出 CSV（UTF-8，可用电子表格打开），而不是表格
  --headers keys      与 --csv 同用：使用 JSON 的字段名和原始值，供程序读取
                      （默认 names：列名和取值使用报表语言）
  --locale 语言       zh-CN 或 en（默认：LOCALE，否则跟随学区）
  -h, --help          显示本说明

与服务相同，读取 DATA_DIR（默认 ./data）和 CONFIG（默认：演示学区）。`,
  'report.cli.badMonth': '--month 须为 YYYY-MM 格式，例如 2026-10，而不是“{month}”',
  'report.cli.badUtility': '--utility 须为以下之一：{utilities}',
  'report.cli.unknownSchool': '台账中没有学校“{school}”',
  'report.cli.badLocale': '--locale 须为以下之一：{locales}，而不是“{locale}”',
  'report.cli.badHeaders': '--headers 须为 names 或 keys，而不是“{headers}”',
  'readiness.metersReporting.ok': '{count, plural, other {全部 # 块表计}}在最近一天内都有上报',
  'readiness.metersReporting.silent': '{total} 块表计中有 {silent} 块超过一天没有上报',
  'readiness.critical.none': '没有未处理的严重告警',
  'readiness.critical.open': '{count, plural, other {有 # 条严重告警尚未处理}}',
  'readiness.heating.ok': '{count, plural, other {全部 # 个供热回路}}在最近一天内都达到了设定供水温度',
  'readiness.heating.failing':
    '{total} 个供热回路中有 {failing} 个在最近一天内未达到设定供水温度（允许偏差 {tolerance} K）',
  'readiness.heating.offSeason': '非供暖季，不检查',
  'readiness.term': '新学期',
  'readiness.never': '从未上报',
  'readiness.noSupply': '无读数',
  'readiness.item.silent': '{meter}（{building}）：最后一次上报 {lastHeard}',
  'readiness.item.alert': '告警 {id}：{meter} 的 {rule}：{message}',
  'readiness.item.circuit': '{meter}（{building}）：最高供水温度 {highest}，设定 {setpoint}',
  'readiness.headline':
    '{school}：{ready, select, true {已就绪} other {未就绪}}，{term}于 {start} 开学（{when}）',
  'readiness.mail.subject':
    '{ready, select, true {开学准备已就绪} other {开学准备未就绪}}：{school}，{start} 开学',
  'readiness.mail.intro':
    '{school}（{id}）开学前检查：距{term}开学（{start}）还有 {days, plural, other {# 天}}。',
  'readiness.mail.checked': '检查时间：{at}。',

  // ---- Grafana dashboards (dashboards/*.ts): titles, descriptions, rows, columns, legends ----
  'dash.links': 'schoolmeter 仪表板',
  'dash.kind':
    '{kind, select, water {水表} electricity {电表} heat {热表} temperature {温度传感器} other {{kind}}}',
  'dash.utility':
    '{kind, select, water {用水} electricity {用电} heat {供热} temperature {温度} other {{kind}}}',
  'dash.column.school': '学校',
  'dash.column.building': '楼栋',
  'dash.column.meter': '表计',
  'dash.column.rule': '规则',
  'dash.variable.tz': '按哪个时区划分日和月',
  'dash.variable.topLevel': '台账中的总表（没有上级表）',
  'dash.variable.outdoor': '台账中的室外温度传感器',
  'dash.variable.school': '学校',
  'dash.variable.building': '楼栋',
  'dash.variable.meter': '表计',
  'dash.alerts.column':
    '{name, select, time {最近变化} school {学校} rule {规则} meter {表计} severity {级别} status {状态} message {内容} id {告警编号} other {{name}}}',
  'dash.alerts.status':
    '{value, select, open {未处理} acknowledged {已确认} resolved {已解决} other {{value}}}',
  'dash.alerts.severity': '{value, select, critical {严重} warning {警告} info {提示} other {{value}}}',
  'dash.alerts.annotations': '告警',
  'dash.row.alerts': '告警',
  'dash.dq.title': '数据质量与接入',
  'dash.dq.description': '读数到达情况、上报中的表计和已沉默的表计，依据 InfluxDB 中的数据。',
  'dash.dq.row.alerts': '表计告警',
  'dash.dq.alerts.title': '离线表计和读数异常',
  'dash.dq.alerts.description':
    'meter.offline：按实际时钟，超过 3 个上报周期（至少 15 分钟）没有收到读数，因此其状态变化记录的是服务发现的时间。meter.register_anomaly：表计读数翻转、清零、换表或不合理跳变。列出时段结束时仍未解决的告警（无论何时产生）以及时段内有变化的告警；每条规则、每块表计一行。',
  'dash.dq.row.readings': '读数',
  'dash.dq.rate.title': '每秒读数',
  'dash.dq.rate.description':
    '按读数时间计算、每秒入库的读数，按表计类型分列。补传的历史数据显示在它所属的时间，而不是补传的时间。',
  'dash.dq.reporting.title': '上报中的表计',
  'dash.dq.reporting.description':
    '每个时间段内至少发送过一次读数的表计数（时间段不短于 15 分钟，5 分钟上报一次的表计在每段都能计入）。',
  'dash.dq.row.quiet': '沉默的表计',
  'dash.dq.heard15.title': '最近 15 分钟有上报',
  'dash.dq.heard15.description': '最近 15 分钟内有读数的表计数。',
  'dash.dq.heardRange.title': '所选时段内有上报',
  'dash.dq.heardRange.description': '所选时段内有读数的表计数。',
  'dash.dq.last.title': '各表计最后一次读数',
  'dash.dq.last.description':
    '所选时段内每块表计最后一次发送读数的时间，最早的排在前面。表计超过 3 个上报周期（至少 15 分钟）没有读数，服务即判为离线。',
  'dash.dq.last.column': '最后读数时间',
  'dash.dq.coverage.title': '各表计有读数的小时占比',
  'dash.dq.coverage.description': '所选时段内，表计至少发送过一次读数的小时所占的比例。',
  'dash.dq.coverage.column': '有读数的小时',
  'dash.el.title': '用电与非在校时段',
  'dash.el.description': '白天与夜间用电对比、基础负荷，以及分项计量房间里的大功率用电。',
  'dash.el.alerts.title': '非在校时段用电和违规电器告警',
  'dash.el.alerts.description':
    'electricity.after_hours：楼栋无人时用电仍高于其基础负荷。electricity.high_power_appliance：在限制电器的宿舍里，功率跳升 {step} 瓦及以上，或超过房间限额。列出时段结束时仍未解决的告警（无论何时产生）以及时段内有变化的告警；每条规则、每块表计一行，显示最近一次状态变化。',
  'dash.el.row.dayNight': '白天与夜间',
  'dash.el.day': '白天',
  'dash.el.night': '夜间',
  'dash.el.dayNight.title': '每日白天（6–18 点）与夜间（18–6 点）用电',
  'dash.el.dayNight.description':
    '总表数据。每天 6:00–18:00 及其后的夜间；当天的数据要等夜间结束后才显示。周末的白天也计为白天。',
  'dash.el.nightShare.title': '各校夜间用电占比',
  'dash.el.nightShare.description':
    '所选时段内完整各天中 18:00–6:00 的用电占比。按 Energy Sparks 的标准，非在校时段用电占 50% 为优秀，60% 为偏高。',
  'dash.el.nightShare.column': '夜间占比',
  'dash.el.baseLoad.title': '每日基础负荷',
  'dash.el.baseLoad.description':
    '总表当天最低的 8 个半小时的平均功率：能关的都关掉后学校仍在消耗的功率。它不应逐渐升高。',
  'dash.el.power.title': '各表功率',
  'dash.el.power.description': '每个时间段的平均功率。',
  'dash.el.row.rooms': '分项计量的房间',
  'dash.el.roomPower.title': '房间功率（每段最高值）',
  'dash.el.roomPower.description':
    '宿舍及其他单独计量的房间。电水壶或电暖器会使功率跳升 {step} 瓦及以上；房间限额为 {limit} 瓦。',
  'dash.el.peaks.title': '房间功率峰值',
  'dash.el.peaks.description': '所选时段内各房间的最高功率及出现时间。',
  'dash.el.peaks.peak': '峰值',
  'dash.el.peaks.when': '时间',
  'dash.el.peaks.room': '房间',
  'dash.outdoor.title': '室外温度',
  'dash.outdoor.description': '各校室外温度传感器的平均值。',
  'dash.heat.title': '供热',
  'dash.heat.description': '用热量与度日数对比、供热回路温度与供回水温差、超出舒适范围的房间。',
  'dash.heat.alerts.title': '供热告警',
  'dash.heat.alerts.description':
    '供热规则的告警：冻结风险、不供热、过热、供回水温差过小、楼栋无人仍在供热。列出时段结束时仍未解决的告警（无论何时产生）以及时段内有变化的告警；每条规则、每块表计（供热回路或室温传感器）一行，显示最近一次状态变化。',
  'dash.heat.row.weather': '天气与用热',
  'dash.heat.degreeDays.title': '每日用热量与供暖度日数',
  'dash.heat.degreeDays.description':
    '柱：各校热力总表每个本地日的用热量。线（右轴）：根据室外温度传感器计算的供暖度日数，基准温度 18 °C。用热量应随这条线变化。',
  'dash.heat.degreeDays.heat': '用热量',
  'dash.heat.degreeDays.line': '度日数',
  'dash.heat.row.circuits': '供热回路：$building',
  'dash.heat.supplyReturn.title': '供水与回水温度',
  'dash.heat.supplyReturn.description': '各供热回路的平均供水和回水温度。',
  'dash.heat.supply': '供水',
  'dash.heat.return': '回水',
  'dash.heat.deltaT.title': '有流量时的供回水温差',
  'dash.heat.deltaT.description':
    '回路有流量时供水温度减回水温度。连续几小时低于 {low} K：旁通阀开着或阀门卡住，水泵在空转输水。',
  'dash.heat.power.title': '供热功率',
  'dash.heat.power.description': '各供热回路的平均功率。',
  'dash.heat.row.rooms': '房间：$building',
  'dash.heat.band.title': '室温与舒适范围',
  'dash.heat.band.description':
    '室内温度传感器。上课时间低于 {low} °C 为过冷，高于 {high} °C 为过热；夜间和休息日有意调低温度。',
  'dash.heat.outside.title': '各房间超出舒适范围的小时数',
  'dash.heat.outside.description':
    '平均室温低于 {low} °C 或高于 {high} °C 的小时数。过冷小时包括有意调低温度的夜间和休息日；过热小时都值得查看。',
  'dash.heat.outside.sensor': '传感器',
  'dash.heat.outside.below': '低于 {low} °C',
  'dash.heat.outside.above': '高于 {high} °C',
  'dash.column.waterM3': '用水量（立方米）',
  'dash.column.electricityKwh': '用电量（千瓦时）',
  'dash.column.heatKwh': '用热量（千瓦时）',
  'dash.ms.title': '月度节能',
  'dash.ms.description': '各校分类相对固定基准期的节约量及其 90% 置信区间；各校本月分类实际用量。',
  'dash.ms.row.actual': '实际用量',
  'dash.ms.actual.title': '各校实际用量',
  'dash.ms.actual.description':
    '所选时段内总表的用量；查看已结束的月份请在时间选择器中选“Previous month”（上个月）。月份按本地午夜（$tz）划分。',
  'dash.ms.coverage.title': '数据完整率与夜间占比',
  'dash.ms.coverage.description':
    '数据完整率：各表计有上报的小时占比，按学校取平均（低于 90% 的月份仅供参考）。夜间占比：完整各天中 18:00–6:00 的用电占比。',
  'dash.ms.coverage.of':
    '{kind, select, water {用水数据完整率} electricity {用电数据完整率} heat {供热数据完整率} other {{kind} 数据完整率}}',
  'dash.ms.row.toDate': '本月累计',
  'dash.ms.running.title':
    '{kind, select, water {用水量} electricity {用电量} heat {用热量} other {{kind}}}累计',
  'dash.ms.running.description': '按本地日累计的总表用量。',
  'dash.flow.description': '每个时间段的平均流量。',
  'dash.school.title': '学校概览',
  'dash.school.description': '单所学校：当前用能、今天与典型日的对比，以及每块表计的实时曲线。',
  'dash.school.row.now': '当前',
  'dash.school.now.topLevel': '各总表之和。',
  'dash.school.now.power': '用电功率',
  'dash.school.now.flow': '用水流量',
  'dash.school.now.circuits': '各供热回路之和。',
  'dash.school.now.outdoor': '本校室外温度传感器的平均值。',
  'dash.school.alerts.description':
    '本校在时段结束时仍未解决的告警（无论何时产生）以及时段内有变化的告警：每条规则、每块表计一行，显示最近一次状态变化。每次状态变化也标注在下方曲线上。告警编号即 API 中的编号，可在 API 中查看依据数据。',
  'dash.school.row.today': '今天与典型日对比',
  'dash.school.today.title':
    '今日{kind, select, water {用水量} electricity {用电量} heat {用热量} other {{kind}}}',
  'dash.school.today.description': '自本地午夜起，总表数据。',
  'dash.school.typical.title':
    '典型日{kind, select, water {用水量} electricity {用电量} heat {用热量} other {{kind}}}',
  'dash.school.typical.description': '最近 28 天日用量的中位数。',
  'dash.school.hourly.title':
    '逐时{kind, select, water {用水量} electricity {用电量} heat {用热量} other {{kind}}}',
  'dash.school.hourly.description': '按本地小时，本校总表数据。',
  'dash.school.row.live': '实时：$building',
  'dash.school.live.power': '各表用电功率',
  'dash.school.live.flow': '各表用水流量',
  'dash.school.live.supplyReturn': '供热供回水温度',
  'dash.school.live.rooms': '室温',
  'dash.school.live.roomsDescription': '全部室内温度传感器。',
  'dash.localDays': '按本地日（$tz）。',
  'dash.water.title': '用水与漏水',
  'dash.water.description': '各水表的漏水迹象：从不停止的流量、夜间流量、每日用水。',
  'dash.water.alerts.title': '用水告警',
  'dash.water.alerts.description':
    "所选水表上用水规则的告警（漏水、爆管、夜间流量、水箱长流、非在校时段用水）：时段结束时仍未解决的（无论何时产生）或时段内有变化的；每条规则、每块表计一行，显示最近一次状态变化。每天漏掉多少升水、折合多少钱，见告警的依据数据：GET /api/v1/alerts/'{id}'。",
  'dash.water.row.leaks': '漏水',
  'dash.water.smallest.title': '最近 24 小时的最小小时流量',
  'dash.water.smallest.description':
    '最近 24 小时内各小时平均流量的最小值。大于零说明每个小时都在走水：漏水、水箱长流或小便池定时冲水。每日升数即这一流量一天浪费的水。',
  'dash.water.smallest.column': '最小小时流量（升/小时）',
  'dash.water.smallest.perDay': '升/天',
  'dash.water.hours.title': '每日有用水的小时数',
  'dash.water.hours.description':
    '水表计量到 1 升及以上的本地小时数。24 表示当天没有一个小时停过水——持续流量漏水的迹象。',
  'dash.water.night.title': '夜间流量（2:00–4:00）',
  'dash.water.night.description':
    '每晚最安静时段的平均流量，标在本地时间 2:00。持续抬高说明出现了新的漏点；规则会把每晚与前一周比较。',
  'dash.water.perDay.title': '各水表每日用水量',
  'dash.water.row.flow': '流量',
  'dash.water.flow.title': '各水表流量',
  'dash.district.title': '学区概览',
  'dash.district.description': '全部学校并列对比：总表用量与数据完整率。',
  'dash.district.row.totals': '学区合计',
  'dash.district.total.description':
    '所选时段内各校总表计量的{kind, select, water {用水量} electricity {用电量} heat {用热量} other {{kind}}}。',
  'dash.district.heard.title': '有上报的表计',
  'dash.district.heard.description': '所选时段内至少发送过一次读数的各类表计数。',
  'dash.district.counts.title':
    '{tag, select, school {各校告警} rule {各规则告警} other {按 {tag} 统计的告警}}',
  'dash.district.counts.description':
    '时段内新产生的告警，以及时段结束时仍未解决（未处理或已确认）的告警，无论何时产生。',
  'dash.district.counts.opened': '新产生',
  'dash.district.counts.active': '时段结束时未解决',
  'dash.district.alerts.title': '时段内告警及最新状态',
  'dash.district.alerts.description':
    "每条规则、每块表计一行：时段结束时仍未解决的告警（无论何时产生），以及时段内有变化的告警，显示最近一次状态变化。告警编号即 API 中的编号（GET /api/v1/alerts/'{id}'），可在其中查看依据数据。",
  'dash.district.row.schools': '各校对比',
  'dash.district.bySchool.title': '各校用量',
  'dash.district.bySchool.description': '只计总表，分项表不重复计算。用水以立方米计，用电、用热以千瓦时计。',
  'dash.district.coverage.title': '各校数据完整率',
  'dash.district.coverage.description':
    '所选时段内各表计至少有一次读数的小时占比，按学校、按表计类型取平均。报表把完整率低于 90% 的月份标为仅供参考。',
  'dash.district.row.daily': '逐日',
  'dash.district.daily.title':
    '各校每日{kind, select, water {用水量} electricity {用电量} heat {用热量} other {{kind}}}',
  'dash.district.daily.description': '按本地日（$tz），总表数据。',
  'dash.district.outdoor.title': '各校室外温度',

  // ---- npm run dashboards (dashboards/generate.ts) ----
  'dashboards.cli.usage': `schoolmeter 仪表板——生成 Grafana 配置用的仪表板 JSON

用法：npm run dashboards -- [选项]

  --config 文件     台账文件（YAML/JSON），仪表板使用其中的总表和室外温度传感器；
                    默认：自带的演示学区（即 dashboards/generated/ 中的内容）
  --timezone 时区   划分日和月的 IANA 时区；默认：第一所学校的时区
  --locale 语言     zh-CN 或 en：标题、说明和标签的语言；
                    默认：学区的语言（台账中的 district.locale）
  --out 目录        输出目录；默认：dashboards/generated
  -h, --help        显示本说明`,
  'dashboards.cli.badZone': '--timezone“{zone}”不是 IANA 时区，例如 Asia/Shanghai',
  'dashboards.cli.wrote': 'dashboards：已将 {count} 个仪表板（{locale}）写入 {out}',

  // ---- Ingest: rejected messages and readings, sent on schools/{school}/rejected (ingest/topics.ts, decode.ts, registers.ts) ----
  'ingest.topic.badSchool':
    '主题中的学校“{school}”不是有效的学校编号：只能由小写字母、数字和连字符组成，最多 64 个字符',
  'ingest.topic.shape':
    "主题应为 schools/'{school}'/meters/'{meter}' 或 schools/'{school}'/gateways/'{gateway}'",
  'ingest.topic.badDevice':
    '主题中的{part, select, meters {表计} gateways {网关} other {设备}}编号“{id}”无效：只能由字母、数字和 _ . - 组成，最多 128 个字符，以字母或数字开头',
  'ingest.reject.tooDeep': '嵌套层数过多、无法显示的值',
  'ingest.reject.unknownSchool': '台账中没有学校“{school}”',
  'ingest.reject.unknownMeter': '学校 {school} 没有登记表计“{meter}”',
  'ingest.reject.payloadTooLarge': '消息大小 {bytes} 字节，超过上限 {limit}（MAX_PAYLOAD_BYTES）',
  'ingest.reject.badJson': '不是有效的 JSON：{detail}',
  'ingest.reject.batchTooLarge': '一批 {readings} 条读数，超过上限 {limit}（MAX_BATCH_READINGS）',
  'ingest.reject.emptyBatch': '空数组：没有读数',
  'ingest.reject.gatewayNeedsArray': '网关主题须发送读数的 JSON 数组，每条读数带 "meter" 字段',
  'ingest.reject.notObject': '每条读数须为 JSON 对象',
  'ingest.reject.notFinite': '{field}={value} 不是有限的数值',
  'ingest.reject.field': '{field}：当前为 {missing, select, true {（空）} other {{value}}}，应为{expected}',
  'ingest.reject.valid': '有效的读数',
  'ingest.reject.otherMeter': '读数中写的表计是“{meter}”，却发布在 {topic}',
  'ingest.reject.meterNeeded': '网关批量上报的每条读数都须带 "meter" 字段',
  'ingest.reject.future': '时间戳比现在晚 {seconds} 秒（网关时钟是否有误？）',
  'ingest.reject.outOfRange': '{field}={value} 超出范围 {min}…{max}',
  'ingest.reject.wrongKind': '表计 {meter} 是 {kind} 类表计（字段：{fields}），收到的却是 {got}',
  'ingest.reject.noMeasurement': '没有测量值：{kind} 类读数至少需要以下之一：{fields}',
  'ingest.ts.notFinite': 'ts 不是有限的数值',
  'ingest.ts.seconds': 'ts {ts} 看起来是以秒为单位的时间戳；请发送毫秒',
  'ingest.ts.before2000': 'ts {ts} 早于 2000 年',
  'ingest.ts.notIso':
    'ts“{ts}”既不是带时区偏移的 ISO-8601 时间（例如 2026-11-26T08:00:00+08:00），也不是毫秒时间戳',
  'ingest.ts.notReal': 'ts“{ts}”不是真实存在的日期时间',
  'ingest.register.rise': '读数在 {seconds} 秒内增加了 {delta}，超过表计的最大通过量（每小时 {rate}）',
  'ingest.register.drop': '读数从 {from} 降到 {to}，既不像正常翻转，也不像清零',
  'ingest.register.between': '与前后读数对不上：{detail}',

  // ---- Rules: alert and incident sentences (rules/**) ----
  'rule.water.continuous_flow':
    '{place}的{meter}已连续 {hours} 小时没有停止走水：每小时至少 {litres, number} 升，疑似漏水',
  'rule.water.after_hours_flow':
    '{place}无人期间，{meter}已连续走水 {minutes} 分钟（{flow, number} 升/分钟）',
  'rule.water.burst':
    '{place}的{meter}疑似爆管：流量 {flow, number} 升/分钟，已持续 {minutes} 分钟，高于平时的 {threshold, number} 升/分钟',
  'rule.water.night_flow':
    '{place}的{meter}夜间最小流量为 {flow, number} 升/小时，已连续 {nights} 晚高于平时的 {baseline, number} 升/小时',
  'rule.water.cistern_refill':
    '{place}无人期间，{meter}每 {period, number} 分钟补水一次（每次 {litres, number} 升，少于一次完整冲水），疑似马桶水箱漏水',
  'rule.electricity.after_hours':
    '{place}无人期间用电比平时高 {excess, number} 千瓦（此时段平时为 {normal, number} 千瓦），已持续 {minutes} 分钟',
  'rule.electricity.appliance':
    '{place}有一台约 {watts, number} 瓦的{resistive, select, true {电阻性电器} other {电器}}在使用，已 {minutes, number} 分钟{heater, select, true {，疑似电暖器} other {}}',
  'rule.electricity.room_limit':
    '{place}用电功率 {watts, number} 瓦，超过 {limit, number} 瓦的限额，已 {minutes, number} 分钟',
  'rule.heat.frost_risk': '{place}温度仅 {temp, number} °C，管道有冻裂风险',
  'rule.heat.low_delta_t':
    '{meter}供水 {supply, number} °C、回水 {ret, number} °C，供回水温差仅 {delta, number} K，已持续 {hours, number} 小时（旁通阀未关或水泵流量过大？）',
  'rule.heat.no_heat.room': '{place}有人使用，但室温仅 {temp, number} °C（已 {hours, number} 小时）',
  'rule.heat.no_heat.supply':
    '{place}使用期间，{meter}供水温度仅 {temp, number} °C（已 {hours, number} 小时）',
  'rule.heat.overheating':
    '{place}室温保持在 {temp, number} °C（已 {hours, number} 小时高于 {limit, number} °C）',
  'rule.heat.unoccupied_heating.supply':
    '{place}在{dayType, select, weekend {周末} holiday {节假日} vacation {假期} other {非上课日}}仍在供热，室外 {outdoor, number} °C（已 {hours, number} 小时）',
  'rule.heat.unoccupied_heating.room':
    '{dayType, select, weekend {周末} holiday {节假日} vacation {假期} other {非上课日}}无人且仍在供热，{place}室温保持在 {temp, number} °C',
  'rule.meter.offline': '{place}的{meter}已 {minutes, number} 分钟没有上报数据',
  'rule.meter.register_anomaly':
    '{meter}的累计读数{event, select, rollover {已满量程归零} reset {被清零} replacement {疑似更换表计} other {异常跳变（该读数已拒收）}}：{previous, number} → {current, number}，计入 {counted, number} {unit, select, L {升} other {千瓦时}}',

  // ---- Security: a full disk (app/disk.ts, ingest/journal.ts) ----
  'security.health.diskFull':
    '{path} 所在的磁盘已满：系统暂停接收读数，网关的上报被暂缓。请清理出空间，服务会自动恢复。',
  'security.health.diskError':
    '服务无法写入 {path}（{code}）：在恢复写入之前，系统暂停接收读数，网关的上报被暂缓。',
  'security.startup.diskFull':
    'schoolmeter 无法启动：{path} 所在的磁盘已满（剩余 {free}），请清理出空间后重新启动。',

  // ---- Savings: the fixed baseline, the daily model, gates and intervals (reports/baseline.ts, reports/monthly.ts, reports/csv.ts, reports/cli.ts, the monthly-savings dashboard) ----
  'savings.reason.separator': '；',
  'savings.reason.baseline_incomplete': '基准期尚未结束：需要满 12 个月的数据才能比较节约量',
  'savings.reason.baseline_insufficient': '基准期内有读数的天数不足（需要 90% 的天数，且每个月至少一半）',
  'savings.reason.no_model': '基准模型未通过检验：天气和校历不足以解释用量',
  'savings.reason.model_cv_rmse': '基准模型对月用量的误差超出 ASHRAE 14 号导则的限值（CV(RMSE) 高于 15%）',
  'savings.reason.model_nmbe': '基准模型的系统偏差超出 ASHRAE 14 号导则的限值（NMBE 超出 ±5%）',
  'savings.reason.before_baseline': '该月在基准期之前',
  'savings.reason.in_baseline': '该月属于基准期，不计节约量',
  'savings.reason.coverage': '本月表计数据覆盖不足 90%',
  'savings.reason.weather_missing': '超过 10% 的天数缺少室外温度',
  'savings.reason.season_fit': '基准模型对基准年同月的误差超过 15%',
  'savings.reason.negligible_use':
    '本月实际和预期用量都几乎为零（如非采暖季的供热），不计算节约率、不参与排名',
  'savings.reason.no_expected': '无预期用量',
  'savings.cli.notRanked': '{school} {utility}：不参与排名：{reasons}',
  'savings.cli.interval': '{school} {utility}：节约 {pct}%（90% 置信区间 {low} … {high}%），{method}',
  'savings.method.daily_model': '基准模型',
  'savings.method.last_year_scaled': '仅供参考：去年同月用量，按上课日和天气调整',
  'savings.method.none': '无预期用量',
  'savings.dashboard.row': '节约量',
  'savings.dashboard.savings': '相对基准期的节约量（含 90% 置信区间）',
  'savings.dashboard.savingsDescription':
    '节约报表的月度数据（monthly_report 测量）：节约量占预期用量的百分比、ASHRAE 14 号导则的 90% 置信区间、' +
    '基准期以来的累计节约，以及该数据是否通过检验（未通过：不参与排名，原因见报表）。',
  'savings.dashboard.school': '学校',
  'savings.dashboard.utility': '能源类型',
  'savings.dashboard.savingsPct': '节约率 %',
  'savings.dashboard.low': '下限（90%）',
  'savings.dashboard.high': '上限（90%）',
  'savings.dashboard.cumulative': '基准期以来 %',
  'savings.dashboard.gate': '检验',
  'savings.dashboard.method': '方法',
  'savings.gate': '{value, select, pass {通过} fail {未通过} other {{value}}}',
  'savings.config.baselineOrProgrammeStart': 'baseline 和 programmeStart 只能填写其中一项',
  'savings.config.baselineTooShort':
    '从 {from} 起至少 12 个月（365 天）的基准期；目前只有 {days, plural, other {# 天}}',
  'report.column.savingsLow': '节约量下限（90%）',
  'report.column.savingsHigh': '节约量上限（90%）',
  'report.column.savingsPctLow': '节约率下限（%，90%）',
  'report.column.savingsPctHigh': '节约率上限（%，90%）',
  'report.column.fsu': '节约量相对不确定度（90%）',
  'report.column.gate': '检验',
  'report.column.gateReasons': '未通过检验的原因',
  'report.column.baselineFrom': '基准期起',
  'report.column.baselineTo': '基准期止',
  'report.column.reportingFrom': '节约量起算日',
  'report.column.cumulativeSavings': '基准期以来累计节约量',
  'report.column.cumulativeSavingsPct': '基准期以来累计节约率（%）',
  'report.column.cumulativeSavingsLow': '累计节约量下限（90%）',
  'report.column.cumulativeSavingsHigh': '累计节约量上限（90%）',
  'report.column.blackoutDays': '改造施工天数（不计入）',

  // ---- Web app (web/): pages, forms, signed links; people's logins (app/admin/users.ts, store/users.ts) ----
  'admin.user.usage': `用法：npm run admin -- user <命令> [选项]

命令：
  add <登录名> --role 角色 [--name 姓名] [--schools 编号,编号] [--password 密码]
        为网页端创建登录账号；不给 --password 时自动生成一个，只显示这一次
        角色为 viewer、maintenance 或 admin；姓名是处理记录中显示的称呼（如 王师傅）；
        --schools：此人负责的学校（其事件列表只显示这些学校）
  passwd <登录名> [--password 密码]
        设置新密码（不给则自动生成）；此人已登录的会话立即失效
  set <登录名> [--role 角色] [--name 姓名] [--schools 编号,编号]
        修改账号；--schools '' 表示全部学校
  disable <登录名>      停用账号，不能再登录；已登录的会话立即失效
  enable <登录名>       重新启用账号
  list [--all]          列出账号（--all：包括已停用的）；不显示密码或哈希

密码至少 10 个字符，以 scrypt 哈希保存。
数据存放在 DATA_DIR（默认 ./data），与服务相同；正在运行的服务会立即看到变化。
一旦有人有登录账号，网页端就要求所有人登录（除非设置 ALLOW_ANONYMOUS=1）。`,
  'admin.user.usernameNeeded': '请指明登录名：npm run admin -- user <命令> <登录名>',
  'admin.user.roleNeeded': '需要 --role：可选 {roles}',
  'admin.user.passwordShort': '密码只有 {length} 个字符，至少需要 {minimum} 个',
  'admin.user.unknownSchools': '{source} 中没有学校 {schools}；现有学校为 {known}',
  'admin.user.nothingToSet': '没有要修改的内容：请给出 --role、--name 或 --schools',
  'admin.user.allSchools': '全部学校',
  'admin.user.added': '已为{name}创建登录账号 {username}：角色 {role}，负责学校：{schools}',
  'admin.user.updated': '登录账号 {username}（{name}）现为：角色 {role}，负责学校：{schools}',
  'admin.user.password': '密码（只显示这一次，请当面交给本人）：{password}',
  'admin.user.passwordSet':
    '已为 {username} 设置新密码；{sessions, plural, =0 {当时没有已登录的会话} other {已结束 # 个会话}}',
  'admin.user.disabled': '登录账号 {username} 已停用，其会话已结束',
  'admin.user.enabled': '登录账号 {username} 已重新启用',
  'admin.user.none': '还没有登录账号；可用 npm run admin -- user add <登录名> --role maintenance 添加',
  'admin.user.column':
    '{column, select, username {登录名} name {姓名} role {角色} schools {负责学校} created {创建时间} lastLogin {上次登录} disabled {停用时间} other {{column}}}',
  'user.error.badUsername':
    '登录名 {username} 不可用：只能包含字母、数字和 . _ - @，以字母或数字开头，最多 64 个字符',
  'user.error.badName': '姓名 {name} 不可用：1 到 64 个字符，不能含控制字符',
  'user.error.taken': '已经有登录账号 {username}',
  'user.error.notFound': '没有登录账号 {username}；可用 npm run admin -- user list --all 查看',
  'user.error.disabled': '登录账号 {username} 已经停用',
  'web.app': '校园能耗监测',
  'web.skipToContent': '跳到正文',
  'web.language': '{locale, select, en {English} other {中文}}',
  'web.role': '{role, select, viewer {只读} maintenance {维修} admin {管理员} other {{role}}}',
  'web.signIn': '登录',
  'web.signOut': '退出',
  'web.nav.label': '页面导航',
  'web.nav.item':
    '{item, select, incidents {报修事件} district {学校总览} quality {数据质量} savings {节能成效} readiness {开学检查} other {{item}}}',
  'web.show': '查看',
  'web.print': '打印',
  'web.never': '从未上报',
  'web.ago': '{ago}前',
  'web.severity': '{severity, select, critical {紧急} warning {警告} info {提示} other {{severity}}}',
  'web.severityCount':
    '{severity, select, critical {紧急} warning {警告} info {提示} other {{severity}}} {count}',
  'web.status': '{status, select, open {待处理} acknowledged {处理中} resolved {已解决} other {{status}}}',
  'web.meterState':
    '{state, select, ok {正常上报} offline {已失联} never_reported {从未上报} stale {数据滞后} other {{state}}}',
  'web.kind':
    '{kind, select, water {水表} electricity {电表} heat {热量表} temperature {温度传感器} other {{kind}}}',
  'web.buildingUse':
    '{use, select, teaching {教学楼} dormitory {宿舍楼} canteen {食堂} gym {体育馆} office {办公楼} other {{use}}}',
  'web.family':
    '{family, select, water_loss {漏水} appliance {宿舍违规电器} electricity_waste {用电浪费} heating_waste {供热浪费} heating_fault {供热故障} meter_silent {表计失联} meter_register {表计读数异常} quota {能耗定额} other {{family}}}',
  'web.rule':
    '{rule, select, water_continuous_flow {持续走水} water_after_hours_flow {无人时走水} water_burst {爆管} water_night_flow {夜间流量偏高} water_cistern_refill {水箱反复补水} electricity_high_power_appliance {大功率电器} electricity_after_hours {无人时用电} heat_unoccupied_heating {无人时供热} heat_frost_risk {冻裂风险} heat_low_delta_t {供回水温差过小} heat_no_heat {不热} heat_overheating {过热} meter_offline {表计失联} meter_register_anomaly {读数异常} quota_term {本学期预计超定额} quota_year {本年度预计超定额} other {{rule}}}',
  'web.transition':
    '{transition, select, opened {发现} occurred {再次出现} worsened {加重} escalated {已升级} acknowledged {已确认} assigned {已派单} resolved {已解决} other {{transition}}}',
  'web.action':
    '{action, select, ack {确认：我来处理} assign {派单} resolve {处理完毕} false_alarm {误报} other {{action}}}',
  'web.rejectReason':
    '{reason, select, bad_topic {主题无法识别} bad_json {不是 JSON} bad_schema {读数格式有误} unknown_school {台账中没有该学校} unknown_meter {台账中没有该表计} wrong_kind_fields {字段属于别的表计类型} bad_timestamp {时间缺失或在未来} too_large {消息过大} implausible_value {数值不合理} other {{reason}}}',
  'web.unit': '{unit, select, L_min {升/分钟} kW {千瓦} degC {°C} L {升} kWh {千瓦时} other {{unit}}}',
  'web.field.school': '学校',
  'web.field.meter': '表计',
  'web.field.status': '状态',
  'web.field.lastReading': '最新读数',
  'web.field.lastDay': '近 24 小时',
  'web.field.value':
    '{field, select, volume_m3 {累计 {value} 立方米} flow_lpm {流量 {value} 升/分钟} energy_kwh {累计 {value} 千瓦时} power_w {功率 {value} 瓦} pf {功率因数 {value}} voltage_v {{value} 伏} current_a {{value} 安} power_kw {功率 {value} 千瓦} supply_c {供水 {value} °C} return_c {回水 {value} °C} flow_m3h {流量 {value} 立方米/时} temp_c {{value} °C} humidity_pct {湿度 {value}%} other {{field} {value}}}',
  'web.incidents.title': '待处理事件',
  'web.incidents.count': '{count, plural, =0 {没有待处理事件} other {# 个待处理事件}}',
  'web.incidents.none': '目前没有待处理的事件。',
  'web.incidents.mySchools': '我负责的学校',
  'web.incidents.allSchools': '全部学校',
  'web.incidents.assignedToMe': '派给我的',
  'web.incident.title': '事件 {id}',
  'web.incident.where': '位置',
  'web.incident.meter': '表计 {meter}',
  'web.incident.sinceLabel': '开始时间',
  'web.incident.since': '自 {when}（{ago}前）',
  'web.incident.lastSeen': '最近一次出现',
  'web.incident.perDay': '每天损失',
  'web.incident.costPerDay': '每天损失 {cost}',
  'web.incident.assignedTo': '派给',
  'web.incident.acknowledgedBy': '确认人',
  'web.incident.resolvedBy': '处理人',
  'web.incident.falseAlarm': '误报',
  'web.incident.note': '备注',
  'web.incident.actions': '处理',
  'web.incident.noteLabel': '处理记录（发现了什么、做了什么）',
  'web.incident.assignLabel': '派给（姓名）',
  'web.incident.readOnly': '您的账号（{role}）只能查看此事件，不能处理；维修账号可以处理。',
  'web.incident.evidence': '数据证据',
  'web.incident.occurrences': '{count, plural, other {共出现 # 次}}',
  'web.incident.history': '处理经过',
  'web.incident.done':
    '{action, select, ack {已确认：大家都能看到您在处理。} assign {已派单。} resolve {已标记为处理完毕，谢谢！} false_alarm {已标记为误报，规则会据此改进。} other {已完成。}}',
  'web.incident.failed':
    '{reason, select, resolved {此事件已经解决。} assigneeMissing {请填写派给谁。} other {操作没有成功。}}',
  'web.link.notice': '此页面由发给 {to} 的链接打开，仅限本事件使用，有效期至 {until}。',
  'web.chart.measure':
    '{hourly, select, true {{kind, select, water {每小时用水量} other {每小时用能}}} other {{kind, select, water {流量} electricity {用电功率} heat {供热功率} temperature {温度} other {{kind}}}}}',
  'web.chart.fault': '故障',
  'web.chart.summary':
    '近 {hours} 小时的{measure}，最高 {peak} {unit}{fault, select, true {；图中标出了自 {since} 起的故障时段} other {}}。',
  'web.chart.empty': '近 {hours} 小时的{measure}：尚无读数。',
  'web.chart.table': '查看数据表',
  'web.chart.time': '时间',
  'web.sparkline': '近 24 小时，{min} 至 {max} {unit}',
  'web.district.title': '学校总览',
  'web.district.caption': '各校当前情况：表计、待处理事件，以及本月用量与预期对比',
  'web.district.meters': '块表计',
  'web.district.silent': '块失联',
  'web.district.metersColumn': '表计',
  'web.district.incidentsColumn': '待处理事件',
  'web.district.monthColumn': '本月至今',
  'web.district.reporting': '{total} 块中 {ok} 块正常上报',
  'web.district.silentCount': '{count, plural, other {# 块表计失联}}',
  'web.district.staleCount': '{count, plural, other {# 块表计数据滞后}}',
  'web.district.noIncidents': '无',
  'web.district.vsExpected': '（预期 {expected}{hasPct, select, true {，节约 {pct}%} other {}}）',
  'web.school.meters': '楼栋与表计',
  'web.meter.readingAt': '{at} 的读数，{received}前收到',
  'web.meter.interval': '上报间隔',
  'web.meter.lastHours': '近 {hours} 小时',
  'web.meter.incidents': '此表计的事件',
  'web.quality.title': '数据质量',
  'web.quality.silent': '{count, plural, =0 {没有失联表计} other {# 块表计失联}}',
  'web.quality.silentCaption': '已停止上报或从未上报的表计',
  'web.quality.noneSilent': '所有表计都在正常上报。',
  'web.quality.stale': '{count, plural, =0 {没有数据滞后} other {# 块表计数据滞后}}',
  'web.quality.staleCaption': '读数能收到但迟到：网关在补传，或时钟不准',
  'web.quality.noneStale': '没有表计发送过时的读数。',
  'web.quality.rejected': '被拒收的读数（按原因）',
  'web.quality.since': '自服务启动（{since}）起统计。',
  'web.quality.noneRejected': '没有被拒收的读数。',
  'web.quality.reason': '原因',
  'web.quality.countColumn': '条数',
  'web.quality.latest': '最近一次',
  'web.quality.unknownSchool': '未知学校',
  'web.savings.title': '节能成效',
  'web.savings.heading':
    '{month} 节能成效：{utility, select, water {用水} electricity {用电} heat {供热} other {{utility}}}',
  'web.savings.csv': '下载 CSV',
  'web.savings.monthly': '月度报告',
  'web.savings.noRows': '本月暂无数据。',
  'web.savings.interval': '90% 置信区间（%）',
  'web.savings.range': '{low} 至 {high}',
  'web.savings.gate': '{gate, select, pass {通过检验} fail {未通过检验} other {{gate}}}',
  'web.savings.indicative': '仅供参考',
  'web.savings.league': '排行榜',
  'web.savings.noneRanked': '本月没有学校的数据通过统计检验。',
  'web.savings.rankedLine':
    '节约 {pct}%{interval, select, true {（90% 置信区间 {low}% 至 {high}%）} other {}}',
  'web.savings.unranked': '未参与排名',
  'web.savings.noReason': '未说明原因',
  'web.savings.ytd': '本年累计（{from} 至 {to}）',
  'web.savings.monthsCompared': '（{months} 个月中有 {compared} 个月可对比）',
  'web.readiness.title': '开学准备检查',
  'web.readiness.noTerm': '校历中没有即将开始的学期。',
  'web.readiness.headline':
    '{term}（{start} 开学，{days, plural, =0 {今天} other {# 天后}}）：{ready, select, true {已准备就绪} other {尚未就绪}}。',
  'web.readiness.passed': '{ok, select, true {通过：} other {未通过：}}',
  'web.readiness.checked': '检查时间：{at}。',
  'web.login.title': '登录',
  'web.login.username': '登录名',
  'web.login.password': '密码',
  'web.login.submit': '登录',
  'web.login.failed': '登录名或密码不正确。',
  'web.login.wait': '登录失败次数过多，请 {seconds} 秒后再试。',
  'web.login.help': '还没有账号？请联系教育局后勤科，由管理员用 npm run admin -- user add 创建。',
  'web.refused.forbidden': '您的账号无权进行此操作',
  'web.refused.notFound': '找不到该页面',
  'web.refused.badForm': '表单无法提交',
  'web.refused.linkExpired': '此链接已过期',
  'web.refused.linkInvalid': '此链接无效',
  'web.refused.linkOtherIncident': '此链接属于另一个事件',
  'web.refused.explain':
    '{reason, select, forbidden {您的角色不允许此操作，如有需要请联系教育局后勤科。} notFound {没有这个页面、事件、学校或表计。} badForm {页面打开时间过长，或表单来自其他网站。请返回、刷新页面后重试。} linkExpired {通知中的链接只在一定时间内有效。请登录后查看该事件，或请求重新发送通知。} linkInvalid {链接不完整或已被改动。请从通知中重新打开，或直接登录。} linkOtherIncident {链接只能用于它所对应的事件。请打开该事件自己的链接，或直接登录。} other {无法完成此操作。}}',
  'web.refused.home': '返回首页',

  // ---- Notifications: channels, contacts, incidents told to people by e-mail and group robots (notify/) ----
  'config.source.channels': '台账中的通知渠道',
  'config.expected.channelName': '由小写字母、数字、_ 和 - 组成的渠道名称（wecom、dingtalk、feishu）',
  'config.expected.phone': '由数字组成的手机号码，例如 13800138000 或 +86 138 0013 8000',
  'config.expected.anyKey': '以下任一项：{keys}',
  'notify.severity': '{severity, select, critical {严重} warning {警告} other {提示}}',
  'notify.transition':
    '{transition, select, opened {新故障} worsened {故障加重} escalated {无人认领，已升级} acknowledged {已认领} assigned {已派单} resolved {已解决} other {更新}}',
  'notify.headline': '{transition} · {severity}',
  'notify.place.space': '{building} · {space}',
  'notify.meter': '表计：{meter}',
  'notify.meterNamed': '表计：{name}（{id}）',
  'notify.since': '开始时间：{time}',
  'notify.seen': '{count, plural, other {已出现 # 次}}',
  'notify.acknowledged': '{by} 已认领',
  'notify.assigned': '已派给 {to}',
  'notify.resolved': '{falseAlarm, select, true {{by} 已按误报关闭} other {{by} 已处理完毕}}',
  'notify.resolvedByRule': '读数已恢复正常，故障已自行消除',
  'notify.escalated': '自 {time} 起一直无人认领',
  'notify.note': '备注：{note}',
  'notify.onDuty': '值班：{names}',
  'notify.link.label': '打开处理 · 一键认领',
  'notify.link.short': '打开',
  'notify.link.line': '打开处理（一键认领）：{url}',
  'notify.link.missing':
    '暂无处理链接：请管理员把 PUBLIC_URL 设为大家访问 schoolmeter 的地址，之后的通知会附上可一键认领的链接。',
  'notify.digest.storm':
    '{minutes, plural, other {# 分钟}}内共 {count, plural, other {# 起故障}}，合并为一条消息发送',
  'notify.digest.counts': '严重 {critical} · 警告 {warning} · 提示 {info}',
  'notify.digest.history': '补录历史数据期间，有 {count, plural, other {# 起故障}}发生后已自行恢复',
  'notify.digest.daily': '每日汇总：{count, plural, other {# 起能耗浪费}}',
  'notify.digest.item': '{mark} {school} · {place}：{sentence}',
  'notify.digest.span': '{from} 至 {to}',
  'notify.digest.more': '…… 其余 {count} 起见下一条消息',
  'notify.mail.subject':
    '{transition, select, worsened {【加重】} escalated {【升级】} acknowledged {【已认领】} resolved {【已解决】} other {}}【{severity}】{school}：{sentence}',
  'notify.mail.school': '学校：{school}',
  'notify.mail.place': '位置：{place}',
  'notify.mail.rule': '规则：{rule}',
  'notify.mail.incident':
    '故障单 #{id}，{status, select, open {待处理} acknowledged {处理中} other {已解决}}',
  'notify.mail.evidence': '判断依据（原始数据）：',
  'notify.mail.evidenceLine': '  {key}：{value}',
  // District reporting: classification, sub-items, the platform package, quotas, heating compliance, the leak dossier
  'classification.expected.code':
    '建筑编码：6 位行政区划代码 + 建筑类别字母 A–H（D 为文化教育建筑）+ 3 位顺序号，如 220112D001',
  'classification.expected.dataCenterId': '部里分配的 6 位数据中心编号，如 220100',
  'classification.expected.uniqueCode': '与其他建筑不重复的编码（此编码已被 {seen} 使用）',
  'classification.expected.division': '前 6 位为行政区划代码的编码（前两位为省级代码，如吉林为 22）',
  'classification.expected.category': '{kind} 表只能是以下之一：{categories}',
  'classification.expected.noCategory': '不填：{kind} 传感器不计量能耗',
  'classification.expected.subItemElectricity': '不填：分项只用于电',
  'classification.category':
    '{value, select, electricity {电} water {水} gas {燃气} heat {集中供热量} cooling {集中供冷量} other {其他能源}}',
  'classification.item':
    '{value, select, total {合计} unclassified {未分项} lighting_sockets {照明插座用电} lighting_sockets_rooms {照明与插座} lighting_sockets_corridors {走廊与应急照明} lighting_sockets_outdoor {室外景观照明} air_conditioning {空调用电} air_conditioning_plant {冷热站} air_conditioning_terminals {空调末端} power {动力用电} power_lifts {电梯} power_pumps {水泵} power_fans {通风机} special {特殊用电} special_data_centre {信息中心} special_laundry {洗衣房} special_kitchen {厨房餐厅} special_pool {游泳池} special_gym {健身房} special_other {其他特殊用电} other {{value}}}',
  'subitems.column.school': '学校',
  'subitems.column.building': '建筑',
  'subitems.column.category': '分类',
  'subitems.column.item': '分项',
  'subitems.column.code': '能耗编码',
  'subitems.column.unit': '单位',
  'subitems.column.used': '用量',
  'subitems.column.share': '占分类比例（%）',
  'subitems.column.coverage': '数据覆盖率（%）',
  'platform.error.notConfigured':
    '缺少数据中心编号：请在登记册中填写 district.platform.dataCenterId，即部里分配的 6 位编号（见 docs/reporting.md）。',
  'platform.error.badDate': '{date} 不是有效日期：请按 YYYY-MM-DD 填写，如 2026-10-12。',
  'platform.uncoded':
    '有 {count, plural, other {# 栋建筑}}装有仪表但没有建筑编码，未纳入数据包：{buildings}。请在登记册中为其填写编码。',
  'district.cli.usage': `用法：npm run district -- <命令> [选项]

命令：
  subitems --month YYYY-MM | --date YYYY-MM-DD   按能耗分类和用电分项统计用量
           [--school 学校ID] [--by-building] [--csv]
  package  --date YYYY-MM-DD [--out 目录]        生成当日上报省级平台的数据包
                                                 （<数据中心编号><日期>.zip）
  quotas   [--school 学校ID] [--date YYYY-MM-DD] [--csv]
                                                 根据截至该日的用量，预测各校学期末和年末用量并与定额对比
  heating  --week YYYY-MM-DD [--school 学校ID] [--csv]
                                                 采暖期上课时间教室温度低于 18 °C 的情况，
                                                 按该周一起的一周统计
  dossier  --incident 编号 [--out 文件]          已解决漏水故障单的 PDF 档案

选项：
  --locale L          zh-CN 或 en（默认：LOCALE，否则用区里设定的语言）
  -h, --help          显示本说明`,
  'district.cli.unknownCommand': '没有“{command}”这个命令：可用的命令有 {commands}。',
  'district.cli.needsPeriod': '请指定时段：--month YYYY-MM 或 --date YYYY-MM-DD。',
  'district.cli.needsDate': '请指定日期：--date YYYY-MM-DD。',
  'district.cli.written': '已写入：{file}',
  'dossier.title': '漏水事件档案：故障单 #{id}',
  'dossier.generated': '由 schoolmeter 根据仪表读数和故障单记录于 {time} 生成。',
  'dossier.section.summary': '概要',
  'dossier.section.evidence': '依据：仪表逐时用水量',
  'dossier.section.timeline': '经过及通知对象',
  'dossier.section.meter': '仪表及位置',
  'dossier.label.school': '学校',
  'dossier.label.place': '位置',
  'dossier.label.building': '建筑',
  'dossier.label.buildingCode': '建筑编码',
  'dossier.label.space': '房间',
  'dossier.label.meter': '仪表',
  'dossier.label.parent': '上级仪表',
  'dossier.label.incident': '故障单',
  'dossier.label.period': '漏水经过',
  'dossier.label.duration': '持续',
  'dossier.label.rate': '漏水速率',
  'dossier.label.volume': '漏失水量',
  'dossier.label.cost': '漏失水费',
  'dossier.label.toAcknowledge': '从首次告警到有人认领',
  'dossier.label.toResolve': '从首次告警到解决',
  'dossier.range': '{low} 至 {high}',
  'dossier.period': '始于 {earliest} 至首次告警 {alert} 之间；止于 {stopped}',
  'dossier.column.time': '时间',
  'dossier.column.event': '事件',
  'dossier.column.who': '人员',
  'dossier.note': '备注：{note}',
  'dossier.event.firstFlow': '最早可能开始漏水的时间：此后该表用水量未再低于漏水速率',
  'dossier.event.alert': '发出告警：{rule}',
  'dossier.event.notified':
    '{transition, select, opened {通知新故障} worsened {通知故障加重} escalated {升级通知：无人认领} acknowledged {通知已有人认领} assigned {通知已指派} resolved {通知已解决} other {通知：{transition}}}',
  'dossier.event.notifyPending': '通知尚未发出（{transition}）',
  'dossier.event.notifyFailed': '通知未能送达（{transition}）',
  'dossier.event.transition':
    '{transition, select, worsened {故障加重} escalated {升级} acknowledged {已认领：有人在处理} assigned {已指派} resolved {已解决} other {{transition}}}',
  'dossier.event.flowStopped': '流量恢复正常：告警已解除',
  'dossier.chartCaption':
    '单位：升/小时。红色为漏水时段（自最早可能的起点至流水停止）；虚线为规则测得的漏水速率。纵轴最高为该速率的 12 倍，以便看清夜间的漏水；更高的柱子被截断，顶部加黑线标记。',
  'dossier.noData': '该时段没有保存这块仪表的逐时读数。',
  'dossier.method':
    '计算方法：漏水速率取该表自身各告警估算的最大日漏失量，折算为每小时。逐时读数无法区分白天的正常用水和滴漏，因此漏水起点给出一个区间：从首次告警前用水量最后一次低于该速率 80% 的那一小时结束时，到首次告警时。终点为告警解除时（若故障单更早解决，则为解决时）。漏失水量 = 速率 × 时长，下限自首次告警起算，上限自最早可能的起点起算；水费 = 漏失水量 × 该表水价。时间均为学校当地时间。',
  'dossier.page': '{title} · 第 {page} 页，共 {pages} 页',
  'dossier.error.notWater': '故障单 #{id} 不是漏水故障：漏水事件档案只针对漏水。',
  'dossier.error.notResolved': '故障单 #{id} 尚未解决：解决后才能生成档案，以便记录完整经过。',
  'dossier.error.noFont':
    '生成档案需要 Noto Sans CJK 字体（{file}）：请安装 Debian 的 fonts-noto-cjk 软件包（apt-get install fonts-noto-cjk）。',
  'dossier.link': '漏水事件档案（PDF）：经过、漏失水量和水费、依据',
  'district.cli.needsIncident': '请指定故障单：--incident 编号（故障单页面上的编号）。',
  'quota.onTrack':
    '{school}本{period, select, term {学期} other {年度}}（{name}，至 {end}）{utility, select, water {用水} electricity {用电} other {供热}}预计达到 {projected, number} {unit, select, m3 {立方米} other {千瓦时}}，定额为 {limit, number}：如不降低用量，将于 {crossesOn} 超出定额，期末超出 {overBy, number} {unit, select, m3 {立方米} other {千瓦时}}（{overPct, number}%）',
  'quota.exceeded':
    '{school}本{period, select, term {学期} other {年度}}（{name}）{utility, select, water {用水} electricity {用电} other {供热}}已于 {crossesOn} 超出定额 {limit, number} {unit, select, m3 {立方米} other {千瓦时}}，预计期末超出 {overBy, number}（{overPct, number}%）',
  'quota.column.school': '学校',
  'quota.column.utility': '类别',
  'quota.column.period': '定额周期',
  'quota.column.limit': '定额',
  'quota.column.usedToDate': '截至目前用量',
  'quota.column.projected': '预计期末用量',
  'quota.column.overPct': '超出（+）/低于（−）定额（%）',
  'quota.column.crossesOn': '预计超定额日期',
  'quota.column.daysLeft': '剩余上课日 / 其他日',
  'quota.column.unit': '单位',
  'quota.period': '{period, select, term {学期 {name}} other {{name} 年度}}',
  'quota.daysLeft': '{school} / {other}',
  'quota.none':
    '没有学校设定了现行的能耗定额：请在登记册中为各校（或在 defaults 中）填写 quotas（见 docs/reporting.md）。',
  'heating.title': '供暖达标情况：上课时间教室温度低于 {min} °C',
  'heating.headline':
    '{school}，{week} 至 {to} 这一周：{of} 间教室中有 {rooms} 间低于 18 °C，在 {occupied} 个有测量的上课小时中共 {hours} 小时；上课时段室外平均 {outdoor} °C',
  'heating.outOfSeason': '{school}，{week} 至 {to} 这一周：不在采暖期内',
  'heating.worst': '最冷的上课小时',
  'heating.worstLine': '{time} · {room}：{temp} °C（室外 {outdoor} °C）',
  'heating.method':
    '统计口径：按学校作息日历教室有人（上课时间，不含节假日和假期）且当天在采暖期内的小时计入；该小时温度为室内传感器读数的平均值，低于 {min} °C 记为不达标小时。没有读数的小时单独列出：传感器不报数会掩盖教室偏冷。',
  'heating.column.school': '学校',
  'heating.column.week': '周起始日',
  'heating.column.building': '建筑',
  'heating.column.room': '教室',
  'heating.column.occupiedHours': '有测量的上课小时',
  'heating.column.coldHours': '低于 18 °C 的小时',
  'heating.column.coldShare': '低于 18 °C 的比例（%）',
  'heating.column.worstC': '最低小时均温（°C）',
  'heating.column.worstAt': '最低温时间',
  'heating.column.outdoorC': '不达标时段室外温度（°C）',
  'heating.column.missingHours': '无读数的上课小时',
  'district.cli.needsWeek': '请指定周：--week YYYY-MM-DD（该周任意一天；一周从周一到周日）。',
  // (end of district reporting)

  // ---- Readings taken but not counted, answered on schools/{school}/rejected (ingest/pipeline.ts) ----
  'ingest.notCounted.duplicate':
    '表计 {meter} 在 {ts} 已有读数：同一时间的读数只计一次（最新读数 {latest}；早于 {watermark} 的读数不计入）',
  'ingest.notCounted.late':
    '该读数时间为 {ts}，早于表计 {meter} 的水位线 {watermark}（其最新读数 {latest} 往前 {minutes} 分钟，或它记得的最早读数）：已保存，但不计入用量',

  // ---- The tools' command lines and progress lines (core/cli.ts, core/progress.ts; npm start,
  // simulate, evaluate, evaluate:savings, bench, profile, screenshots) ----
  'cli.notOneOf': '{option} 须为以下之一：{values}，而不是“{value}”',
  'cli.seeHelp':
    '运行 {script, select, start {`npm start -- --help`} other {`npm run {script} -- --help`}} 查看全部选项。',
  'cli.progress': '{what}：已完成 {percent}（{done}），{rate}，已用 {elapsed}，预计还需 {left}',
  'cli.progress.noEstimate': '{what}：已完成 {percent}（{done}），{rate}，已用 {elapsed}',
  'cli.rate.readings': '每秒 {rate} 条读数',
  'cli.rate.runs': '每分钟 {rate} 轮',
  'cli.notWhole': '{option} 须为 {min} 到 {max} 之间的整数，而不是“{value}”',
  'start.cli.usage': `用法：npm start

启动 schoolmeter：MQTT 代理、规则、网页端和 API。它不接受选项，通过环境变量配置，例如

  HTTP_PORT=8081 MQTT_PORT=1884 DATA_DIR=/var/lib/schoolmeter npm start
  CONFIG=district.yaml INFLUX_URL=http://localhost:8086 INFLUX_DATABASE=schoolmeter npm start

全部变量及其默认值见 README.md 的“Configuration”一节和 docs/configuration.md。
不设 CONFIG 时运行演示学区，由模拟器提供数据（DEMO=0 可关闭）。`,
  'simulate.cli.usage': `schoolmeter 模拟器——整所学校的表计，带故障，通过 MQTT 发送

用法：npm run simulate -- [选项]

模拟什么
  --config 文件          台账（YAML/JSON）；默认：自带的演示学区
  --schools N            改为生成一个有 N 所学校的学区（另见 --rooms、--write-config）
  --rooms N              生成学区中每栋宿舍计量的房间数（默认 40）
  --kind 类型            改为按 --seed 生成某一类型的学区：
{kinds}
  --write-config 文件    把生成学区的台账写到这里（作为服务的 CONFIG 使用）
  --only a,b             只模拟这几所学校（学校编号）
  --scenario 名称|文件   注入的故障：demo、all-faults 或场景文件（默认：无）
  --plan-faults          改为注入自动生成的故障计划：在模拟时段内按学校实际发生的方式
                         安排各类故障（另见 --write-scenario）
  --write-scenario 文件  把计划的故障写成场景文件
  --truth 文件           把注入的故障写成 JSON 行（真实情况）
  --seed S               随机种子；同一种子得到同样的学区和读数（默认 schoolmeter）

时间
  --mode 模式            realtime（实时，默认）、backfill（回填）或 once（一次性）
  --start 时间           模拟开始时间：带时区偏移的 ISO-8601、"now"，或相对时间如 -7d、-36h
                         （默认：realtime 为现在，backfill 和 once 为 -7d）
  --end 时间             backfill/once 的结束时间（默认：现在）；realtime 不给则一直运行到停止
  --speed X              realtime 的加速倍数，1 … 3600（默认 1）；不会超过当前时间

怎样发送
  --url URL              MQTT 代理（默认 mqtt://127.0.0.1:1883）
  --username U --password P
  --gateway / --no-gateway   按楼栋网关批量发送读数（backfill 默认开启）
  --batch N              每条网关消息的读数条数（默认 100）
  --qos 0|1              （backfill 默认 1，其余默认 0）
  --out 文件             once 模式：把消息写成 JSON 行，而不是发送

  -h, --help             显示本说明

\`npm start\` 运行的服务本身已在模拟演示学区：要从这里发送演示学区的数据，请用 DEMO=0 启动服务
（同一块表计的两份模拟数据累计读数对不上，服务会把这些跳变标记为累计读数异常）。

示例
  npm run simulate                                   # 演示学区，实时发送到本机代理
  npm run simulate -- --mode backfill --start -30d --scenario all-faults --truth truth.jsonl
  npm run simulate -- --schools 1000 --write-config big.yaml --mode once --end +1h --out /dev/null
  npm run simulate -- --kind rural-boarding --seed 7 --write-config rural.yaml --mode once \\
      --start 2026-12-07T00:00:00+08:00 --end 2026-12-14T00:00:00+08:00 --plan-faults --truth t.jsonl --out m.jsonl`,
  'simulate.cli.badMode': '--mode 须为 realtime、backfill 或 once，而不是“{mode}”',
  'simulate.cli.badKind': '--kind 须为以下之一：{kinds}，而不是“{kind}”',
  'simulate.cli.notBoth': '{a} 和 {b} 只能给一个',
  'simulate.cli.badSchools': '--schools 须为正整数，而不是“{value}”',
  'simulate.cli.badTime': '“{value}”不是时间：请给出带时区偏移的 ISO-8601、"now"，或 -7d / +1h',
  'simulate.cli.badSpeed': '--speed 须在 1 到 3600 之间，而不是“{value}”',
  'simulate.cli.planNeedsEnd': '--plan-faults 需要 --end：故障是在模拟时段内安排的',
  'simulate.cli.scenarioNeedsPlan':
    '--write-scenario 写出的是 --plan-faults 的计划：请同时给出 --plan-faults',
  'simulate.cli.badQos': '--qos 须为 0 或 1，而不是“{value}”',
  'simulate.demoDistrictNote':
    'simulate：注意：`npm start` 已由自带的模拟器为演示学区提供数据。第二份模拟数据的累计读数与之对不上，服务会为这些跳变发出 meter.register_anomaly 告警。要从这里发送演示学区的数据，请用 DEMO=0 启动服务；或者模拟另一个学区（--schools、--kind、--config）。',
  'simulate.cli.noBroker':
    'simulate：无法连接 {url} 上的 MQTT 服务器（{reason}）。请先启动服务（npm start），或用 --url 指定服务器。',
  'simulate.cli.brokerRefused':
    'simulate：{url} 上的 MQTT 服务器拒绝了连接（CONNACK {reason}）。请用 --username 和 --password 给出网关账号（npm run admin -- gateway add）。',
  'simulate.progress.what': '回填',
  'simulate.progress.done': '{readings} 条读数，已模拟到 {time}',
  'simulate.summary':
    'simulate：{meters} 块表计的 {readings} 条读数，共 {messages} 条消息，已模拟到 {time}，用时 {seconds}（{rate}）',
  'simulate.started': 'simulate：{mode}，{meters} 块表计，从 {time} 起，发送到 {url}',
  'evaluate.cli.usage': `schoolmeter evaluate——规则在未针对其调校的学校上发现故障的能力

用法：npm run evaluate -- [选项]

每个学区先模拟一周预热，再模拟计分的若干周，一次注入各类故障、一次不注入，经过真实的解码、
累计读数、规则和告警；每条规则都与真实情况对照计分。定义见 docs/rules.md 的“Detection quality”。

  --districts a,b   哪些学区（默认：全部）
{districts}
  --weeks N         预热周之后计分的周数（默认 4）；只计起止都在其中的故障
  --seed S          生成学区、故障计划和读数的种子（默认 evaluate）
  --start 时间      所有学区第一个计分周的周一，带时区偏移的 ISO-8601
                    （默认：各学区自己的；演示学区为 {demoStart}）
  --jobs N          同时运行的轮数，在工作线程中（默认 2，不超过 CPU 数）
  --json 文件       把所有表格、故障和误报写成 JSON
  -h, --help        显示本说明

示例
  npm run evaluate
  npm run evaluate -- --districts demo,rural-boarding --weeks 1 --json baseline.json`,
  'evaluate.cli.unknownDistrict': '没有学区“{district}”：可选 {districts}',
  'evaluate.cli.badStart': '--start“{value}”不是时间：请给出一个周一，带时区偏移的 ISO-8601，例如 {example}',
  'evaluate.progress.what': '评估',
  'evaluate.progress.done':
    '{total} 轮中的 {done} 轮；刚完成：{district}，{kind}，{readings} 条读数，{alerts} 条告警',
  'evaluate.progress.withFaults': '有故障',
  'evaluate.progress.faultFree': '无故障',
  'savings.evaluate.usage': `schoolmeter evaluate:savings——在已知真实节约量的参考数据上检验月度节约

用法：npm run evaluate:savings

OpenEEmeter 的参考数据（test/fixtures/savings：一块逐时电表和一块逐时燃气表，真实节约 10%）
像读数一样经过接入和逐时汇总；按月以 Markdown 打印报告年度的每个月——实际、预测、节约量及其
90% 置信区间——并把全年结果与真实值和 CalTRACK 自己的数字对照。不接受选项。

  -h, --help   显示本说明`,
  'bench.cli.usage': `schoolmeter bench——吞吐量、延迟、过载和内存的测量

用法：npm run bench -- [选项]

默认套件 issue 无人值守地运行整套性能矩阵（默认每场景 60 秒时，每个代码目录约 20–25 分钟）：
上限（Mosquitto → 只解析 JSON 的订阅者）、单条读数和 100 条一批的网关消息 × QoS 0/1 × 内置/外部
代理（规则开启）、每秒 10,000 条匀速负载下从发布到告警的延迟、过载（以可持续速率两倍发送
QoS 1）、内存（100,000 块表计，带状态重启）。打印表格并写出 bench/results/<套件>-<时间>.json。
这些是测量数字，不是通过/失败的检查：见 docs/performance.md。

  --suite S              issue（默认）、ingest、simulator、pipeline 或 live-status；多个用逗号分隔
  --seconds N            每个吞吐量场景的发送时长（60）
  --ceiling-seconds N    每次上限测量的时长（30，不超过 --seconds）
  --scenarios a,b        ceiling、single-qos0-embedded … batch100-qos1-external（或前缀，
                         如 single、batch100-qos1）、latency、overload、memory（默认全部）
  --service-dir [名称=]路径   要测量的代码目录；可重复以作对比，例如
                         --service-dir before=/work/before --service-dir after=.
  --meters N（10000） --connections N（4） --window N（每个连接在途的 QoS 1 消息数，100）
  --latency-rate N（10000） --faults-per-second N（10）
  --overload-rate N（默认：--overload-factor × 刚测得的单条 QoS 1 内置代理速率）
  --overload-factor N（2） --memory-meters N（100000） --memory-readings N（24，间隔一小时）
  --service-env 键=值（可重复）   --rate-limit-value V
  --max-lead N           发送方可领先于服务已接收读数的条数（250000；0 = 不限）
  ingest 套件：--messages N（200000） --meters N（1000） --runs N（3） --qos 0|1（0）
  simulator 套件：--hours N（24） --runs N（3）
  pipeline 套件：--readings N（300000） --meters N（10000）
  live-status 套件：--meters N（100000） --runs N（3）
  -h, --help             显示本说明`,
  'bench.cli.badNumber': '{option} 须为数字，而不是“{value}”',
  'bench.cli.badSuite': '--suite 须为以下一个或多个：{suites}，而不是“{suite}”',
  'bench.cli.badEnv': '--service-env 须为 键=值，而不是“{value}”',
  'bench.progress.what': '基准测试',
  'bench.progress.done': '{total} 个场景中的 {done} 个',
  'bench.progress.rate': '每个场景 {minutes} 分钟',
  'profile.cli.usage': `schoolmeter profile——服务在负载下把 CPU 花在哪里

用法：npm run profile -- [选项]

像 npm start 一样把服务作为独立进程启动，用 node --cpu-prof 记录，通过内置代理施加单条读数、
QoS 0 的负载；打印自身耗时最多的函数，并把 .cpuprofile 留在 bench/results/profiles/——可在
Chrome DevTools（Performance → Load profile）或 speedscope.app 中打开查看火焰图。

  --seconds N         施加负载的时长（30）
  --service-dir 目录  要分析的代码目录（当前目录）
  --shape S           single 或 batch100（single）
  --qos N             0 或 1（0）
  --meters N          负载中的表计数（10000）
  --top N             打印的函数个数（30）
  --influx 0|1        1：使用真实的 InfluxDB（默认）；0：只有规则和累计读数
  -h, --help          显示本说明`,
  'samples.cli.usage': `schoolmeter samples——学区上报材料的样例，写入 docs/

用法：npm run samples

用模拟的示范学区生成食堂滴漏事件的漏水档案（中文和英文 PDF，首页由 poppler 的 pdftoppm 转为
PNG）和一天的平台数据包，写到 docs/dossier/ 和 docs/platform/。不接受选项。

  -h, --help   显示本说明`,
  'screenshots.cli.usage': `schoolmeter screenshots——网页端每个页面的截图，用于文档

用法：npm run screenshots

启动测试学区（真实的服务，通过 MQTT 提供数据）和 Debian 的 Chromium，把网页端每个页面在
360 像素和 1280 像素宽度下的中文截图写到 docs/screenshots/。不接受选项。

  -h, --help   显示本说明`,

  // ---- Shards and shard leases (ingest/shard/; SHARD, SHARD_STANDBY, DATABASE_URL) ----
  'shard.expected.spec': 'k/n 形式，k 为 1 到 n，例如 1/3（本进程是 n 个分片中的第 k 个）',
  'shard.expected.withinCount': '1 到 {count} 之间的分片号（SHARD={shard} 表示共有 {count} 个分片）',
  'shard.expected.externalBroker': '与 MQTT_URL 一同设置：各分片共用一个外部（集群）消息服务器',
  'shard.health.refused':
    '已连接消息服务器 {address}，但它拒绝了 {total} 个订阅中的 {count} 个：这些学校的读数收不到（详见日志）',
  'shard.health.subscribing': '已连接消息服务器 {address}，正在订阅主题',
  'shard.expected.standby': '与 SHARD 和 DATABASE_URL 一同设置：备用进程在 PostgreSQL 中等待接管本分片的租约',

  // ---- The failover drill (npm run drill, bench/drill.ts) ----
  'drill.cli.usage': `schoolmeter drill——按学校分片的工作进程与集群消息服务器，数据流中途强行终止

用法：npm run drill -- [选项]

在本机空闲端口上启动一个 3 节点的 NATS 集群（MQTT 和 JetStream）、PostgreSQL 和 InfluxDB，
再启动三个编译后的工作进程（SHARD=1/3、2/3、3/3）以及与 2 号分片共用数据目录的备用进程。
模拟学区经每校一个网关以 QoS 1 发布读数；发布到三分之一时强行终止（-9）2 号工作进程，到一半时
强行终止一个 NATS 节点。随后报告：消息服务器确认的读数、InfluxDB 中存储的读数、丢失的读数
（必须为 0）、重复存储的读数、2 号分片的学校中断处理多长时间，以及是否有事件被重复开立或重复
通知。最后测量一个和两个工作进程经消息服务器接收读数、写入丢弃数据的接收端时的吞吐量
（见 docs/scaling.md）。全程需要几分钟，结果取决于机器。

  --schools N    模拟学区的学校数（30）
  --hours N      数据流覆盖的事件时间小时数（3）
  --seconds N    数据流持续的实际秒数（90）
  --part P       all、failover 或 throughput（all）
  -h, --help     显示本说明`,
  'drill.step.build': '正在编译服务（npm run build）……',
  'drill.step.services': '正在空闲端口上启动 3 节点 NATS 集群（MQTT、JetStream）、PostgreSQL 和 InfluxDB……',
  'drill.step.workers': '正在启动 {workers} 个工作进程（SHARD=k/{workers}）和 {standby} 号分片的备用进程……',
  'drill.step.stream':
    '正在经 {gateways} 个网关以 QoS 1 发布 {schools} 所学校的 {readings} 条读数（事件时间 {hours} 小时），历时 {seconds} 秒……',
  'drill.step.killWorker': 'kill -9：{shard} 号分片的工作进程（pid {pid}）',
  'drill.step.killBroker': 'kill -9：NATS 节点 {node}（pid {pid}）',
  'drill.step.drain': '数据流已结束，等待 InfluxDB 存下所有已确认的读数……',
  'drill.table.title':
    '故障切换演练（多人共用的 2 核机器；数据流中途强行终止一个工作进程和一个消息服务器节点）',
  'drill.col.what': '项目',
  'drill.col.value': '数值',
  'drill.row.acked': '消息服务器已确认（PUBACK）的读数',
  'drill.row.unacked': '始终未获确认的读数（网关会重发）',
  'drill.row.ackGap': '消息服务器最长未确认任何读数的时间',
  'drill.row.stored': 'InfluxDB 中存储的读数',
  'drill.row.lost': '丢失：已确认但未存储（必须为 0）',
  'drill.row.duplicates': '重复存储',
  'drill.row.redelivered': '再次投递给工作进程、只计一次的读数',
  'drill.row.takeover': '被终止进程所负责学校恢复处理所用时间',
  'drill.row.incidents': '开立的事件',
  'drill.row.openedTwice': '重复开立的事件',
  'drill.row.notifications': '发出的通知（webhook）',
  'drill.row.notifiedTwice': '重复发出的通知',
  'drill.row.liveStatus': '每个分片的一只表向每个工作进程查询：与其所属进程回答一致的',
  'drill.value.never': '2 分钟内未恢复',
  'drill.verdict.ok':
    '已确认的读数没有丢失，也没有事件被重复开立或重复通知。备用进程等到失效进程的租约到期（{lease} 秒）后接管了该分片。',
  'drill.verdict.failed':
    '演练未通过：有已确认却未存储的读数、始终未获确认的读数（消息服务器不再接收）、重复开立或重复通知的事件，或分片未被接管——请看上表各行。',
  'drill.logsKept': 'NATS 各节点的日志保存在 {dir}。',
  'drill.step.throughput':
    '吞吐量（{broker}；工作进程：{workers} 个）：以工作进程能接收的最快速度发布 {meters} 块表 20 秒的网关批量消息，写入丢弃数据的接收端……',
  'drill.throughput.title': '吞吐量（QoS 1、每批 100 条的网关批量消息，经消息服务器；不经 InfluxDB）',
  'drill.throughput.col.broker': '消息服务器',
  'drill.throughput.broker.cluster': 'NATS，3 节点',
  'drill.throughput.broker.single': 'NATS，1 节点',
  'drill.throughput.col.workers': '工作进程',
  'drill.throughput.col.readings': '读数',
  'drill.throughput.col.seconds': '秒',
  'drill.throughput.col.rate': '读数/秒',
  'drill.throughput.col.perWorker': '每进程',
  'drill.throughput.col.workerCpu': '工作进程 CPU 秒',
  'drill.throughput.col.perCpuSecond': '每 CPU 秒读数（工作进程）',
  'drill.throughput.col.brokerCpu': '消息服务器 CPU 秒',
  'drill.throughput.note':
    '测量时机器同时在做其他工作，消息服务器和工作进程共用两个核：数字只代表这台机器，不是上限。',
  // ---- Moving the app store from SQLite to PostgreSQL (npm run admin -- store, store/postgres/copy.ts, store/db.ts) ----
  'store.inUse':
    '数据库 {file} 正被另一个进程打开：有 schoolmeter 服务正在使用这个 DATA_DIR。请先停止服务，再运行本命令。',
  'store.copy.noSource': '没有可复制的应用数据：{file} 不存在。请把 DATA_DIR 设为服务所用的数据目录。',
  'store.copy.noDatabaseUrl':
    '未设置 DATABASE_URL：请指定要复制到的 PostgreSQL 数据库，例如 DATABASE_URL=postgres://schoolmeter:…@db.example:5432/schoolmeter',
  'store.copy.notEmpty':
    'PostgreSQL 数据库 {server} 中已有应用数据：{tables}。未复制任何数据。请指定一个空数据库，或加上 --replace 清除其中已有的数据，改用 SQLite 中的应用数据。',
  'store.copy.schemaMismatch':
    '两边的数据表结构不一致，未复制任何数据：{columns} 只在一边存在。服务和本命令请使用同一版本的 schoolmeter。',
  'store.copy.failed':
    '向 {server} 复制应用数据{table, select, none {} other {（数据表 {table}）}}失败，未写入任何数据：{detail}',
  'admin.store.usage': `用法：npm run admin -- store <命令> [选项]

命令：
  copy-to-postgres [--replace]   把 DATA_DIR 中 SQLite 的应用数据复制到 DATABASE_URL 指定的
                                 PostgreSQL 数据库，在一个事务中完成，编号保持不变

复制的内容：告警和事件及其处理记录、通知队列、登录账号及其会话、API 令牌、操作日志、开学检查报告、
已保存的基准模型、载入的学区台账和表计读数异常。SQLite 文件保持原样；数据流状态（各表计状态、
日志位置、汇总数据、写入缓冲索引、网关账号）仍留在其中，即本机磁盘上。

先停止服务（服务仍在使用这个 DATA_DIR 时，本命令拒绝执行），再复制，然后设置 DATABASE_URL 启动服务。
已有应用数据的数据库会被拒绝；--replace 会先清除其中已有的数据。`,
  'admin.store.column': '{column, select, table {数据表} rows {复制行数} other {{column}}}',
  'admin.store.copied':
    '已在一个事务中从 {file} 向 {server} 复制 {tables, plural, other {# 张表}}、共 {rows, plural, other {# 行}}；新增记录的编号将排在已复制记录之后。',
  'admin.store.kept': 'SQLite 文件保持原样。数据流状态仍保存在其中，即本机磁盘上：{tables}。',
  'admin.store.next': '现在请设置 DATABASE_URL 指向该数据库，再启动服务。',
  // ---- Gateway logins as a NATS cluster's users (npm run admin -- gateway nats-users, ingest/broker/nats-users.ts) ----
  'admin.gateway.nats.header': `NATS 集群的登录账号：工作进程的账号，以及每台有效网关各一个账号，每台网关只能收发本校的主题。
本文件由 \`npm run admin -- gateway nats-users\` 生成，手工修改会在下次生成时被覆盖。
新增、更换密码或注销网关账号后，请重新生成本文件，并让每个节点重新加载配置（nats-server --signal reload 或发送 SIGHUP）。`,
  'admin.gateway.nats.needRotation':
    '有 {count, plural, other {# 个}}网关账号未写入：{usernames}。这些账号的密码设置于系统开始保存 NATS 所需的密码格式之前，因此无法登录 NATS 集群。请用 `npm run admin -- gateway rotate <用户名>` 逐个更换密码，把新密码填入网关，然后重新运行 nats-users。',
  'admin.gateway.nats.unsafe':
    '有 {count, plural, other {# 个}}网关账号未写入：{usernames}。其用户名或学校编号无法写入 NATS 配置（含有账号不允许的字符，或与工作进程的 NATS 用户名相同）。请注销这些账号，再用普通的用户名重新添加。',
  'admin.gateway.nats.written':
    '已将工作进程账号和{count, plural, =0 {（没有网关账号）} other { # 个网关账号}}写入{out, select, true {{file}} other {标准输出}}。请让每个 NATS 节点重新加载配置后生效：nats-server --signal reload（或发送 SIGHUP），现有连接不会断开。',
  'admin.gateway.nats.cannotWrite': '无法写入 {file}（{code}）。请确认所在文件夹存在，且当前用户有写入权限。',
  'admin.gateway.nats.workerNeeded':
    'nats-users 也会写入工作进程的登录账号：请在设置了 MQTT_USERNAME（字母、数字和 _ . -）和 MQTT_PASSWORD（至少 {minimum} 个字符，最多 {maximum} 字节）的环境中运行，与工作进程相同，例如在工作进程的容器里',
  'admin.gateway.nats.passwordLong':
    '--password 过长（{bytes} 字节，最多 {maximum} 字节）：NATS 集群只校验到这里。不加该选项即可自动生成密码。',
}
