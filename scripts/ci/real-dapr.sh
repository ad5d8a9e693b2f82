#!/usr/bin/env bash
# CI job real-dapr: the sidecar contract tests, the end-to-end suite and the fault suite against real
# daprd (RSD_SIDECAR=daprd) instead of the test sidecar. The contract tests describe daprd's
# behaviour, so here they prove the test sidecar right or show where it is wrong. Writes the tests'
# output and the fault table (faults.json, faults.md) to artifacts/real-dapr/.
#
#   bash scripts/ci/real-dapr.sh      # Linux with Docker and the .NET 10 SDK; takes about 20 min
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/ci/common.sh
. scripts/ci/common.sh
need docker dotnet curl

say "redis-server, the Dapr CLI $DAPR_CLI_VERSION and dapr init $DAPR_VERSION"
install_redis_server
install_dapr_cli
dapr_init

say "build"
dotnet build RedisStreamDemo.sln -c Release -warnaserror -nologo -v quiet

export RSD_SIDECAR=daprd DAPRD_PATH="$HOME/.dapr/bin/daprd" CI=true
status=0
for project in tests/sidecar-tests/Sidecar.Tests.csproj tests/e2e/EndToEnd.Tests.csproj; do
  name=$(basename "$project" .csproj)
  say "$name against daprd"
  dotnet test --project "$project" -c Release --no-build 2>&1 | tee "$ARTIFACTS/$name.log" || status=1
done

say "fault suite against daprd"
dotnet run -c Release --no-build --project tests/faults -- --quiet \
  --json "$ARTIFACTS/faults.json" --markdown "$ARTIFACTS/faults.md" 2>&1 | tee "$ARTIFACTS/faults.log" || status=1

exit "$status"
