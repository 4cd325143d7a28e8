#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS
# (default 60), starting from its committed corpus. New inputs that libFuzzer
# finds go to build-fuzz/corpus/<target>; copy the interesting ones, and any
# crash reproducer, into tests/fuzz/corpus/<target>/ so `make test` replays them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${FUZZ_SECONDS:-60}"

scripts/install-deps.sh
CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSWITCHYARD_FUZZ=ON \
  -DBUILD_TESTING=ON >/dev/null
cmake --build build-fuzz

for source in $(find tests -name '*_fuzz.c' | sort); do
  target="$(basename "$source" .c)"
  binary="$(find build-fuzz/tests -type f -name "$target" -perm -u+x | head -n 1)"
  [ -n "$binary" ] || { echo "fuzz: no binary for $target"; exit 1; }
  seeds="tests/fuzz/corpus/${target%_fuzz}"
  work="build-fuzz/corpus/$target"
  mkdir -p "$work"
  echo "fuzz: $target for $seconds s (seeds $seeds)"
  "$binary" -max_total_time="$seconds" -print_final_stats=1 "$work" "$seeds"
done
