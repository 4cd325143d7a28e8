#!/usr/bin/env bash
# Runs the Java side of the interoperability test (Interop.java) with the
# official Pulsar Java client 4.2.4, resolved by Maven into the shared cache
# (~/.cache/switchyard/m2) and compiled once into ~/.cache/switchyard/interop.
# Arguments are passed to Interop.main (see Interop.java); --classpath-only
# resolves the classpath into $cache/interop/classpath.txt and exits.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}"
out="$cache/interop"
mkdir -p "$out/classes"

for tool in mvn javac java; do
  command -v "$tool" >/dev/null || { echo "java.sh: $tool not found: run scripts/install-deps.sh" >&2; exit 1; }
done

if [ ! -s "$out/classpath.txt" ] || [ "$here/pom.xml" -nt "$out/classpath.txt" ]; then
  mvn -B -q -f "$here/pom.xml" -Dmaven.repo.local="$cache/m2" \
      dependency:build-classpath -Dmdep.outputFile="$out/classpath.txt" >&2
fi
if [ "${1:-}" = --classpath-only ]; then
  exit 0
fi
source_file="$here/src/main/java/dev/switchyard/interop/Interop.java"
class_file="$out/classes/dev/switchyard/interop/Interop.class"
if [ ! -f "$class_file" ] || [ "$source_file" -nt "$class_file" ]; then
  javac -d "$out/classes" -cp "$(cat "$out/classpath.txt")" "$source_file"
fi
exec java -cp "$out/classes:$(cat "$out/classpath.txt")" dev.switchyard.interop.Interop "$@"
