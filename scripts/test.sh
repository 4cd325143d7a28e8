#!/usr/bin/env bash
# The whole test run behind `make test`: installs what is missing, builds
# plain and sanitizer trees, runs the unit tests in both, starts the services
# that the integration tests need, runs those tests, and stops the services
# whatever the outcome. Exits non-zero on any failure.
#
# Settings (environment variables):
#   SWITCHYARD_TEST_PULSAR_BROKER_PORT  broker port for the tests (16650)
#   SWITCHYARD_TEST_PULSAR_WEB_PORT     admin port for the tests (18080)
#   SWITCHYARD_TEST_AUTH_BROKER_PORT    ports of the broker with authentication
#   SWITCHYARD_TEST_AUTH_WEB_PORT       (26650 and 28080)
#   SWITCHYARD_TEST_GCS_PORT            GCS emulator port (14443)
#   SWITCHYARD_TEST_SKIP_INTEGRATION=1  run the unit tests only
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS

step() { printf '\n==> %s\n' "$*"; }

step "installing missing packages"
scripts/install-deps.sh

step "building (RelWithDebInfo and Sanitize)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Sanitize >/dev/null
cmake --build build-sanitize

step "unit tests"
ctest --test-dir build -L unit --output-on-failure

step "unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize -L unit --output-on-failure

if [ "${SWITCHYARD_TEST_SKIP_INTEGRATION:-0}" = 1 ]; then
  echo "integration tests skipped (SWITCHYARD_TEST_SKIP_INTEGRATION=1)"
  exit 0
fi

# The tests get their own ports and run directories, so services that a
# person runs on the default ports are neither used nor stopped.
cache="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}"
export PULSAR_BROKER_PORT="${SWITCHYARD_TEST_PULSAR_BROKER_PORT:-16650}"
export PULSAR_WEB_PORT="${SWITCHYARD_TEST_PULSAR_WEB_PORT:-18080}"
export PULSAR_RUN_DIR="$cache/run/test-pulsar"
export SWITCHYARD_TEST_PULSAR_URL="pulsar://127.0.0.1:$PULSAR_BROKER_PORT"
export SWITCHYARD_TEST_ADMIN_URL="http://127.0.0.1:$PULSAR_WEB_PORT"
# A second broker with token authentication and authorization, for the permission tests.
auth_env=(PULSAR_BROKER_PORT="${SWITCHYARD_TEST_AUTH_BROKER_PORT:-26650}"
          PULSAR_WEB_PORT="${SWITCHYARD_TEST_AUTH_WEB_PORT:-28080}"
          PULSAR_RUN_DIR="$cache/run/test-pulsar-auth"
          SWITCHYARD_BIN="$root/build/src/cli/switchyard")
# The Google Cloud Storage emulator for the lake sink.
export FAKE_GCS_PORT="${SWITCHYARD_TEST_GCS_PORT:-14443}"
export FAKE_GCS_RUN_DIR="$cache/run/test-fake-gcs"
export SWITCHYARD_TEST_GCS_URL="http://127.0.0.1:$FAKE_GCS_PORT"

# The demo scenario's test replays part of the demo's data set.
if [ -z "${SWITCHYARD_TEST_DATA_DIR:-}" ]; then
  SWITCHYARD_TEST_DATA_DIR="$(scripts/demo-data.sh)"
  export SWITCHYARD_TEST_DATA_DIR
fi

stop_services() {
  scripts/pulsar.sh stop || true
  env "${auth_env[@]}" scripts/pulsar-auth.sh stop || true
  scripts/fake-gcs.sh stop || true
}
trap stop_services EXIT

step "starting Pulsar standalone (plain and with authentication) and the GCS emulator"
scripts/fake-gcs.sh install
scripts/pulsar.sh start
env "${auth_env[@]}" scripts/pulsar-auth.sh start
eval "$(env "${auth_env[@]}" scripts/pulsar-auth.sh env)"
scripts/fake-gcs.sh start

step "integration tests"
if ! ctest --test-dir build -L integration --output-on-failure; then
  echo
  echo "==> last lines of the broker log ($PULSAR_RUN_DIR/pulsar.log)"
  scripts/pulsar.sh log 80
  echo "==> last lines of the authenticating broker's log"
  env "${auth_env[@]}" scripts/pulsar.sh log 40
  echo "==> last lines of the GCS emulator's log"
  scripts/fake-gcs.sh log 40
  exit 1
fi

step "all tests passed in $((SECONDS - started)) s"
