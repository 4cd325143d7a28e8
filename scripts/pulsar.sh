#!/usr/bin/env bash
# Runs a real Apache Pulsar standalone broker, resolved from Maven Central.
#
#   scripts/pulsar.sh install   resolve the broker's jars into the cache
#   scripts/pulsar.sh start     start a broker with a fresh data directory and
#                               wait until it serves the public/default namespace
#   scripts/pulsar.sh stop      stop the broker that `start` started
#   scripts/pulsar.sh status    say whether that broker runs (exit 0 if it does)
#   scripts/pulsar.sh log [N]   print the last N lines of its log (default 100)
#
# The official binary distribution (org.apache.pulsar:pulsar-server-distribution,
# classifier bin, type tar.gz) is not served by every Maven mirror, so the
# script assembles the same broker from the pulsar-broker artifact and its
# runtime dependencies (scripts/pulsar/pom.xml) and starts
# org.apache.pulsar.PulsarStandaloneStarter with the JVM flags of Pulsar's own
# bin/pulsar. Every step is idempotent: `install` twice resolves once, `start`
# on a running broker says so, `stop` on a stopped one does nothing.
#
# Settings (environment variables):
#   SWITCHYARD_CACHE     cache outside the repository (~/.cache/switchyard)
#   PULSAR_BROKER_PORT   binary protocol port (6650)
#   PULSAR_WEB_PORT      admin REST and metrics port (8080)
#   PULSAR_RUN_DIR       configuration, data, log and pid file
#                        ($SWITCHYARD_CACHE/run/pulsar-$PULSAR_WEB_PORT)
#   PULSAR_HEAP          JVM heap size (1g)
#   PULSAR_DIRECT_MEMORY JVM direct memory size (1g)
#   PULSAR_EXTRA_CONF    a file whose lines are appended to the generated
#                        standalone.conf (for example to enable authentication)
#   PULSAR_START_TIMEOUT seconds to wait for the broker to serve (240)
#   PULSAR_ADMIN_HEADER_FILE  a file of HTTP header lines that the readiness
#                        check sends (an Authorization header when
#                        authentication is on)
set -euo pipefail

readonly PULSAR_VERSION=4.2.4
readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

cache="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}"
broker_port="${PULSAR_BROKER_PORT:-6650}"
web_port="${PULSAR_WEB_PORT:-8080}"
run_dir="${PULSAR_RUN_DIR:-$cache/run/pulsar-$web_port}"
heap="${PULSAR_HEAP:-1g}"
direct_memory="${PULSAR_DIRECT_MEMORY:-1g}"
start_timeout="${PULSAR_START_TIMEOUT:-240}"

lib_dir="$cache/pulsar-$PULSAR_VERSION/lib"
pid_file="$run_dir/pulsar.pid"
log_file="$run_dir/pulsar.log"
conf_file="$run_dir/conf/standalone.conf"

say() { echo "pulsar: $*" >&2; }
# shellcheck source=lib/process.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/process.sh"

for port in "$broker_port" "$web_port"; do
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    say "invalid port '$port': set PULSAR_BROKER_PORT and PULSAR_WEB_PORT to numbers from 1 to 65535"
    exit 2
  fi
done

install_broker() {
  if [ -f "$lib_dir/.complete" ]; then
    return 0
  fi
  command -v mvn >/dev/null || { say "mvn not found: run scripts/install-deps.sh"; exit 1; }
  say "resolving pulsar-broker $PULSAR_VERSION and its dependencies from Maven Central into $lib_dir"
  local started=$SECONDS
  rm -rf "$lib_dir"
  mkdir -p "$lib_dir"
  mvn -B -q -f "$SCRIPT_DIR/pulsar/pom.xml" \
      -Dmaven.repo.local="$cache/m2" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib_dir"
  if [ ! -f "$lib_dir/pulsar-broker-$PULSAR_VERSION.jar" ]; then
    say "pulsar-broker-$PULSAR_VERSION.jar is missing from $lib_dir after resolution"
    exit 1
  fi
  touch "$lib_dir/.complete"
  say "resolved $(ls "$lib_dir" | wc -l) jars in $((SECONDS - started)) s"
}

# Prints the pid of the broker that this run directory started, if it runs.
running_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # Only a process started with this run directory's configuration is ours.
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$conf_file"; then
    echo "$pid"
    return 0
  fi
  return 1
}

write_config() {
  mkdir -p "$run_dir/conf"
  cat >"$conf_file" <<CONF
# Written by scripts/pulsar.sh for a single-machine test broker.
clusterName=standalone
bindAddress=127.0.0.1
advertisedAddress=127.0.0.1
brokerServicePort=$broker_port
webServicePort=$web_port
metadataStoreUrl=
zookeeperServers=
managedLedgerDefaultEnsembleSize=1
managedLedgerDefaultWriteQuorum=1
managedLedgerDefaultAckQuorum=1
loadManagerClassName=org.apache.pulsar.broker.loadbalance.NoopLoadManager
loadBalancerEnabled=false
allowAutoTopicCreation=true
allowAutoTopicCreationType=non-partitioned
brokerDeduplicationEnabled=false
keepAliveIntervalSeconds=30
webSocketServiceEnabled=false
transactionCoordinatorEnabled=false
systemTopicEnabled=true
topicLevelPoliciesEnabled=true
defaultRetentionTimeInMinutes=0
defaultRetentionSizeInMB=0
maxMessageSize=5242880
brokerShutdownTimeoutMs=3000
# BookKeeper reads this same file.
allowLoopback=true
ledgerStorageClass=org.apache.bookkeeper.bookie.storage.ldb.DbLedgerStorage
dbStorage_writeCacheMaxSizeMb=64
dbStorage_readAheadCacheMaxSizeMb=64
dbStorage_rocksDB_blockCacheSize=67108864
journalSyncData=false
journalMaxGroupWaitMSec=1
nettyMaxFrameSizeBytes=5253120
diskUsageThreshold=0.99
diskUsageWarnThreshold=0.99
httpServerEnabled=false
# Standalone picks a free bookie port itself; bind that bookie to loopback too.
listeningInterface=lo
CONF
  if [ -n "${PULSAR_EXTRA_CONF:-}" ]; then
    [ -r "$PULSAR_EXTRA_CONF" ] || { say "PULSAR_EXTRA_CONF=$PULSAR_EXTRA_CONF is not a readable file"; exit 2; }
    { echo "# From $PULSAR_EXTRA_CONF"; cat "$PULSAR_EXTRA_CONF"; } >>"$conf_file"
  fi

  cat >"$run_dir/conf/log4j2.xml" <<'LOG'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <Console name="console" target="SYSTEM_OUT">
      <PatternLayout pattern="%d{ISO8601} %-5level [%t] %c{1} - %msg%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="org.apache.bookkeeper" level="warn"/>
    <Logger name="org.apache.pulsar.broker.service.persistent.PersistentTopic" level="warn"/>
    <Root level="info"><AppenderRef ref="console"/></Root>
  </Loggers>
</Configuration>
LOG
}

broker_serves() {
  # With authentication on, the readiness request needs a token (scripts/pulsar-auth.sh).
  local headers=()
  if [ -n "${PULSAR_ADMIN_HEADER_FILE:-}" ]; then
    headers=(-H "@$PULSAR_ADMIN_HEADER_FILE")
  fi
  curl -fsS --max-time 5 "${headers[@]}" "http://127.0.0.1:$web_port/admin/v2/namespaces/public" \
    2>/dev/null | grep -q '"public/default"'
}

start_broker() {
  if pid="$(running_pid)"; then
    say "already running (pid $pid, web port $web_port)"
    return 0
  fi
  install_broker
  command -v java >/dev/null || { say "java not found: run scripts/install-deps.sh"; exit 1; }

  for port in "$broker_port" "$web_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      say "port $port on 127.0.0.1 is in use by another process: stop it or set PULSAR_*_PORT"
      exit 1
    fi
  done

  # A fresh data directory per run: restarting standalone on old metadata is unreliable.
  rm -rf "$run_dir/data"
  mkdir -p "$run_dir/data"
  write_config

  say "starting standalone $PULSAR_VERSION on 127.0.0.1:$broker_port (web $web_port), log $log_file"
  local started=$SECONDS
  (
    cd "$run_dir/data"
    exec setsid java \
      -Xms"$heap" -Xmx"$heap" -XX:MaxDirectMemorySize="$direct_memory" \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=10 \
      -Dlog4j.configurationFile="$run_dir/conf/log4j2.xml" -Dlog4j.shutdownHookEnabled=false \
      -Djute.maxbuffer=10485760 -Djava.net.preferIPv4Stack=true \
      -Dio.netty.tryReflectionSetAccessible=true \
      -Dbookkeeper.metadata.bookie.drivers=org.apache.pulsar.metadata.bookkeeper.PulsarMetadataBookieDriver \
      -Dbookkeeper.metadata.client.drivers=org.apache.pulsar.metadata.bookkeeper.PulsarMetadataClientDriver \
      -Dpulsar.allocator.exit_on_oom=true \
      --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.util.zip=ALL-UNNAMED \
      --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED \
      --add-opens java.base/sun.net=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED \
      --add-opens java.base/java.lang=ALL-UNNAMED \
      -cp "$lib_dir/*" org.apache.pulsar.PulsarStandaloneStarter \
      --config "$conf_file" \
      --advertised-address 127.0.0.1 \
      --metadata-dir "$run_dir/data/metadata" \
      --bookkeeper-dir "$run_dir/data/bookkeeper" \
      --no-functions-worker --no-stream-storage
  ) </dev/null >"$log_file" 2>&1 &
  echo $! >"$pid_file"

  while ! broker_serves; do
    if ! running_pid >/dev/null; then
      say "broker exited during start-up; last lines of $log_file:"
      tail -n 40 "$log_file" >&2
      exit 1
    fi
    if [ $((SECONDS - started)) -ge "$start_timeout" ]; then
      say "broker did not serve public/default within $start_timeout s; last lines of $log_file:"
      tail -n 40 "$log_file" >&2
      stop_broker
      exit 1
    fi
    sleep 1
  done
  say "serving after $((SECONDS - started)) s (pid $(cat "$pid_file"))"
}

stop_broker() {
  local pid
  if ! pid="$(running_pid)"; then
    say "not running (web port $web_port)"
    rm -f "$pid_file"
    return 0
  fi
  say "stopping pid $pid"
  terminate_pid "$pid" 30
  rm -f "$pid_file"
  say "stopped"
}

case "${1:-}" in
  install) install_broker ;;
  start) start_broker ;;
  stop) stop_broker ;;
  status)
    if pid="$(running_pid)"; then
      echo "running (pid $pid, broker pulsar://127.0.0.1:$broker_port, admin http://127.0.0.1:$web_port)"
    else
      echo "not running"
      exit 3
    fi
    ;;
  log) tail -n "${2:-100}" "$log_file" 2>/dev/null || say "no log at $log_file" ;;
  -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
  *) say "unknown command '${1:-}': use install, start, stop, status or log (see --help)"; exit 2 ;;
esac
