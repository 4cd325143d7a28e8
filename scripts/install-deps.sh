#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need.
# Safe to run again: it installs only what is missing, and uses sudo only
# when not already root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libcmocka-dev libcurl4-openssl-dev libjansson-dev libyaml-dev
  liblz4-dev libzstd-dev zlib1g-dev libssl-dev
  libmosquitto-dev mosquitto libmicrohttpd-dev
  clang libclang-rt-14-dev
  openjdk-17-jre-headless openjdk-17-jdk-headless maven
  tzdata golang-go jq zstd time python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# A machine may carry Java and Maven outside Debian's packages; those count.
if command -v java >/dev/null && java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then
  missing=("${missing[@]/openjdk-17-jre-headless}")
fi
if command -v mvn >/dev/null; then
  missing=("${missing[@]/maven}")
fi
# Any Go in PATH counts; scripts/fake-gcs.sh checks that it is new enough.
if command -v go >/dev/null; then
  missing=("${missing[@]/golang-go}")
fi
read -r -a missing <<<"${missing[*]:-}"

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
