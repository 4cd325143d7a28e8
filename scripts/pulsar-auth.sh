#!/usr/bin/env bash
# Runs a Pulsar standalone (scripts/pulsar.sh) with token authentication and
# authorization enabled, for the tests and demos that check permissions.
#
#   scripts/pulsar-auth.sh setup         write the secret key, the broker settings
#                                        and the superuser token into the auth directory
#   scripts/pulsar-auth.sh start         setup, then start the broker
#   scripts/pulsar-auth.sh stop          stop the broker
#   scripts/pulsar-auth.sh token ROLE    print a token whose "sub" claim is ROLE
#   scripts/pulsar-auth.sh env           print the variables the integration tests read
#
# The broker accepts HS256 JWTs signed with the secret key (32 random bytes
# in $auth_dir/secret.key) and takes the client's role from their "sub"
# claim. The superuser role administers everything; the broker's own
# internal client authenticates with the superuser token too. Tokens are
# minted by `switchyard token`, so the switchyard program must be built.
#
# Settings (environment variables), besides those of scripts/pulsar.sh
# (PULSAR_BROKER_PORT, PULSAR_WEB_PORT, PULSAR_RUN_DIR, ...):
#   PULSAR_AUTH_DIR        key, settings and tokens ($PULSAR_RUN_DIR/auth)
#   PULSAR_SUPERUSER_ROLE  role of the superuser token (switchyard-admin)
#   SWITCHYARD_BIN         the switchyard program (the first of
#                          build/src/cli/switchyard, build-*/src/cli/switchyard
#                          that has the token subcommand)
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

cache="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}"
broker_port="${PULSAR_BROKER_PORT:-6650}"
web_port="${PULSAR_WEB_PORT:-8080}"
export PULSAR_RUN_DIR="${PULSAR_RUN_DIR:-$cache/run/pulsar-$web_port}"
auth_dir="${PULSAR_AUTH_DIR:-$PULSAR_RUN_DIR/auth}"
superuser="${PULSAR_SUPERUSER_ROLE:-switchyard-admin}"

say() { echo "pulsar-auth: $*" >&2; }

find_switchyard() {
  if [ -n "${SWITCHYARD_BIN:-}" ]; then
    [ -x "$SWITCHYARD_BIN" ] || { say "SWITCHYARD_BIN=$SWITCHYARD_BIN is not an executable file"; exit 2; }
    echo "$SWITCHYARD_BIN"
    return
  fi
  local candidate
  for candidate in "$ROOT/build/src/cli/switchyard" "$ROOT"/build-*/src/cli/switchyard; do
    # A tree built before the token subcommand existed does not count.
    if [ -x "$candidate" ] && "$candidate" token --help >/dev/null 2>&1; then
      echo "$candidate"
      return
    fi
  done
  say "no switchyard program with the token subcommand under $ROOT/build*: build it (cmake --build build) or set SWITCHYARD_BIN"
  exit 1
}

mint() {
  local program
  program="$(find_switchyard)"
  "$program" token --secret-file "$auth_dir/secret.key" --subject "$1"
}

setup() {
  mkdir -p "$auth_dir"
  chmod 700 "$auth_dir"
  if [ ! -s "$auth_dir/secret.key" ]; then
    (umask 077 && head -c 32 /dev/urandom >"$auth_dir/secret.key")
    say "wrote a new secret key to $auth_dir/secret.key"
  fi

  local admin_token
  admin_token="$(mint "$superuser")"
  (umask 077 && printf '%s\n' "$admin_token" >"$auth_dir/admin.token")
  # curl reads header lines from a file, so the token never shows in a process list.
  (umask 077 && printf 'Authorization: Bearer %s\n' "$admin_token" >"$auth_dir/admin.header")

  (umask 077 && cat >"$auth_dir/broker.conf" <<CONF
authenticationEnabled=true
authorizationEnabled=true
authenticationProviders=org.apache.pulsar.broker.authentication.AuthenticationProviderToken
tokenSecretKey=file://$auth_dir/secret.key
superUserRoles=$superuser
brokerClientAuthenticationPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken
brokerClientAuthenticationParameters=token:$admin_token
CONF
  )
  say "broker settings in $auth_dir/broker.conf, superuser '$superuser' token in $auth_dir/admin.token"
}

print_env() {
  cat <<ENV
export SWITCHYARD_TEST_AUTH_PULSAR_URL=pulsar://127.0.0.1:$broker_port
export SWITCHYARD_TEST_AUTH_ADMIN_URL=http://127.0.0.1:$web_port
export SWITCHYARD_TEST_AUTH_SECRET_FILE=$auth_dir/secret.key
export SWITCHYARD_TEST_AUTH_SUPERUSER=$superuser
ENV
}

case "${1:-}" in
  setup) setup ;;
  start)
    # setup keeps an existing key, so tokens minted before a restart stay valid.
    setup
    PULSAR_EXTRA_CONF="$auth_dir/broker.conf" PULSAR_ADMIN_HEADER_FILE="$auth_dir/admin.header" \
      "$SCRIPT_DIR/pulsar.sh" start
    ;;
  stop) "$SCRIPT_DIR/pulsar.sh" stop ;;
  token)
    [ -n "${2:-}" ] || { say "usage: scripts/pulsar-auth.sh token ROLE"; exit 2; }
    [ -s "$auth_dir/secret.key" ] || { say "no secret key in $auth_dir: run scripts/pulsar-auth.sh setup"; exit 1; }
    mint "$2"
    ;;
  env) print_env ;;
  -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
  *) say "unknown command '${1:-}': use setup, start, stop, token or env (see --help)"; exit 2 ;;
esac
