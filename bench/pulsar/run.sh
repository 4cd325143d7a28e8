#!/usr/bin/env bash
# Client benchmark: producer and consumer throughput and send-to-receipt
# latency of the C client (pulsar_bench.c) next to the official Java client
# 4.2.4 (java/JavaBench.java) on the same workload, for plain, batched and
# compressed sends. Prints a Markdown table.
#
# Needs a running broker and a release build:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build-rel
#   scripts/pulsar.sh start
#   bench/pulsar/run.sh
#
# Settings (environment): PULSAR_URL (pulsar://127.0.0.1:6650), BUILD_DIR
# (build-rel), COUNT (200000 messages per run), SIZE (200 bytes per message).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-rel}
url=${PULSAR_URL:-pulsar://127.0.0.1:6650}
count=${COUNT:-200000}
size=${SIZE:-200}
cache=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}

if [[ ! -f $build/libswitchyard.a ]]; then
  echo "run.sh: no build in $build: build one with -DCMAKE_BUILD_TYPE=RelWithDebInfo, or set BUILD_DIR" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck disable=SC2046
cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -I "$root/src" -o "$work/pulsar_bench" \
  "$root/bench/pulsar/pulsar_bench.c" "$build/libswitchyard.a" \
  $(pkg-config --libs libcurl jansson yaml-0.1 liblz4 libzstd zlib openssl) -lpthread -lm

# The Java client's classpath comes from the interoperability test's pom.
"$root/tests/interop/java.sh" --classpath-only
classpath=$(cat "$cache/interop/classpath.txt")
javac -d "$work" -cp "$classpath" "$root/bench/pulsar/java/JavaBench.java"

field() { sed -n -E "s/(^|.* )$1 ([0-9.]+).*/\2/p" <<<"$2"; }

echo "| client | batching | codec | produce msg/s | produce MB/s | p50 ms | p99 ms | consume msg/s |"
echo "|---|---|---|---|---|---|---|---|"
for config in "0 none" "1 none" "1 lz4" "1 zstd"; do
  read -r batching codec <<<"$config"
  for client in c java; do
    topic=persistent://public/default/bench-$client-$batching-$codec-$(date +%s%N)
    if [[ $client == c ]]; then
      line=$("$work/pulsar_bench" "$url" "$topic" "$count" "$size" "$batching" "$codec")
    else
      line=$(java -cp "$work:$classpath" JavaBench "$url" "$topic" "$count" "$size" "$batching" "$codec" 2>/dev/null)
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$client" "$batching" "$codec" \
      "$(field produce_msgs_per_s "$line")" "$(field produce_mb_per_s "$line")" \
      "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$(field consume_msgs_per_s "$line")"
  done
done
