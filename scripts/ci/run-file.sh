#!/usr/bin/env bash
# CI job run-file: the README's "Run it" as a user does it. `dapr run -f .` starts both apps with
# their daprd sidecars from dapr.yaml, a request gets its reply through both, `dapr stop -f .` stops
# everything. Logs go to artifacts/run-file/.
#
#   bash scripts/ci/run-file.sh       # Linux with Docker and the .NET 10 SDK
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/ci/common.sh
. scripts/ci/common.sh
need docker dotnet curl jq

say "the Dapr CLI $DAPR_CLI_VERSION and dapr init $DAPR_VERSION"
install_dapr_cli
dapr_init

say "dotnet build, then dapr run -f . (the README's commands)"
dotnet build RedisStreamDemo.sln -nologo -v quiet
dapr run -f . >"$ARTIFACTS/dapr-run.log" 2>&1 &
runner=$!
# shellcheck disable=SC2317 # run by the trap
cleanup() {
  dapr stop -f . >/dev/null 2>&1 || true
  kill "$runner" 2>/dev/null || true
  # The CLI writes each app's and daprd's log under its appDirPath.
  for app in ingress proxy; do
    cp -r "services/$app/.dapr/logs" "$ARTIFACTS/$app-logs" 2>/dev/null || true
  done
}
trap cleanup EXIT

wait_for http://localhost:5009/healthz 200 180
wait_for http://localhost:5010/healthz 200 180
ask_forecast http://localhost:5009 Oslo
ask_forecast http://localhost:5009 "New York"

say "dapr stop -f ."
dapr stop -f .
for _ in $(seq 60); do
  if ! curl -s -o /dev/null --max-time 1 http://localhost:5009/healthz && ! curl -s -o /dev/null --max-time 1 http://localhost:3509/v1.0/healthz; then
    echo "both apps and their sidecars stopped"
    exit 0
  fi
  sleep 1
done
fail "something still answers 60 s after dapr stop -f ."
