#!/usr/bin/env bash
# Lake sink benchmark: throughput of the sink into the local store for
# 200-byte messages with gzip and with zstd, beside three baselines that
# consume the same messages with the same client and settings:
#   bare    compresses each message's payload (no JSON, no files);
#   lines   compresses each message's JSON line as the sink writes it. The
#           lines are encoded before the timed pass, so the compressor gets
#           the sink's bytes without the cost of encoding them. No files.
#   encode  encodes each line while it runs, then compresses it (no files,
#           no batching logic, no store).
# Each configuration runs REPEAT times, the three baselines and the sink in
# turn, each with a new subscription on one pre-filled topic. The mode that
# goes first changes from run to run (column "first"). Prints a Markdown
# table.
#
# Needs a running broker and a release build:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build-rel
#   scripts/pulsar.sh start
#   bench/lake/run.sh
#
# Settings (environment): PULSAR_URL (pulsar://127.0.0.1:6650), BUILD_DIR
# (build-rel), COUNT (1000000 messages per run, because shorter runs vary
# more), REPEAT (4 runs of each configuration, so that each mode goes first
# once), COMPRESSIONS ("gzip zstd").
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-rel}
url=${PULSAR_URL:-pulsar://127.0.0.1:6650}
count=${COUNT:-1000000}
repeat=${REPEAT:-4}
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
echo "| compression | run | first | bare msg/s | bare MB/s | lines msg/s | encode msg/s | sink msg/s | sink MB/s | sink / lines | sink / bare | sink / encode |"
echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# Runs one mode with a new subscription and prints its result line.
run_mode() {
  local mode=$1 compression=$2 run=$3
  if [[ $mode == sink ]]; then
    rm -rf "$work/store" && mkdir "$work/store"
    "$work/lake_bench" sink "$url" "$topic" "sink-$compression-$run" "$compression" \
      "$work/store" "$count"
  else
    "$work/lake_bench" "$mode" "$url" "$topic" "$mode-$compression-$run" "$compression" "$count"
  fi
}
modes=(bare lines encode sink)
for compression in $compressions; do
  for run in $(seq 1 "$repeat"); do
    # The first mode of a run starts one later each time, so that no mode
    # always reads the topic first (or last) from the broker.
    declare -A result=()
    for step in 0 1 2 3; do
      mode=${modes[$(( (run - 1 + step) % 4 ))]}
      result[$mode]=$(run_mode "$mode" "$compression" "$run")
    done
    bare_rate=$(field msg_per_s "${result[bare]}")
    lines_rate=$(field msg_per_s "${result[lines]}")
    encode_rate=$(field msg_per_s "${result[encode]}")
    sink_rate=$(field msg_per_s "${result[sink]}")
    echo "| $compression | $run | ${modes[$(( (run - 1) % 4 ))]} | $bare_rate |" \
      "$(field mb_per_s "${result[bare]}") | $lines_rate | $encode_rate | $sink_rate |" \
      "$(field mb_per_s "${result[sink]}") | $(ratio "$sink_rate" "$lines_rate") |" \
      "$(ratio "$sink_rate" "$bare_rate") | $(ratio "$sink_rate" "$encode_rate") |"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
