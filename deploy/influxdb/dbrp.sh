#!/usr/bin/env bash
# Maps the InfluxQL database name INFLUX_BUCKET to the bucket of the same name, so that Grafana's
# InfluxQL queries reach it on InfluxDB 2.x. Runs as a one-shot container after InfluxDB is
# healthy, on every `docker compose up`; a mapping that exists is left alone.
# Needs INFLUX_HOST, INFLUX_TOKEN, INFLUX_ORG (read by the influx CLI) and INFLUX_BUCKET.
set -euo pipefail

: "${INFLUX_BUCKET:?INFLUX_BUCKET is not set}"

if [ -n "$(influx v1 dbrp list --db "$INFLUX_BUCKET" --hide-headers)" ]; then
  echo "dbrp: InfluxQL database \"$INFLUX_BUCKET\" is already mapped"
  exit 0
fi
bucket_id="$(influx bucket list --name "$INFLUX_BUCKET" --hide-headers | cut -f 1)"
if [ -z "$bucket_id" ]; then
  echo "dbrp: bucket \"$INFLUX_BUCKET\" not found in org \"$INFLUX_ORG\"" >&2
  exit 1
fi
influx v1 dbrp create --db "$INFLUX_BUCKET" --rp autogen --bucket-id "$bucket_id" --default
echo "dbrp: InfluxQL database \"$INFLUX_BUCKET\" now maps to bucket $bucket_id"
