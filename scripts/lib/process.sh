# Shared by the service scripts; sourced, not run. Expects a `say` function.

# Sends SIGTERM to pid and waits up to grace_seconds for it to exit, then
# sends SIGKILL. Only ever called with a pid that the caller checked is its own.
terminate_pid() {
  local pid="$1" grace_seconds="$2" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((grace_seconds * 4)) ]; do
    sleep 0.25
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid still running after $grace_seconds s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
}
