#!/usr/bin/env bash
# The main job behind `make demo`: IoT devices in production and in
# development sharing one Pulsar cluster, each reaching only its own backends
# and its own area of the data lake.
#
#   scripts/demo.sh [--quick] [--limit N] [--rate N]
#
#   --quick     replay the first 4000 readings only
#   --limit N   replay the first N readings only
#   --rate N    readings per second (default 2000; 0 = as fast as possible)
#
# It installs what is missing, builds, starts a Pulsar standalone and
# provisions examples/demo/switchyard.yaml. Then it starts the router, the
# backends (version 1 in prod and test, version 2 for alice and bob), one
# lake sink per environment and the audit sink, and replays the Aberdeen
# sensor data set through the device simulator. Once everything has
# drained, it prints the reconciliation table and stops what it started.
# It exits non-zero if any count does not reconcile.
#
# Settings (environment variables):
#   DEMO_DATA_DIR       directory of Sensor.Community CSV files; default: the
#                       data set beside the repository (../shared/data) when it
#                       exists, else the daily files downloaded from the
#                       Sensor.Community archive into the cache
#   PULSAR_BROKER_PORT, PULSAR_WEB_PORT   broker ports (6650, 8080)
set -euo pipefail
# Command substitutions, such as the data download below, stop on errors too.
shopt -s inherit_errexit

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

limit=""
# A steady rate keeps the PING round trips about the pipeline, not about a queue.
rate=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) limit=4000 ;;
    --limit) limit="${2:?--limit needs a number}"; shift ;;
    --rate) rate="${2:?--rate needs a number}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

cache="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}"
# examples/demo/switchyard.yaml names demo-output/ as the lake location.
out="$root/demo-output"
config="$root/examples/demo/switchyard.yaml"
scenario="$root/examples/demo/scenario.yaml"
export PULSAR_BROKER_PORT="${PULSAR_BROKER_PORT:-6650}"
export PULSAR_WEB_PORT="${PULSAR_WEB_PORT:-8080}"
export PULSAR_RUN_DIR="$cache/run/demo-pulsar"
export SWITCHYARD_PULSAR_URL="pulsar://127.0.0.1:$PULSAR_BROKER_PORT"
export SWITCHYARD_ADMIN_URL="http://127.0.0.1:$PULSAR_WEB_PORT"
started_at=$SECONDS

step() { printf '\n==> %s\n' "$*"; }

step "installing missing packages and building"
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
switchyard="$root/build/src/cli/switchyard"

data_dir="$(scripts/demo-data.sh)"
if ! ls "$data_dir"/*.csv >/dev/null 2>&1; then
  echo "demo: no *.csv files in $data_dir: set DEMO_DATA_DIR to a directory of Sensor.Community CSV files" >&2
  exit 2
fi
echo "demo: replaying the readings in $data_dir"

rm -rf "$out"
mkdir -p "$out/logs" "$out/reports" "$out/lake" "$out/audit"

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
cleanup() {
  stop_all
  scripts/pulsar.sh stop || true
}
trap cleanup EXIT

# Starts "$@" in the background with its log in $out/logs/$name.log.
start() {
  local name="$1"
  shift
  "$@" >"$out/logs/$name.log" 2>&1 &
  pids+=($!)
  echo "started $name (pid $!), log $out/logs/$name.log"
}

step "starting Pulsar standalone"
scripts/pulsar.sh start

step "provisioning $config"
"$switchyard" provision --config "$config"

step "starting the router, the backends and the sinks"
start router "$switchyard" route --config "$config"
start backend-prod "$switchyard" backend --config "$config" --env prod --app-version 1 \
  --report "$out/reports/backend-prod.json"
start backend-test "$switchyard" backend --config "$config" --env test --app-version 1 \
  --report "$out/reports/backend-test.json"
start backend-dev-alice "$switchyard" backend --config "$config" --env dev-alice --app-version 2 \
  --report "$out/reports/backend-dev-alice.json"
start backend-dev-bob "$switchyard" backend --config "$config" --env dev-bob --app-version 2 \
  --report "$out/reports/backend-dev-bob.json"
for sink in prod-lake test-lake dev-lake dev-alice-lake dev-bob-lake audit; do
  start "sink-$sink" "$switchyard" sink --config "$config" --sink "$sink"
done
sleep 2

step "replaying $data_dir through the device simulator${limit:+ (first $limit readings)}"
"$switchyard" device --config "$config" --scenario "$scenario" --data "$data_dir" \
  --rate "$rate" ${limit:+--limit "$limit"} --ping-timeout-ms 5000 \
  --report "$out/reports/devices.json"

step "waiting until every subscription has caught up"
"$switchyard" reconcile --config "$config" --wait-only --wait-timeout-s 600

# Stopped programs write their final reports and flush their files.
stop_all

step "reconciliation"
status=0
"$switchyard" reconcile --config "$config" --wait-timeout-s 0 \
  --device-report "$out/reports/devices.json" \
  --backend prod="$out/reports/backend-prod.json" \
  --backend test="$out/reports/backend-test.json" \
  --backend dev-alice="$out/reports/backend-dev-alice.json" \
  --backend dev-bob="$out/reports/backend-dev-bob.json" \
  --lake "$out/lake" --audit "$out/audit" || status=$?

echo
echo "lake files:   $out/lake/<environment>/..."
echo "audit trail:  $out/audit/"
echo "logs:         $out/logs/"
echo "demo took $((SECONDS - started_at)) s"
exit "$status"
