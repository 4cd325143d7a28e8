#!/usr/bin/env bash
# Integration test: the demo scenario of scripts/demo.sh on the first
# DEMO_IT_LIMIT readings, against a running broker, with every expected
# count computed here from the CSV files, independently of the C code.
#
#   tests/demo/demo_it.sh [SWITCHYARD_BINARY]
#
# The binary is the argument, else $SWITCHYARD_BIN. Settings (environment):
#   SWITCHYARD_TEST_PULSAR_URL  broker service URL (required), pulsar://HOST:PORT
#   SWITCHYARD_TEST_ADMIN_URL   broker admin URL (required), http://HOST:PORT
#   SWITCHYARD_TEST_DATA_DIR    directory of the Sensor.Community CSV files;
#                               default: the data set beside the repository
#                               (<repository>/../shared/data)
#   DEMO_IT_LIMIT               readings to replay (default 3000)
#   DEMO_IT_RATE                readings per second (default 1000)
#
# Steps: generate a configuration from examples/demo/switchyard.yaml with a
# tenant of this run's own (it-demo-<pid>-<time>) and the lake in a temporary
# directory, provision it, start the router, the backends and the sinks,
# replay the readings through the device simulator, wait until every
# subscription has caught up, stop everything with SIGTERM, and compare the
# broker's counters, the backends' reports, the lake and the audit trail
# with the counts computed here. Exits 0 when all of them match, 1 when one
# does not (the temporary directory is kept then, and its path printed).
set -euo pipefail
export LC_ALL=C

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
limit="${DEMO_IT_LIMIT:-3000}"
rate="${DEMO_IT_RATE:-1000}"

fail() {
  echo "demo_it: $*" >&2
  exit 1
}

[[ "$limit" =~ ^[1-9][0-9]*$ ]] || fail "invalid DEMO_IT_LIMIT '$limit': give a count of readings, 1 or more"
[[ "$rate" =~ ^[1-9][0-9]*$ ]] || fail "invalid DEMO_IT_RATE '$rate': give readings per second, 1 or more"

# --- inputs --------------------------------------------------------------

switchyard="${1:-${SWITCHYARD_BIN:-}}"
[ -n "$switchyard" ] || fail "no switchyard binary: pass its path as the first argument or set SWITCHYARD_BIN"
[ -x "$switchyard" ] || fail "switchyard binary '$switchyard' is not an executable file: build it first"
pulsar_url="${SWITCHYARD_TEST_PULSAR_URL:-}"
admin_url="${SWITCHYARD_TEST_ADMIN_URL:-}"
[ -n "$pulsar_url" ] || fail "SWITCHYARD_TEST_PULSAR_URL is not set: give the test broker's service URL, for example pulsar://127.0.0.1:6650"
[ -n "$admin_url" ] || fail "SWITCHYARD_TEST_ADMIN_URL is not set: give the test broker's admin URL, for example http://127.0.0.1:8080"
for tool in curl jq zcat zstdcat; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed: run scripts/install-deps.sh"
done

has_csv() {
  compgen -G "$1/*.csv" >/dev/null
}
beside_repository="$(cd "$root/.." && pwd)/shared/data"
if [ -n "${SWITCHYARD_TEST_DATA_DIR:-}" ]; then
  data_dir="$SWITCHYARD_TEST_DATA_DIR"
  has_csv "$data_dir" || fail "SWITCHYARD_TEST_DATA_DIR=$data_dir has no *.csv files: point it at the Sensor.Community CSV files (or unset it to use $beside_repository)"
elif has_csv "$beside_repository"; then
  data_dir="$(cd "$beside_repository" && pwd)"
else
  fail "no data set: SWITCHYARD_TEST_DATA_DIR is not set and $beside_repository has no *.csv files; set SWITCHYARD_TEST_DATA_DIR to the directory of the Sensor.Community CSV files"
fi

# --- expectations, computed from the CSV files alone ---------------------
#
# The replay merges the files, taken in name order, into one stream in
# time order, ties kept in file order. When every file is in time order,
# that is a stable sort by the timestamp column of the files' rows
# concatenated in name order. Every row must also be valid, because the
# simulator skips an invalid row without counting it towards --limit.

csv_files=("$data_dir"/*.csv)
invalid_rows=$(for f in "${csv_files[@]}"; do tail -n +2 "$f"; done |
  awk -F';' '$1 !~ /^[0-9]+$/ || $6 !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/' | wc -l)
[ "$invalid_rows" -eq 0 ] || fail "$data_dir: $invalid_rows rows without a numeric sensor_id or a YYYY-MM-DDTHH:MM:SS timestamp: this test needs a clean data set"
for f in "${csv_files[@]}"; do
  tail -n +2 "$f" | sort -c -s -t';' -k6,6 2>/dev/null ||
    fail "$f: rows are not in timestamp order, so the replay's merge is not a stable sort of them: sort the file by its timestamp column"
done

declare -A readings=()
while read -r count id; do
  readings[$id]=$count
done < <(for f in "${csv_files[@]}"; do tail -n +2 "$f"; done |
           sort -s -t';' -k6,6 | head -n "$limit" | cut -d';' -f1 | sort | uniq -c)
total_readings=0
for id in "${!readings[@]}"; do
  total_readings=$((total_readings + readings[$id]))
done
[ "$total_readings" -eq "$limit" ] || fail "$data_dir has only $total_readings readings, fewer than DEMO_IT_LIMIT=$limit"

# Where the demo's rules send each device, written out by hand from
# examples/demo/scenario.yaml and examples/demo/devices.yaml. Alice's and
# bob's boards claim dev and are registered to them. 17079 claims test,
# which its registry entry allows. 25555 claims dev but has no registry
# entry, so it is quarantined. Every other device is production, 5331
# (which sends no env property) included.
environment_of() {
  case "$1" in
    22449 | 22450) echo dev-alice ;;
    15092 | 15093) echo dev-bob ;;
    17079) echo test ;;
    25555) echo quarantine ;;
    *) echo prod ;;
  esac
}
# App version 2 devices send one PING after every 10th reading.
pings_of() {
  case "$1" in
    22449 | 22450 | 15092 | 15093 | 25555) echo $((readings[$1] / 10)) ;;
    *) echo 0 ;;
  esac
}

declare -A expected=([prod]=0 [test]=0 [dev]=0 [dev-alice]=0 [dev-bob]=0 [quarantine]=0)
declare -A expected_by_device=()
total_pings=0
answered_pings=0
for id in "${!readings[@]}"; do
  env="$(environment_of "$id")"
  pings="$(pings_of "$id")"
  expected[$env]=$((expected[$env] + readings[$id] + pings))
  expected_by_device[$id]=$((readings[$id] + pings))
  total_pings=$((total_pings + pings))
  case "$env" in dev-alice | dev-bob) answered_pings=$((answered_pings + pings)) ;; esac
done
total_sent=$((total_readings + total_pings))
for env in prod test dev-alice dev-bob quarantine; do
  [ "${expected[$env]}" -gt 0 ] || fail "the first $limit readings send nothing to $env: raise DEMO_IT_LIMIT"
done

# --- the run's directory, configuration and processes --------------------

tenant="it-demo-$$-$(date +%s)"
work="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-demo-it.XXXXXX")"
names=()
pids=()
passed=0

# Starts "$@" in the background, logging to $work/logs/NAME.log.
start() {
  local name="$1"
  shift
  "$@" >"$work/logs/$name.log" 2>&1 &
  names+=("$name")
  pids+=("$!")
}

# Stops every started process with SIGTERM (SIGKILL after 60 s) and waits
# for it. Prints the ones that did not exit with 0 and returns 1 then.
stop_all() {
  local i status result=0 waited
  for i in "${!pids[@]}"; do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
  done
  for i in "${!pids[@]}"; do
    waited=0
    while kill -0 "${pids[$i]}" 2>/dev/null && [ "$waited" -lt 600 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "demo_it: ${names[$i]} (pid ${pids[$i]}) did not stop within 60 s of SIGTERM; killing it" >&2
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
    status=0
    wait "${pids[$i]}" 2>/dev/null || status=$?
    if [ "$status" -ne 0 ]; then
      echo "demo_it: ${names[$i]} (pid ${pids[$i]}) exited with status $status, see $work/logs/${names[$i]}.log" >&2
      result=1
    fi
  done
  names=()
  pids=()
  return "$result"
}

# Deletes the run's topics, namespaces and tenant. The broker's default
# settings reject forced deletion of a namespace, so the topics go first.
# Leftovers cost the broker only space, so a refusal is reported, not fatal.
delete_tenant() {
  local namespace topic
  for namespace in $(curl -fsS "$admin_url/admin/v2/namespaces/$tenant" | jq -r '.[]'); do
    for topic in $(curl -fsS "$admin_url/admin/v2/persistent/$namespace/partitioned" | jq -r '.[]'); do
      curl -fsS -X DELETE "$admin_url/admin/v2/persistent/${topic#persistent://}/partitions?force=true" >/dev/null || true
    done
    for topic in $(curl -fsS "$admin_url/admin/v2/persistent/$namespace" | jq -r '.[]'); do
      curl -fsS -X DELETE "$admin_url/admin/v2/persistent/${topic#persistent://}?force=true" >/dev/null || true
    done
    curl -fsS -X DELETE "$admin_url/admin/v2/namespaces/$namespace" >/dev/null ||
      echo "demo_it: could not delete namespace $namespace (left on the broker)" >&2
  done
  curl -fsS -X DELETE "$admin_url/admin/v2/tenants/$tenant" >/dev/null ||
    echo "demo_it: could not delete tenant $tenant (left on the broker)" >&2
}

finish() {
  local status=$?
  stop_all || true
  if [ "$passed" -eq 1 ]; then
    delete_tenant
    rm -rf "$work"
    return
  fi
  local log
  for log in "$work"/logs/*.log; do
    [ -e "$log" ] || continue
    echo "---- last lines of $log" >&2
    tail -n 15 "$log" >&2
  done
  echo "demo_it: FAILED (status $status); the run's files are kept in $work" >&2
}
trap finish EXIT
trap 'exit 1' INT TERM

mkdir -p "$work/logs" "$work/reports" "$work/lake" "$work/audit"
config="$work/switchyard.yaml"
scenario="$root/examples/demo/scenario.yaml"

# The tenant is replaced everywhere, the lake and the audit trail move into
# the run's directory (store paths are relative to the configuration file),
# and the metrics port is turned off so that runs do not collide.
sed -e "s/iot-system/$tenant/g" \
    -e "s#directory: ../../demo-output/lake#directory: lake#" \
    -e "s#directory: ../../demo-output}#directory: .}#" \
    -e "s#service_url: pulsar://127.0.0.1:6650#service_url: $pulsar_url#" \
    -e "s#admin_url: http://127.0.0.1:8080#admin_url: $admin_url#" \
    -e "s#metrics_port: 9464#metrics_port: 0#" \
    "$root/examples/demo/switchyard.yaml" >"$config"
cp "$root/examples/demo/devices.yaml" "$work/devices.yaml"
if grep -n '^[^#]*\(iot-system\|demo-output\|9464\)' "$config" >&2; then
  fail "$config: the lines above were not rewritten: update the sed expressions for examples/demo/switchyard.yaml"
fi
# The test runs the programs on these settings, so both overrides agree with the file.
export SWITCHYARD_PULSAR_URL="$pulsar_url"
export SWITCHYARD_ADMIN_URL="$admin_url"

echo "demo_it: tenant $tenant, $limit readings at $rate/s from $data_dir, files in $work"

# --- provision and start --------------------------------------------------

timeout 120 "$switchyard" provision --config "$config" >"$work/logs/provision.log" 2>&1 ||
  fail "switchyard provision failed, see $work/logs/provision.log"

start router "$switchyard" route --config "$config"
start backend-prod "$switchyard" backend --config "$config" --env prod --app-version 1 \
  --report "$work/reports/backend-prod.json"
start backend-test "$switchyard" backend --config "$config" --env test --app-version 1 \
  --report "$work/reports/backend-test.json"
start backend-dev-alice "$switchyard" backend --config "$config" --env dev-alice --app-version 2 \
  --report "$work/reports/backend-dev-alice.json"
start backend-dev-bob "$switchyard" backend --config "$config" --env dev-bob --app-version 2 \
  --report "$work/reports/backend-dev-bob.json"
for sink in prod-lake test-lake dev-lake dev-alice-lake dev-bob-lake audit; do
  start "sink-$sink" "$switchyard" sink --config "$config" --sink "$sink"
done

# Prints the admin stats of a tenant's topic NAMESPACE/TOPIC (partitioned when
# PARTITIONS > 0).
topic_stats() {
  local kind=stats
  if [ "$3" -gt 0 ]; then
    kind=partitioned-stats
  fi
  curl -fsS "$admin_url/admin/v2/persistent/$tenant/$1/$2/$kind"
}

# Every subscription must have a consumer before the devices send: the
# drain check below would otherwise pass on a subscription not made yet.
ready_checks=(
  "ingest device-messages 4 switchyard-router"
  "ingest device-messages 4 switchyard-audit"
  "prod commands 4 switchyard-lake"
  "prod commands 4 backend-v1"
  "test commands 0 switchyard-lake"
  "test commands 0 backend-v1"
  "dev commands 0 switchyard-lake"
  "dev-alice commands 0 switchyard-lake"
  "dev-alice commands 0 backend-v2"
  "dev-bob commands 0 switchyard-lake"
  "dev-bob commands 0 backend-v2"
)
deadline=$((SECONDS + 60))
for check in "${ready_checks[@]}"; do
  read -r namespace topic partitions subscription <<<"$check"
  until topic_stats "$namespace" "$topic" "$partitions" 2>/dev/null |
        jq -e --arg s "$subscription" '(.subscriptions[$s].consumers // []) | length > 0' >/dev/null; do
    for i in "${!pids[@]}"; do
      kill -0 "${pids[$i]}" 2>/dev/null || fail "${names[$i]} exited before it was ready, see $work/logs/${names[$i]}.log"
    done
    [ "$SECONDS" -lt "$deadline" ] || fail "no consumer on subscription $subscription of $tenant/$namespace/$topic after 60 s"
    sleep 0.2
  done
done

# --- replay, drain, stop --------------------------------------------------

# 25555's PINGs are quarantined and never get a PONG, so the simulator
# always waits the whole --ping-timeout-ms. 10 s leaves the other PONGs
# ample time.
timeout 300 "$switchyard" device --config "$config" --scenario "$scenario" --data "$data_dir" \
  --rate "$rate" --limit "$limit" --ping-timeout-ms 10000 \
  --report "$work/reports/devices.json" >"$work/logs/device.log" 2>&1 ||
  fail "switchyard device failed, see $work/logs/device.log"

timeout 200 "$switchyard" reconcile --config "$config" --wait-only --wait-timeout-s 180 \
  >"$work/logs/reconcile-wait.log" 2>&1 ||
  fail "the pipeline did not drain, see $work/logs/reconcile-wait.log"

# Stopped programs write their final reports and close their last files.
stop_all || fail "a program did not stop cleanly on SIGTERM"

# --- compare --------------------------------------------------------------

failures=0
# check WHAT EXPECTED ACTUAL
check() {
  if [ "$2" = "$3" ]; then
    printf 'ok    %s: %s\n' "$1" "$3"
  else
    printf 'FAIL  %s: expected %s, got %s\n' "$1" "$2" "$3"
    failures=$((failures + 1))
  fi
}
# check_lines WHAT EXPECTED ACTUAL: the same for sorted "DEVICE COUNT" lines,
# printing the lines that differ.
check_lines() {
  if [ "$2" = "$3" ]; then
    printf 'ok    %s: %s devices\n' "$1" "$(printf '%s' "$2" | grep -c . || true)"
  else
    printf 'FAIL  %s: expected (<) and got (>) differ in these lines:\n' "$1"
    diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | grep '^[<>]' | sed 's/^/        /' || true
    failures=$((failures + 1))
  fi
}

# Prints every lake record below DIRECTORY, one JSON object a line. A file
# of another kind prints a record with key "unexpected-file", which fails
# the count checks.
lake_records() {
  local file
  [ -d "$1" ] || return 0
  while IFS= read -r -d '' file; do
    case "$file" in
      *.jsonl.gz) zcat "$file" ;;
      *.jsonl.zst) zstdcat -q "$file" ;;
      *.jsonl) cat "$file" ;;
      *)
        echo "demo_it: unexpected file in the lake: $file" >&2
        echo '{"key":"unexpected-file"}'
        ;;
    esac
  done < <(find "$1" -type f -print0)
}

# Prints "DEVICE COUNT" lines, sorted, for the devices whose messages go to ENV.
expected_devices() {
  local id
  for id in "${!readings[@]}"; do
    if [ "$(environment_of "$id")" = "$1" ]; then
      echo "$id ${expected_by_device[$id]}"
    fi
  done | sort
}

devices_report="$work/reports/devices.json"
check "device report: readings sent" "$total_readings" "$(jq .readings_sent "$devices_report")"
check "device report: PINGs sent" "$total_pings" "$(jq .pings_sent "$devices_report")"
check "device report: messages confirmed by the broker" "$total_sent" "$(jq .messages_acknowledged "$devices_report")"
check_lines "device report: readings per device" \
  "$(for id in "${!readings[@]}"; do echo "$id ${readings[$id]}"; done | sort)" \
  "$(jq -r '.devices | to_entries[] | "\(.key) \(.value.readings)"' "$devices_report" | sort)"
check "PONGs received (PINGs of alice's and bob's devices)" "$answered_pings" "$(jq .pongs_received "$devices_report")"

for env in prod test dev dev-alice dev-bob; do
  partitions=0
  if [ "$env" = prod ]; then
    partitions=4
  fi
  check "$env: msgInCounter of $tenant/$env/commands" "${expected[$env]}" \
    "$(topic_stats "$env" commands "$partitions" | jq .msgInCounter)"
  check "$env: lake records in $work/lake/$env" "${expected[$env]}" \
    "$(lake_records "$work/lake/$env" | wc -l)"
  check_lines "$env: lake records per device" "$(expected_devices "$env")" \
    "$(lake_records "$work/lake/$env" | jq -r .key | sort | uniq -c | awk '{print $2, $1}' | sort)"
done
for env in prod test dev-alice dev-bob; do
  check "$env: messages received by its backend" "${expected[$env]}" \
    "$(jq .received "$work/reports/backend-$env.json")"
done
for env in dev-alice dev-bob; do
  pings=0
  for id in "${!readings[@]}"; do
    if [ "$(environment_of "$id")" = "$env" ]; then
      pings=$((pings + $(pings_of "$id")))
    fi
  done
  check "$env: PONGs sent by its version 2 backend" "$pings" \
    "$(jq .pong_sent "$work/reports/backend-$env.json")"
done
check "quarantine: msgInCounter of $tenant/ingest/quarantine" "${expected[quarantine]}" \
  "$(topic_stats ingest quarantine 0 | jq .msgInCounter)"
check "audit: records in $work/audit" "$total_sent" "$(lake_records "$work/audit" | wc -l)"
check "prod: lake records of non-production devices" 0 \
  "$(lake_records "$work/lake/prod" | jq -r .key | grep -c -x '22449\|22450\|15092\|15093\|17079\|25555' || true)"

reconcile_status=0
timeout 120 "$switchyard" reconcile --config "$config" --wait-timeout-s 0 \
  --device-report "$devices_report" \
  --backend prod="$work/reports/backend-prod.json" \
  --backend test="$work/reports/backend-test.json" \
  --backend dev-alice="$work/reports/backend-dev-alice.json" \
  --backend dev-bob="$work/reports/backend-dev-bob.json" \
  --lake "$work/lake" --audit "$work/audit" >"$work/logs/reconcile.log" 2>&1 || reconcile_status=$?
check "switchyard reconcile exit status (output in $work/logs/reconcile.log)" 0 "$reconcile_status"

if [ "$failures" -gt 0 ]; then
  fail "$failures of the checks above failed"
fi
passed=1
echo "demo_it: every count matches"
