#!/usr/bin/env bash
# CI job kind: a kind cluster with Dapr from its Helm chart at the pinned release and KEDA; the
# images built and loaded into the cluster; each overlay under k8s/ deployed by
# scripts/deploy-k8s.sh (server-side apply with strict field validation, rollouts awaited), a
# smoke load through the ingress with tools/loadtest, then removed before the next overlay. The
# pods' logs (apps and daprd) and their events go to artifacts/kind/ when anything fails.
#
#   bash scripts/ci/kind.sh           # Linux with Docker, kind, kubectl, helm and the .NET 10 SDK
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/ci/common.sh
. scripts/ci/common.sh
need docker kind kubectl helm dotnet curl

CLUSTER=${CLUSTER:-redis-stream-demo}
KEDA_VERSION=2.16.1
REGISTRY=ci.local
TAG=ci
NAMESPACE=redis-stream-demo

collect_logs() {
  say "collecting pod logs and events"
  kubectl get pods -A -o wide >"$ARTIFACTS/pods.txt" 2>&1 || true
  kubectl get events -A --sort-by=.lastTimestamp >"$ARTIFACTS/events.txt" 2>&1 || true
  for pod in $(kubectl -n "$NAMESPACE" get pods -o name 2>/dev/null); do
    kubectl -n "$NAMESPACE" logs "$pod" --all-containers --prefix >"$ARTIFACTS/${pod#pod/}.log" 2>&1 || true
    kubectl -n "$NAMESPACE" logs "$pod" --all-containers --prefix --previous >"$ARTIFACTS/${pod#pod/}.previous.log" 2>/dev/null || true
  done
  kubectl -n dapr-system logs -l app.kubernetes.io/part-of=dapr --all-containers --prefix >"$ARTIFACTS/dapr-system.log" 2>&1 || true
}
on_exit() {
  local status=$?
  [ "$status" = 0 ] || collect_logs
  kill "${forward:-}" 2>/dev/null || true
  [ "${KEEP_CLUSTER:-0}" = 1 ] || kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
  exit "$status"
}
trap on_exit EXIT

say "kind cluster $CLUSTER"
kind create cluster --name "$CLUSTER" --wait 180s

say "Dapr $DAPR_VERSION (Helm chart) and KEDA $KEDA_VERSION"
helm upgrade --install dapr dapr --repo https://dapr.github.io/helm-charts --version "$DAPR_VERSION" \
  --namespace dapr-system --create-namespace --wait --timeout 10m
helm upgrade --install keda keda --repo https://kedacore.github.io/charts --version "$KEDA_VERSION" \
  --namespace keda --create-namespace --wait --timeout 10m

say "images"
for app in ingress proxy; do
  docker build --file services/Dockerfile --target "$app" --tag "$REGISTRY/redis-stream-demo/$app:$TAG" .
  kind load docker-image "$REGISTRY/redis-stream-demo/$app:$TAG" --name "$CLUSTER"
done
dotnet build -c Release tools/loadtest -nologo -v quiet

for overlay in k8s k8s/without-keda k8s/direct-mode; do
  say "overlay $overlay"
  # The committed overlays need an identity provider (JWT); this throw-away overlay turns
  # authentication off for the smoke load, as compose does. deploy-k8s.sh sets the images on top.
  smoke=$(mktemp -d "$PWD/.kind-overlay.XXXXXX")
  cat >"$smoke/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../$overlay
patches:
  - target:
      kind: ConfigMap
      name: ingress-config
    patch: |-
      - op: replace
        path: /data/Authentication__Enabled
        value: "false"
YAML
  REGISTRY=$REGISTRY TAG=$TAG SKIP_BUILD=1 OVERLAY=${smoke#"$PWD"/} TIMEOUT=600s scripts/deploy-k8s.sh

  kubectl -n "$NAMESPACE" port-forward svc/ingress 5009:5009 >"$ARTIFACTS/port-forward.log" 2>&1 &
  forward=$!
  wait_for http://localhost:5009/healthz 200 60
  ask_forecast http://localhost:5009 Oslo
  name=$(tr / - <<<"$overlay")
  dotnet run -c Release --no-build --project tools/loadtest -- --url http://localhost:5009 \
    --count 300 --concurrency 8 --json "$ARTIFACTS/load-$name.json"
  kill "$forward"

  kubectl delete -k "$smoke" --wait --timeout 300s
  rm -rf "$smoke"
done
