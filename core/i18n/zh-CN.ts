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
  gateway   网关的 MQTT 账号（add 添加、rotate 更换密码、revoke 注销、list 列出）
  token     API 令牌（add 添加、rotate 更换、revoke 注销、list 列出）

运行 \`npm run admin -- <类别> --help\` 查看该类别的命令。
数据存放在 DATA_DIR（默认 ./data），与服务相同。
语言跟随学区台账（CONFIG）；LOCALE=en 或 LOCALE=zh-CN 可另选语言。`,
  'admin.unknownArea': '没有“{area}”这个类别',
  'admin.yesNo': '{yes, select, true {是} other {否}}',
  'admin.gateway.usage': `用法：npm run admin -- gateway <命令> [选项]

命令：
  add <用户名> --school <学校编号> [--password <密码>] [--alerts] [--note <备注>]
        为某所学校的一台网关创建登录账号；不加 --password 时自动生成密码，只显示这一次
        --alerts：允许它另外订阅 schools/<学校编号>/alerts（schools/<学校编号>/rejected 始终可订阅）
  rotate <用户名> [--password <密码>]
        更换密码；旧密码立即失效，使用旧密码的连接会被断开
  revoke <用户名>
        注销账号；该账号不能再登录，现有连接在 10 秒内断开
  list
        列出全部账号及其学校、告警订阅权限和日期（不显示密码）

网关只能在 schools/<学校编号>/ 下发布数据，用 MQTT 用户名和密码登录。
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
    '网关“{username}”现在可以在 schools/{school}/ 下发布数据（可订阅：{alerts, select, true {rejected、alerts} other {rejected}}）',
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
    '{column, select, username {用户名} school {学校} alerts {订阅告警} status {状态} created {创建时间} rotated {更换密码时间} revoked {注销时间} note {备注} other {{column}}}',
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
  'api.error.alertResolved': '告警 {id} 已经处理完毕',
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
  'health.store.ok': 'SQLite 数据库 {file}',
  'health.store.failed': 'SQLite 出错：{error}',
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
    '{value, select, regression {基准期回归模型} last_year_scaled {去年同期按上课天数折算} none {无} other {{value}}}',
  'report.yesNo': '{value, select, true {是} other {否}}',
  'report.reason':
    '{value, select, low_coverage {数据完整率不足 90%} no_expected {没有可比较的预期用量} other {{value}}}',
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
}
