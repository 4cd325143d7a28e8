#!/usr/bin/env bash
# `switchyard sink --check`: prints where each topic's files would go, exits 0
# for a valid configuration and 2, with the file, line and key, for a bad one.
# Usage: sink_cli_test.sh PATH_TO_SWITCHYARD
set -euo pipefail

switchyard="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

expect() {
  local what="$1" expected_status="$2" pattern="$3" status=0
  shift 3
  "$@" >"$work/out" 2>&1 || status=$?
  if [ "$status" -ne "$expected_status" ] || ! grep -qE -- "$pattern" "$work/out"; then
    echo "FAIL $what: status $status (expected $expected_status), output:"
    cat "$work/out"
    echo "expected a line matching: $pattern"
    failures=$((failures + 1))
  else
    echo "ok   $what"
  fi
}

cat >"$work/sink.yaml" <<'YAML'
pulsar:
  service_url: pulsar://127.0.0.1:6650
sink:
  prod-lake:
    environment: prod
    topics: [persistent://iot-system/prod/commands-partition-2]
    subscription: lake-prod
    path: "{env}/{tenant}/{namespace}/{topic}/p{partition}/{yyyy}/{mm}/{dd}/{hh}"
    store: {kind: local, directory: lake}
  audit:
    environment: audit
    topics: [persistent://iot-system/ingest/device-messages]
    subscription: audit
    compression: zstd
    store:
      kind: gcs
      bucket: acme-audit
      credentials: {source: token_env, token_env: AUDIT_TOKEN}
YAML

expect "check prints the local path" 0 \
  "^  persistent://iot-system/prod/commands-partition-2 -> $work/lake/prod/iot-system/prod/commands/p2/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}/<ledger>-<entry>\.jsonl\.gz$" \
  "$switchyard" sink --config "$work/sink.yaml" --sink prod-lake --check
expect "check prints the gcs object" 0 \
  "^  persistent://iot-system/ingest/device-messages -> gs://acme-audit/audit/iot-system/ingest/device-messages/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}/<ledger>-<entry>\.jsonl\.zst$" \
  "$switchyard" sink --config "$work/sink.yaml" --sink audit --check
expect "two sinks need --sink" 2 \
  "^switchyard sink: the sink section has 2 entries: choose one with --sink: prod-lake audit$" \
  "$switchyard" sink --config "$work/sink.yaml" --check
expect "unknown sink named" 2 "^switchyard sink: no sink called 'dev' in the sink section$" \
  "$switchyard" sink --config "$work/sink.yaml" --sink dev --check

sed 's/    subscription: lake-prod/    subscription: lake-prod\n    max_recrods: 5/' \
  "$work/sink.yaml" >"$work/bad.yaml"
expect "unknown key reported with line" 2 \
  "^switchyard sink: $work/bad.yaml:8: unknown key 'max_recrods' in sink.prod-lake$" \
  "$switchyard" sink --config "$work/bad.yaml" --sink prod-lake --check
expect "missing --config" 2 "^switchyard sink: --config is required" "$switchyard" sink --check

[ "$failures" -eq 0 ] || exit 1
