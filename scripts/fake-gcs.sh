#!/usr/bin/env bash
# Runs fake-gcs-server, a Google Cloud Storage emulator that serves the real
# JSON API, for the lake sink's integration tests.
#
#   scripts/fake-gcs.sh install   build the emulator with `go install` into the cache
#   scripts/fake-gcs.sh start     start it with an empty in-memory store and
#                                 wait until it serves the JSON API
#   scripts/fake-gcs.sh stop      stop the emulator that `start` started
#   scripts/fake-gcs.sh status    say whether that emulator runs (exit 0 if it does)
#   scripts/fake-gcs.sh log [N]   print the last N lines of its log (default 100)
#
# The emulator is github.com/fsouza/fake-gcs-server at a fixed version, built
# from the Go module proxy; Go itself comes from PATH (scripts/install-deps.sh
# installs Debian's golang-go when no `go` is found). Every step is
# idempotent: `install` twice builds once, `start` on a running emulator says
# so, `stop` on a stopped one does nothing.
#
# Settings (environment variables):
#   SWITCHYARD_CACHE       cache outside the repository (~/.cache/switchyard)
#   FAKE_GCS_PORT          HTTP port on 127.0.0.1 (4443)
#   FAKE_GCS_RUN_DIR       log and pid file ($SWITCHYARD_CACHE/run/fake-gcs-$FAKE_GCS_PORT)
#   FAKE_GCS_BACKEND       memory (default) or filesystem, which keeps the
#                          objects in $FAKE_GCS_RUN_DIR/data until the next start
#   FAKE_GCS_START_TIMEOUT seconds to wait for the emulator to serve (60)
set -euo pipefail

readonly FAKE_GCS_MODULE=github.com/fsouza/fake-gcs-server
readonly FAKE_GCS_VERSION=v1.56.1
# The `go` line of that version's go.mod: older toolchains cannot build it.
readonly GO_MINIMUM_MINOR=26

cache="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}"
port="${FAKE_GCS_PORT:-4443}"
run_dir="${FAKE_GCS_RUN_DIR:-$cache/run/fake-gcs-$port}"
backend="${FAKE_GCS_BACKEND:-memory}"
start_timeout="${FAKE_GCS_START_TIMEOUT:-60}"

go_dir="$cache/go"
bin_dir="$go_dir/bin"
binary="$bin_dir/fake-gcs-server"
stamp="$bin_dir/.fake-gcs-server-$FAKE_GCS_VERSION"
pid_file="$run_dir/fake-gcs.pid"
log_file="$run_dir/fake-gcs.log"

say() { echo "fake-gcs: $*" >&2; }
# shellcheck source=lib/process.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/process.sh"

if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  say "invalid port '$port': set FAKE_GCS_PORT to a number from 1 to 65535"
  exit 2
fi
case "$backend" in
  memory|filesystem) ;;
  *) say "invalid FAKE_GCS_BACKEND '$backend': use memory or filesystem"; exit 2 ;;
esac

install_emulator() {
  if [ -x "$binary" ] && [ -f "$stamp" ]; then
    return 0
  fi
  command -v go >/dev/null || { say "go not found: run scripts/install-deps.sh"; exit 1; }
  local go_version minor
  go_version="$(go env GOVERSION)"
  minor="$(sed -E 's/^go1\.([0-9]+).*/\1/' <<<"$go_version")"
  if ! [[ "$minor" =~ ^[0-9]+$ ]] || [ "$minor" -lt "$GO_MINIMUM_MINOR" ]; then
    say "$FAKE_GCS_MODULE@$FAKE_GCS_VERSION needs Go 1.$GO_MINIMUM_MINOR or newer, but PATH has $go_version: put a newer go first in PATH"
    exit 1
  fi
  say "building $FAKE_GCS_MODULE@$FAKE_GCS_VERSION with $(go version | cut -d' ' -f3) into $bin_dir"
  local started=$SECONDS
  mkdir -p "$bin_dir"
  # Everything Go downloads or builds stays under the cache, never in ~/go.
  GOPATH="$go_dir" GOMODCACHE="$go_dir/pkg/mod" GOCACHE="$go_dir/build-cache" \
    GOBIN="$bin_dir" GOFLAGS=-modcacherw \
    go install "$FAKE_GCS_MODULE@$FAKE_GCS_VERSION"
  [ -x "$binary" ] || { say "$binary is missing after go install"; exit 1; }
  rm -f "$bin_dir"/.fake-gcs-server-*
  touch "$stamp"
  say "built in $((SECONDS - started)) s"
}

# Prints the pid of the emulator that this run directory started, if it runs.
running_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # Only the emulator binary listening on this port is ours.
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" \
      | grep -qE -- "^$binary .*-port $port( |$)"; then
    echo "$pid"
    return 0
  fi
  return 1
}

emulator_serves() {
  curl -fsS --max-time 5 "http://127.0.0.1:$port/storage/v1/b" 2>/dev/null | grep -q '"kind"'
}

start_emulator() {
  if pid="$(running_pid)"; then
    say "already running (pid $pid, http://127.0.0.1:$port)"
    return 0
  fi
  install_emulator
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "port $port on 127.0.0.1 is in use by another process: stop it or set FAKE_GCS_PORT"
    exit 1
  fi

  mkdir -p "$run_dir"
  local backend_args=(-backend memory)
  if [ "$backend" = filesystem ]; then
    rm -rf "$run_dir/data"
    mkdir -p "$run_dir/data"
    backend_args=(-backend filesystem -filesystem-root "$run_dir/data")
  fi

  say "starting $FAKE_GCS_VERSION on http://127.0.0.1:$port ($backend backend), log $log_file"
  local started=$SECONDS
  (
    cd "$run_dir"
    exec setsid "$binary" -scheme http -host 127.0.0.1 -port "$port" \
      -public-host "127.0.0.1:$port" -external-url "http://127.0.0.1:$port" \
      "${backend_args[@]}" -log-level info
  ) </dev/null >"$log_file" 2>&1 &
  echo $! >"$pid_file"

  while ! emulator_serves; do
    if ! running_pid >/dev/null; then
      say "emulator exited during start-up; last lines of $log_file:"
      tail -n 40 "$log_file" >&2
      exit 1
    fi
    if [ $((SECONDS - started)) -ge "$start_timeout" ]; then
      say "emulator did not serve within $start_timeout s; last lines of $log_file:"
      tail -n 40 "$log_file" >&2
      stop_emulator
      exit 1
    fi
    sleep 0.2
  done
  say "serving after $((SECONDS - started)) s (pid $(cat "$pid_file"))"
}

stop_emulator() {
  local pid
  if ! pid="$(running_pid)"; then
    say "not running (port $port)"
    rm -f "$pid_file"
    return 0
  fi
  say "stopping pid $pid"
  terminate_pid "$pid" 10
  rm -f "$pid_file"
  say "stopped"
}

case "${1:-}" in
  install) install_emulator ;;
  start) start_emulator ;;
  stop) stop_emulator ;;
  status)
    if pid="$(running_pid)"; then
      echo "running (pid $pid, http://127.0.0.1:$port)"
    else
      echo "not running"
      exit 3
    fi
    ;;
  log) tail -n "${2:-100}" "$log_file" 2>/dev/null || say "no log at $log_file" ;;
  -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
  *) say "unknown command '${1:-}': use install, start, stop, status or log (see --help)"; exit 2 ;;
esac
