#!/usr/bin/env bash
# The main job behind `make demo`.
#
# NOTE: the end-to-end scenario (devices, router, backends, lake sinks and
# the reconciliation table) is not built yet. Until it is, this starts a real
# Pulsar standalone, shows the cluster it serves, and stops it again.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build

export PULSAR_RUN_DIR="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}/run/demo-pulsar"
trap 'scripts/pulsar.sh stop' EXIT
scripts/pulsar.sh start
web="http://127.0.0.1:${PULSAR_WEB_PORT:-8080}"
echo "clusters:   $(curl -fsS "$web/admin/v2/clusters")"
echo "tenants:    $(curl -fsS "$web/admin/v2/tenants")"
echo "namespaces: $(curl -fsS "$web/admin/v2/namespaces/public")"
