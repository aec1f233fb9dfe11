#!/usr/bin/env bash
# Smoke test of `pushspec serve` from outside Go: start it with TLS, then
# drive its control API with curl and push to it from plain Node
# (examples/node/push.mjs). Exits non-zero on the first thing that breaks.
set -euo pipefail

dir=$(mktemp -d)
bin="$dir/pushspec"
go build -o "$bin" ./cmd/pushspec
"$bin" serve --tls --cert-dir "$dir" >"$dir/stdout" 2>"$dir/stderr" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

for _ in $(seq 100); do
  [ -s "$dir/stdout" ] && break
  sleep 0.1
done
url=$(head -1 "$dir/stdout")
[ -n "$url" ] || { echo "serve printed no URL in 10 s:"; cat "$dir/stderr"; exit 1; }
grep -q "CA certificate: $dir/ca.pem" "$dir/stderr" || { echo "no CA path on stderr"; exit 1; }
echo "serve: $url"

curl() { command curl -sS --max-time 10 --cacert "$dir/ca.pem" "$@"; }
id=$(curl -X POST "$url/subscriptions" | sed -n 's/.*"id": "\([^"]*\)".*/\1/p')
[ -n "$id" ] || { echo "POST /subscriptions gave no id"; exit 1; }
status=$(curl -o /dev/null -w '%{http_code}' -X POST -H 'TTL: 60' --data-binary 'in the clear' \
  "$url/push/$id")
[ "$status" = 400 ] || { echo "a plaintext push got $status, want 400"; exit 1; }
curl "$url/subscriptions/$id/messages" | grep -q '"requirement": "body.encrypted"' \
  || { echo "the plaintext push is not recorded with body.encrypted"; exit 1; }
status=$(curl -o /dev/null -w '%{http_code}' -X DELETE "$url/subscriptions/$id")
[ "$status" = 204 ] || { echo "DELETE gave $status"; exit 1; }
status=$(curl -o /dev/null -w '%{http_code}' -X POST -H 'TTL: 0' "$url/push/$id")
[ "$status" = 410 ] || { echo "a push after DELETE got $status, want 410"; exit 1; }
echo "curl: subscription, 400 for plaintext, 204 on delete, 410 after"

NODE_EXTRA_CA_CERTS="$dir/ca.pem" timeout 30 node examples/node/push.mjs "$url" "héllo from node"
