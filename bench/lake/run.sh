#!/usr/bin/env bash
# Lake sink benchmark: throughput of the sink into the local store for
# 200-byte messages with gzip and with zstd. Beside it, "bare" consumes the
# same messages with the same client and compresses the same payload bytes
# with the same settings (no JSON, no files). "encode" consumes, encodes
# each message as the sink's JSON line and compresses those lines (no
# files, no batching logic, no store).
# Each configuration runs REPEAT times, bare, encode and sink in turn,
# each with a new subscription on one pre-filled topic. Prints a
# Markdown table.
#
# Needs a running broker and a release build:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build-rel
#   scripts/pulsar.sh start
#   bench/lake/run.sh
#
# Settings (environment): PULSAR_URL (pulsar://127.0.0.1:6650), BUILD_DIR
# (build-rel), COUNT (200000 messages per run), REPEAT (3 runs of each
# configuration), COMPRESSIONS ("gzip zstd").
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-rel}
url=${PULSAR_URL:-pulsar://127.0.0.1:6650}
count=${COUNT:-200000}
repeat=${REPEAT:-3}
compressions=${COMPRESSIONS:-gzip zstd}

if [[ ! -f $build/libswitchyard.a ]]; then
  echo "run.sh: no build in $build: build one with -DCMAKE_BUILD_TYPE=RelWithDebInfo, or set BUILD_DIR" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck disable=SC2046
cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -I "$root/src" -o "$work/lake_bench" \
  "$root/bench/lake/lake_bench.c" "$build/libswitchyard.a" \
  $(pkg-config --libs libcurl jansson yaml-0.1 liblz4 libzstd zlib openssl) -lpthread -lm

topic=persistent://public/default/lake-bench-$(date +%s)-$$
echo "filling $topic with $count messages" >&2
"$work/lake_bench" fill "$url" "$topic" "$count"

field() { sed -n -E "s/(^|.* )$1 ([0-9.]+).*/\2/p" <<<"$2"; }
echo "| compression | run | bare msg/s | bare MB/s | encode msg/s | sink msg/s | sink MB/s | sink / bare | sink / encode |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for compression in $compressions; do
  for run in $(seq 1 "$repeat"); do
    bare=$("$work/lake_bench" bare "$url" "$topic" "bare-$compression-$run" "$compression" "$count")
    encode=$("$work/lake_bench" encode "$url" "$topic" "encode-$compression-$run" "$compression" \
      "$count")
    rm -rf "$work/store" && mkdir "$work/store"
    sink=$("$work/lake_bench" sink "$url" "$topic" "sink-$compression-$run" "$compression" \
      "$work/store" "$count")
    bare_rate=$(field msg_per_s "$bare")
    encode_rate=$(field msg_per_s "$encode")
    sink_rate=$(field msg_per_s "$sink")
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
    echo "| $compression | $run | $bare_rate | $(field mb_per_s "$bare") | $encode_rate |" \
      "$sink_rate | $(field mb_per_s "$sink") | $(ratio "$sink_rate" "$bare_rate") |" \
      "$(ratio "$sink_rate" "$encode_rate") |"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
