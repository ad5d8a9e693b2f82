# shellcheck shell=bash
# Shared by the real-Dapr CI jobs (scripts/ci/*.sh), sourced, never run. They need what GitHub's
# ubuntu-latest runners have (Docker, curl, jq, sudo; kind, kubectl and helm for the kind job) and
# install the rest themselves, so a person can run them on any Linux machine with Docker.

# The Dapr runtime release every file of this repository is written and checked against, and the
# CLI of its line.
DAPR_VERSION=1.18.3
DAPR_CLI_VERSION=1.18.0
# Where each job writes what it uploads: logs, test output, the fault table.
ARTIFACTS=${ARTIFACTS:-$PWD/artifacts/$(basename "$0" .sh)}
mkdir -p "$ARTIFACTS"

say() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
need() { for tool in "$@"; do command -v "$tool" >/dev/null || fail "$tool is required"; done; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# redis-server for the suites' private Redis instances; its packaged service is stopped so that
# port 6379 stays free for the Redis container `dapr init` starts.
install_redis_server() {
  if ! command -v redis-server >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  fi
  as_root systemctl disable --now redis-server >/dev/null 2>&1 || true
}

install_dapr_cli() {
  if ! command -v dapr >/dev/null || ! dapr version 2>/dev/null | grep -q "CLI version: $DAPR_CLI_VERSION"; then
    curl -fsSL https://raw.githubusercontent.com/dapr/cli/v$DAPR_CLI_VERSION/install/install.sh | as_root /bin/bash -s "$DAPR_CLI_VERSION"
  fi
  dapr version
}

# daprd in ~/.dapr/bin, and placement (50005), scheduler (50006), Redis (6379) and Zipkin (9411)
# as containers: what the dapr.yaml run file and RSD_SIDECAR=daprd expect.
dapr_init() {
  dapr uninstall --all >/dev/null 2>&1 || true
  dapr init --runtime-version "$DAPR_VERSION"
  "$HOME/.dapr/bin/daprd" --version
}

# wait_for URL STATUS SECONDS: until GET URL answers STATUS, or fail.
wait_for() {
  local url=$1 status=$2 seconds=$3 got=""
  for _ in $(seq "$seconds"); do
    got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [ "$got" = "$status" ] && return 0
    sleep 1
  done
  fail "GET $url answered '$got', not $status, within $seconds s"
}

# ask_forecast BASE_URL CITY: POST /WeatherForecast/city and check the reply is this city's.
ask_forecast() {
  local base=$1 city=$2 response status body
  response=$(curl -sS --max-time 60 -X POST "$base/WeatherForecast/city" \
    -H 'Content-Type: application/json' -d "{\"city\":\"$city\",\"location\":\"CI\"}" -w '\n%{http_code}')
  status=$(tail -n 1 <<<"$response")
  body=$(sed '$d' <<<"$response")
  echo "POST $base/WeatherForecast/city ($city): $status $body"
  [ "$status" = 200 ] || fail "expected 200 with the reply, got $status"
  jq -e --arg city "$city" '.city == $city and (.forecasts | length) > 0 and (.requestId | length) > 0' <<<"$body" >/dev/null \
    || fail "the reply is not $city's forecast"
}
