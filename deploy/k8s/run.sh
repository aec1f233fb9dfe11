#!/usr/bin/env bash
# Runs a sharded load test on the current kubectl context: the push service,
# the shards (Indexed Job), then the merge, each step bounded in time, and
# copies the merged report to ./pushspec-load-report. Build and push the
# image first (deploy/Dockerfile) and set it in kustomization.yaml.
set -euo pipefail
cd "$(dirname "$0")"
ns=pushspec-load

kubectl apply -k .
kubectl -n "$ns" rollout status deployment/pushservice --timeout=5m
kubectl -n "$ns" wait --for=condition=complete job/pushspec-load --timeout=15m
kubectl apply -f merge-job.yaml
kubectl -n "$ns" wait --for=condition=complete job/pushspec-merge --timeout=10m
kubectl -n "$ns" logs job/pushspec-merge

# Copy the merged report out through a short-lived pod on the same volume.
kubectl -n "$ns" run pushspec-fetch --image=busybox:1.36 --restart=Never \
  --overrides='{"spec":{"containers":[{"name":"fetch","image":"busybox:1.36",
  "command":["sleep","300"],"volumeMounts":[{"name":"r","mountPath":"/results"}]}],
  "volumes":[{"name":"r","persistentVolumeClaim":{"claimName":"pushspec-results"}}]}}'
kubectl -n "$ns" wait --for=condition=ready pod/pushspec-fetch --timeout=2m
kubectl -n "$ns" cp pushspec-fetch:/results/merged ./pushspec-load-report
kubectl -n "$ns" delete pod pushspec-fetch --wait=false
echo "merged report: ./pushspec-load-report/report.txt and load.html"
