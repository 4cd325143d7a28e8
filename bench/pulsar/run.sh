#!/usr/bin/env bash
# Producer and consumer throughput, CPU time and peak RSS of the C Pulsar
# client (pulsar_bench.c) next to the official Java client 4.2.4
# (java/JavaPerf.java), run side by side on one broker. Prints every run and
# then a Markdown table of the medians. docs/benchmarks.md ("Pulsar client")
# has the figures and their limits.
#
# Needs a running broker and a release build:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build-rel
#   scripts/pulsar.sh start
#   bench/pulsar/run.sh
#
# Each repetition, for each message size:
#   produce  each client sends to its own fresh topic for SECONDS_PER_RUN s;
#   consume  one backlog of FILL_<size> messages is written by the C client
#            to a topic with a subscription per client, then each client
#            reads and acknowledges from its subscription for SECONDS_PER_RUN s
#            or until it has read the whole backlog (a shorter "seconds"
#            column in the raw results).
# The client that goes first alternates between repetitions. CPU time
# (user + sys) and peak RSS come from /usr/bin/time for both clients.
#
# A full run writes about 30 GB to the broker (an estimate from the runs in
# docs/benchmarks.md). The script deletes its topics, but BookKeeper frees
# their disk space only later, so restart the broker (scripts/pulsar.sh stop,
# then start) to get the space back at once.
#
# Settings (environment variables, defaults in brackets):
#   PULSAR_URL       broker (pulsar://127.0.0.1:6650)
#   ADMIN_URL        broker's admin REST API (http://127.0.0.1:8080)
#   BUILD_DIR        release build with libswitchyard.a (build-rel)
#   SIZES            message sizes in bytes ("100 1024")
#   SECONDS_PER_RUN  length of each measured run (10)
#   REPEAT           rounds; each configuration runs once per round (3)
#   PENDING          producers' pending-queue size in messages (1000)
#   COMPRESSION      none, lz4, zlib or zstd, also for the backlog (none)
#   BATCH_ARGS       further options for both measured producers, for
#                    example --no-batching (empty: pulsar_bench's defaults)
#   FILL_100, FILL_1024  backlog of the consumer runs in messages
#                    (16000000, 3000000; 800 MB of payload for other sizes)
#   JAVA_OPTS        JVM options of the Java client (none)
#   RESULTS          file of raw results (in a temporary directory)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-rel}
url=${PULSAR_URL:-pulsar://127.0.0.1:6650}
admin=${ADMIN_URL:-http://127.0.0.1:8080}
sizes=${SIZES:-100 1024}
seconds=${SECONDS_PER_RUN:-10}
repeat=${REPEAT:-3}
pending=${PENDING:-1000}
compression=${COMPRESSION:-none}
batch_args=${BATCH_ARGS:-}
cache=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}

for tool in mvn javac java python3 curl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found: run scripts/install-deps.sh" >&2; exit 1; }
done
if [[ ! -f $build/libswitchyard.a ]]; then
  echo "run.sh: no build in $build: build one with -DCMAKE_BUILD_TYPE=RelWithDebInfo, or set BUILD_DIR" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=${RESULTS:-$work/results.tsv}
: >"$results"

# shellcheck disable=SC2046
cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -I "$root/src" -o "$work/pulsar_bench" \
  "$root/bench/pulsar/pulsar_bench.c" "$build/libswitchyard.a" \
  $(pkg-config --libs libcurl jansson yaml-0.1 liblz4 libzstd zlib openssl) -lpthread -lm

mvn -B -q -Dstyle.color=never -f "$root/bench/pulsar/pom.xml" -Dmaven.repo.local="$cache/m2" \
  dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt" >&2
classpath=$(cat "$work/classpath.txt")
javac -d "$work" -cp "$classpath" "$root/bench/pulsar/java/JavaPerf.java"

# Runs one client under /usr/bin/time and appends
# "client role size messages seconds msg/s MB/s cpu_s max_rss_kib" to $results.
run_client() {
  local client=$1 role=$2 size=$3 topic=$4
  shift 4
  local program
  if [[ $client == c ]]; then
    program=("$work/pulsar_bench")
  else
    # shellcheck disable=SC2086
    program=(java ${JAVA_OPTS:-} -cp "$work:$classpath" JavaPerf)
  fi
  local line
  if ! line=$(/usr/bin/time -f "%U %S %M" -o "$work/time" "${program[@]}" "$role" "$url" \
    "$topic" --size "$size" --seconds "$seconds" "$@"); then
    echo "run.sh: the $client $role run on $topic failed (its error is above)" >&2
    exit 1
  fi
  read -r user sys rss <"$work/time"
  read -r _ messages _ _ _ elapsed _ rate _ mb <<<"$line"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\n' "$client" "$role" "$size" "$messages" \
    "$elapsed" "$rate" "$mb" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$rss" | tee -a "$results"
}

topic_path() { echo "persistent://public/default/$1"; }

admin_put() { curl -fsS -X PUT "$admin/admin/v2/persistent/public/default/$1" >/dev/null; }

admin_delete() { curl -fsS -X DELETE "$admin/admin/v2/persistent/public/default/$1?force=true" >/dev/null || true; }

printf 'client\trole\tsize\tmessages\tseconds\tmsg/s\tMB/s\tcpu_s\tmax_rss_kib\n'
for rep in $(seq 1 "$repeat"); do
  if ((rep % 2 == 1)); then order="c java"; else order="java c"; fi
  for size in $sizes; do
    # shellcheck disable=SC2086
    for client in $order; do
      name=bench-produce-$client-$size-$rep-$(date +%s%N)
      run_client "$client" produce "$size" "$(topic_path "$name")" --pending "$pending" --compression "$compression" $batch_args
      admin_delete "$name"
    done

    # The backlog exists before either consumer starts, so both read stored
    # messages at the speed the broker dispatches them.
    fill_var=FILL_$size
    default_fill=$((800000000 / size))
    [[ $size == 100 ]] && default_fill=16000000
    [[ $size == 1024 ]] && default_fill=3000000
    fill=${!fill_var:-$default_fill}
    name=bench-consume-$size-$rep-$(date +%s%N)
    admin_put "$name"
    admin_put "$name/subscription/bench-c"
    admin_put "$name/subscription/bench-java"
    "$work/pulsar_bench" produce "$url" "$(topic_path "$name")" --size "$size" \
      --messages "$fill" --pending 20000 --batch-delay-ms 10 --compression "$compression" >&2
    for client in $order; do
      run_client "$client" consume "$size" "$(topic_path "$name")" --subscription "bench-$client"
    done
    admin_delete "$name"
  done
done

echo
echo "Medians of $repeat runs each, $seconds s per run, compression $compression:"
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    client, role, size, messages, elapsed, rate, mb, cpu, rss = line.split("\t")
    rows.setdefault((role, int(size), client), []).append(
        (float(rate), float(mb), float(cpu), int(rss), int(messages)))
print("| role | size | client | msg/s | MB/s | CPU s | CPU us/msg | peak RSS MiB |")
print("|---|---:|---|---:|---:|---:|---:|---:|")
for (role, size, client), runs in sorted(rows.items()):
    med = lambda i: statistics.median(r[i] for r in runs)
    cpu_per_msg = statistics.median(r[2] / r[4] * 1e6 for r in runs)
    print(f"| {role} | {size} | {client} | {med(0):.0f} | {med(1):.1f} | {med(2):.2f} "
          f"| {cpu_per_msg:.2f} | {med(3) / 1024:.1f} |")
PY
