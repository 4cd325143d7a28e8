#!/usr/bin/env bash
# Prints the directory of the demo's data set: Sensor.Community's daily
# per-sensor CSV files of 14 to 16 May 2019 for 46 sensors in Aberdeen.
#
# It is, in order: DEMO_DATA_DIR when set; shared/data in the directory
# that contains the repository, when it contains CSV files; else the archive's
# files, downloaded once into $SWITCHYARD_CACHE/data (~/.cache/switchyard).
# Exits non-zero, saying what to do, when none of these works.
set -euo pipefail
shopt -s inherit_errexit

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "demo-data: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}"

resolve_data() {
  if [ -n "${DEMO_DATA_DIR:-}" ]; then
    echo "$DEMO_DATA_DIR"
    return
  fi
  if [ -d "$root/../shared/data" ] && ls "$root/../shared/data"/*.csv >/dev/null 2>&1; then
    echo "$(cd "$root/../shared/data" && pwd)"
    return
  fi
  local dir="$cache/data/aberdeen-2019-05-14_to_16"
  if [ ! -f "$dir/.complete" ]; then
    echo "demo-data: downloading the Aberdeen readings of 14-16 May 2019 from the Sensor.Community archive into $dir" >&2
    mkdir -p "$dir"
    local sds011="5331 7789 8554 15092 15462 16422 17079 22068 22449 22480 22523 22549 22597 22612 22618 22691 22879 22885 23007 23628 24543 25095 25555"
    local dht22="5332 7790 8555 15463 17080 22450 22524 22550 22598 22613 22619 22692 22880 22886 23008 23629 24544 25096 25556"
    local bme280="15093 16423 17204 22481"
    local day type id file
    for day in 2019-05-14 2019-05-15 2019-05-16; do
      for type in sds011 dht22 bme280; do
        local ids
        case "$type" in sds011) ids=$sds011 ;; dht22) ids=$dht22 ;; bme280) ids=$bme280 ;; esac
        for id in $ids; do
          file="${day}_${type}_sensor_${id}.csv"
          [ -s "$dir/$file" ] && continue
          if ! curl -fsS --retry 2 --connect-timeout 10 -o "$dir/$file.part" \
              "https://archive.sensor.community/$day/$file"; then
            rm -f "$dir/$file.part"
            echo "demo-data: downloading $file failed: check the network, or set DEMO_DATA_DIR to a directory of Sensor.Community CSV files" >&2
            return 1
          fi
          mv "$dir/$file.part" "$dir/$file"
        done
      done
    done
    touch "$dir/.complete"
  fi
  echo "$dir"
}

dir="$(resolve_data)"
if ! ls "$dir"/*.csv >/dev/null 2>&1; then
  echo "demo-data: no *.csv files in $dir: set DEMO_DATA_DIR to a directory of Sensor.Community CSV files" >&2
  exit 2
fi
echo "$dir"
