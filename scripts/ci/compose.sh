#!/usr/bin/env bash
# CI job compose: `docker compose up` of docker-compose.yml (Redis, placement, scheduler, both apps
# with their daprd containers, Zipkin, Prometheus, Grafana), a request through the published port,
# `docker compose down`. Logs go to artifacts/compose/.
#
#   bash scripts/ci/compose.sh        # any machine with Docker Compose v2
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/ci/common.sh
. scripts/ci/common.sh
need docker curl jq openssl

# The tokens compose requires (it refuses to start without them), fresh for this run.
APP_API_TOKEN=$(openssl rand -base64 32)
DAPR_API_TOKEN=$(openssl rand -base64 32)
export APP_API_TOKEN DAPR_API_TOKEN
cleanup() {
  docker compose logs --no-color >"$ARTIFACTS/compose.log" 2>&1 || true
  docker compose down --volumes --timeout 120 || true
}
trap cleanup EXIT

say "docker compose up"
docker compose up --detach --build --wait --wait-timeout 600

wait_for http://localhost:5009/healthz 200 120
ask_forecast http://localhost:5009 Oslo
ask_forecast http://localhost:5009 Lisbon

say "docker compose down"
docker compose down --volumes --timeout 120
[ -z "$(docker compose ps --quiet)" ] || fail "containers still running after docker compose down"
trap - EXIT
