#!/usr/bin/env bash
# Builds and pushes both images, creates the secrets (never committed), applies k8s/ with kustomize
# and waits for the rollouts.
#
#   REGISTRY=ghcr.io/me TAG=1.2.0 scripts/deploy-k8s.sh
#
# REGISTRY   image registry/prefix (default localhost:5000)
# TAG        image tag (default: the git commit, or "latest")
# OVERLAY    k8s (default, KEDA scales the proxy), k8s/without-keda (CPU HPA instead) or
#            k8s/direct-mode (the ingress in Direct correlation mode, with KEDA)
# SKIP_BUILD set to 1 to deploy images already pushed
# TIMEOUT    rollout timeout (default 300s)
# Needs: docker, kubectl (with kustomize), openssl; Dapr 1.18.3 installed in the cluster
# (dapr init -k --runtime-version 1.18.3), an ingress-nginx controller, and KEDA for the default
# overlay.
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY=${REGISTRY:-localhost:5000}
TAG=${TAG:-$(git rev-parse --short HEAD 2>/dev/null || echo latest)}
OVERLAY=${OVERLAY:-k8s}
TIMEOUT=${TIMEOUT:-300s}
NAMESPACE=redis-stream-demo
# The Dapr release every file of this repository is written and checked against.
DAPR_VERSION=1.18.3
MONITORING=monitoring

for tool in kubectl openssl; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

if ! kubectl get namespace dapr-system >/dev/null 2>&1; then
  echo "Dapr is not installed in this cluster (namespace dapr-system missing): run 'dapr init -k' first." >&2
  exit 1
fi
operator_image=$(kubectl -n dapr-system get deployment dapr-operator -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null || true)
if [ -n "$operator_image" ] && [ "${operator_image##*:}" != "$DAPR_VERSION" ]; then
  echo "warning: the cluster runs Dapr ${operator_image##*:}; this repository is checked against Dapr $DAPR_VERSION" >&2
fi
if [ "$OVERLAY" != "k8s/without-keda" ] && ! kubectl get crd scaledobjects.keda.sh >/dev/null 2>&1; then
  echo "KEDA is not installed (CRD scaledobjects.keda.sh missing): install KEDA or run with OVERLAY=k8s/without-keda." >&2
  exit 1
fi

if [ "${SKIP_BUILD:-0}" != "1" ]; then
  command -v docker >/dev/null || { echo "docker is required to build images" >&2; exit 1; }
  for app in ingress proxy; do
    image="$REGISTRY/redis-stream-demo/$app:$TAG"
    echo "Building $image"
    # Build context is the repository root (Directory.*.props and project references).
    docker build -f services/Dockerfile --target "$app" -t "$image" .
    docker push "$image"
  done
fi

# A throw-away overlay sets the image names and tags, so the committed manifests keep their
# placeholders (same effect as `kustomize edit set image`, without needing the kustomize CLI).
overlay=$(mktemp -d "$PWD/.deploy-overlay.XXXXXX")
trap 'rm -rf "$overlay"' EXIT
cat > "$overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../$OVERLAY
images:
  - name: redis-stream-demo/ingress
    newName: $REGISTRY/redis-stream-demo/ingress
    newTag: "$TAG"
  - name: redis-stream-demo/proxy
    newName: $REGISTRY/redis-stream-demo/proxy
    newTag: "$TAG"
YAML
kubectl kustomize "$overlay" >/dev/null

# Namespaces first, so the secrets have somewhere to go on a fresh cluster.
kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
kubectl create namespace "$MONITORING" --dry-run=client -o yaml | kubectl apply -f -

# Secrets: generated here, applied idempotently, never written to the repository. Existing
# values are kept so a redeploy does not invalidate tokens; ROTATE_SECRETS=1 replaces them.
ensure_secret() { # namespace name key value-generator
  local ns=$1 name=$2 key=$3 gen=$4
  if [ "${ROTATE_SECRETS:-0}" = "1" ] || ! kubectl -n "$ns" get secret "$name" >/dev/null 2>&1; then
    kubectl -n "$ns" create secret generic "$name" --from-literal="$key=$($gen)" \
      --dry-run=client -o yaml | kubectl apply -f -
  fi
}
random_token() { openssl rand -base64 32 | tr -d '\n'; }
random_key() { openssl rand -base64 48 | tr -d '\n'; }
# daprd sends this to the apps as dapr-api-token (annotation dapr.io/app-token-secret; key must be "token").
ensure_secret "$NAMESPACE" app-api-token token random_token
# Symmetric JWT signing key (used only when Authentication__Authority is not set).
ensure_secret "$NAMESPACE" jwt-signing-key signing-key random_key
ensure_secret "$MONITORING" grafana-admin password random_token

# Server-side apply with strict field validation: the API server refuses an unknown or misspelt
# field instead of dropping it (a Resiliency with one would otherwise be rejected by the Dapr
# operator later, or half-applied). --force-conflicts keeps replicas the autoscaler changed
# ours again, as a client-side apply would.
kubectl apply --server-side --force-conflicts --field-validation=Strict -k "$overlay"

kubectl -n "$NAMESPACE" rollout status statefulset/redis --timeout="$TIMEOUT"
for app in proxy ingress; do
  kubectl -n "$NAMESPACE" rollout status "deployment/$app" --timeout="$TIMEOUT"
done
for app in zipkin prometheus grafana; do
  kubectl -n "$MONITORING" rollout status "deployment/$app" --timeout="$TIMEOUT"
done

cat <<INFO

Deployed $REGISTRY/redis-stream-demo/{ingress,proxy}:$TAG ($OVERLAY).

  API      http://redis-stream-demo.local/WeatherForecast/city   (add redis-stream-demo.local to /etc/hosts
           pointing at your ingress controller; JWT required: set Authentication__Authority/Audience
           in k8s/base/app-config.yaml)
  Swagger  http://redis-stream-demo.local/swagger
  Grafana  kubectl -n $MONITORING port-forward svc/grafana 3000:3000      -> http://localhost:3000
           (admin / kubectl -n $MONITORING get secret grafana-admin -o jsonpath='{.data.password}' | base64 -d)
  Prometheus kubectl -n $MONITORING port-forward svc/prometheus 9090:9090 -> http://localhost:9090
  Zipkin   kubectl -n $MONITORING port-forward svc/zipkin 9411:9411       -> http://localhost:9411
  mTLS     dapr mtls -k   (should print: Mutual TLS is enabled in your Kubernetes cluster)
INFO
