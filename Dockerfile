# syntax=docker/dockerfile:1
# schoolmeter: the service as `npm run build` compiles it (node dist/app/main.js), non-root.
# docker-compose.yml builds it; `docker build -t schoolmeter .` works on its own.

# --- build: compile TypeScript, then keep only the runtime dependencies -------------------------
FROM node:20.19.5-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is native: prebuilt binaries cover the usual platforms, these tools the rest.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The build copies the demo district and the simulator's scenarios into dist (DEMO=1 needs them).
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

# --- runtime ---------------------------------------------------------------------------------
FROM node:20.19.5-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    MQTT_HOST=0.0.0.0 \
    MQTT_PORT=1883 \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The leak dossier's PDF is set in Noto Sans CJK (reports/dossier.ts).
RUN apt-get update \
  && apt-get install -y --no-install-recommends fonts-noto-cjk \
  && rm -rf /var/lib/apt/lists/*
# The node image's unprivileged user owns the data directory (SQLite and the write spool).
# /nats-auth: where `gateway nats-users` writes a NATS cluster's users (deploy/cluster/); a volume
# mounted there starts out owned by node, as /data does.
RUN mkdir -p /data /nats-auth && chown node:node /data /nats-auth
USER node
VOLUME ["/data"]
EXPOSE 8080 1883
# GET /health is 200 while ingest, the store and InfluxDB are healthy, 503 otherwise.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/app/main.js"]
