#!/usr/bin/env bash
# Router benchmark: sustained routing throughput of 200-byte device messages
# next to the broker's pass-through (the same messages produced to and
# consumed from one topic, no router), the router's peak RSS, and end-to-end
# latency at half the router's throughput. Prints a Markdown table.
#
# Needs a running broker and a release build:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build-rel
#   scripts/pulsar.sh start
#   bench/route/run.sh
#
# After one untimed warm-up stream of each kind, the full-speed pair
# (pass-through, then router) runs REPEAT times, and the ratio is that of
# the two medians. The latency pair runs once, after them.
#
# A full-speed run is sustained: the load generator keeps at most WINDOW
# messages between its producer and its consumer, so the backlog stays
# bounded and the rate is one that the pipeline can keep up for good.
# WINDOW=0 lets the producer run ahead without limit. The rate is then that
# of a burst and the drain of its growing backlog (see docs/benchmarks.md).
#
# A run takes about 2.5 minutes with the defaults, and writes about 9 GB to
# the broker's disk. The script deletes its tenant at the end, but
# BookKeeper frees the space only later: restart the broker between runs
# (scripts/pulsar.sh stop, then start).
#
# Settings (environment): PULSAR_URL (pulsar://127.0.0.1:6650), ADMIN_URL
# (http://127.0.0.1:8080), BUILD_DIR (build-rel), COUNT (500000 messages per
# throughput run), REPEAT (7), WINDOW (20000 messages),
# LATENCY_SECONDS (20, length of each half-rate run),
# ROUTER_ARGS (extra options of `switchyard route`, for example "--max-inflight 5000"),
# LATENCY_RATE (messages per second of the latency runs; default half the
# router's full-speed throughput).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-rel}
url=${PULSAR_URL:-pulsar://127.0.0.1:6650}
admin=${ADMIN_URL:-http://127.0.0.1:8080}
count=${COUNT:-500000}
repeat=${REPEAT:-7}
window=${WINDOW:-20000}
latency_seconds=${LATENCY_SECONDS:-20}

if [[ ! -x $build/src/cli/switchyard || ! -f $build/libswitchyard.a ]]; then
  echo "run.sh: no build in $build: build one with -DCMAKE_BUILD_TYPE=RelWithDebInfo, or set BUILD_DIR" >&2
  exit 2
fi

work=$(mktemp -d)
router_pid=
tenant=
topics=(ingest/device-messages ingest/passthrough ingest/quarantine prod/commands dev/commands)
# Deletes the run's topics, namespaces and tenant. BookKeeper frees their disk
# space only later, so restart the broker to get it back at once.
delete_tenant() {
  local topic ns
  for topic in "${topics[@]}"; do
    curl -sS -X DELETE "$admin/admin/v2/persistent/$tenant/$topic?force=true" >/dev/null || true
  done
  for ns in ingest prod dev; do
    curl -sS -X DELETE "$admin/admin/v2/namespaces/$tenant/$ns" >/dev/null || true
  done
  curl -sS -X DELETE "$admin/admin/v2/tenants/$tenant" >/dev/null || true
}
cleanup() {
  if [[ -n $router_pid ]]; then kill "$router_pid" 2>/dev/null || true; fi
  if [[ -n $tenant ]]; then delete_tenant; fi
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck disable=SC2046
cc -O2 -std=c17 -Wall -Wextra -Werror -I "$root/src" -o "$work/route_bench" "$root/bench/route/route_bench.c" \
  "$build/libswitchyard.a" $(pkg-config --libs libcurl jansson yaml-0.1 liblz4 libzstd zlib openssl) \
  -lpthread -lm

tenant=bench-$(date +%s)
admin_call() { curl -sSf -X "$1" -H 'Content-Type: application/json' "$admin$2" ${3:+-d "$3"} >/dev/null; }
admin_call PUT "/admin/v2/tenants/$tenant" '{"adminRoles":[],"allowedClusters":["standalone"]}'
for ns in ingest prod dev; do
  admin_call PUT "/admin/v2/namespaces/$tenant/$ns"
  admin_call POST "/admin/v2/namespaces/$tenant/$ns/deduplication" true
done
for topic in "${topics[@]}"; do
  admin_call PUT "/admin/v2/persistent/$tenant/$topic"
done
sed "s/iot-system/$tenant/g" "$root/examples/poc/switchyard.yaml" > "$work/switchyard.yaml"

passthrough=persistent://$tenant/ingest/passthrough
ingest=persistent://$tenant/ingest/device-messages
prod=persistent://$tenant/prod/commands
field() { sed -n -E "s/(^|.* )$1 ([0-9.]+).*/\2/p" <<<"$2"; }
# CPU seconds (user + system) that process $1 has used so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

SWITCHYARD_PULSAR_URL=$url "$build/src/cli/switchyard" route --config "$work/switchyard.yaml" \
  --log-level warn ${ROUTER_ARGS:-} 2>"$work/router.log" &
router_pid=$!
sleep 3

# A broker that has just started runs the first stream at a fraction of its
# later speed (13000 against 70000 to 97000 msg/s in the runs of
# docs/benchmarks.md), so one untimed stream of each kind goes first.
"$work/route_bench" "$url" "$passthrough" "$passthrough" "$((count / 5))" 0 "$window" >/dev/null
"$work/route_bench" "$url" "$ingest" "$prod" "$((count / 5))" 0 "$window" >/dev/null

# Each round: pass-through, then the router, with the router's CPU time.
for round in $(seq 1 "$repeat"); do
  line=$("$work/route_bench" "$url" "$passthrough" "$passthrough" "$count" 0 "$window")
  echo "$line" >>"$work/pass.txt"
  cpu_before=$(cpu_seconds "$router_pid")
  line=$("$work/route_bench" "$url" "$ingest" "$prod" "$count" 0 "$window")
  cpu_after=$(cpu_seconds "$router_pid")
  echo "$line cpu $(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { printf "%.2f", b - a }')" \
    >>"$work/routed.txt"
  pass_rate=$(field rate "$(tail -n 1 "$work/pass.txt")")
  echo "round $round: pass-through $pass_rate msg/s, router $(field rate "$line") msg/s" \
    "($(awk -v a="$(field rate "$line")" -v b="$pass_rate" 'BEGIN { printf "%.2f", a / b }'))," \
    "router CPU $(field cpu "$(tail -n 1 "$work/routed.txt")") s" >&2
done
# The line of the median rate of a file of result lines.
median_line() { sort -t' ' -k6,6n "$1" | sed -n "$(( ($(wc -l <"$1") + 1) / 2 ))p"; }
pass=$(median_line "$work/pass.txt")
routed=$(median_line "$work/routed.txt")

half=${LATENCY_RATE:-$(awk -v r="$(field rate "$routed")" 'BEGIN { printf "%d", r / 2 }')}
latency_count=$((half * latency_seconds))
routed_half=$("$work/route_bench" "$url" "$ingest" "$prod" "$latency_count" "$half" 0)
peak_rss_kib=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$router_pid/status")
kill -TERM "$router_pid"
wait "$router_pid"
router_pid=
pass_half=$("$work/route_bench" "$url" "$passthrough" "$passthrough" "$latency_count" "$half" 0)

ratio=$(awk -v a="$(field rate "$routed")" -v b="$(field rate "$pass")" 'BEGIN { printf "%.2f", a / b }')
echo "| run | messages | msg/s | p50 ms | p99 ms | max ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for row in "pass-through, full speed (median):$pass" "router, full speed (median):$routed" \
           "pass-through, $half msg/s:$pass_half" "router, $half msg/s:$routed_half"; do
  name=${row%%:*}
  line=${row#*:}
  echo "| $name | $(field messages "$line") | $(field rate "$line") | $(field p50_ms "$line") | $(field p99_ms "$line") | $(field max_ms "$line") |"
done
echo
echo "router / pass-through throughput: $ratio (medians of $repeat rounds, window $window)"
router_cpu=$(awk -v c="$(field cpu "$routed")" -v s="$(field seconds "$routed")" \
  -v n="$(field messages "$routed")" \
  'BEGIN { printf "%.2f CPU seconds in %.2f s (%.0f%% of one core, %.1f µs per message)", c, s, 100 * c / s, 1e6 * c / n }')
echo "router CPU during the median full-speed run: $router_cpu"
# Bytes per message as the broker received them, compression and metadata included.
stored_bytes() {
  local stats
  stats=$(curl -sSf "$admin/admin/v2/persistent/$tenant/$1/stats")
  awk -v bytes="$(grep -o '"bytesInCounter":[0-9]*' <<<"$stats" | cut -d: -f2)" \
      -v messages="$(grep -o '"msgInCounter":[0-9]*' <<<"$stats" | cut -d: -f2)" \
      'BEGIN { printf "%.0f", bytes / messages }'
}
echo "bytes per message on the broker: input $(stored_bytes ingest/device-messages)," \
  "output $(stored_bytes prod/commands), pass-through $(stored_bytes ingest/passthrough)"
echo "router peak RSS: $((peak_rss_kib / 1024)).$(( (peak_rss_kib % 1024) * 10 / 1024 )) MiB ($peak_rss_kib KiB)"
if [[ -s $work/router.log ]]; then
  echo "router warnings and errors:"
  cat "$work/router.log"
fi
