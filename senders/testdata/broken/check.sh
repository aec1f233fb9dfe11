#!/usr/bin/env bash
# Runs the conformance suites against each deliberately broken adapter and
# checks that the run fails within its timeouts, naming the breakdown in
# conformance.md. Run from the repository root: make broken-adapters.
set -uo pipefail
export PUSHSPEC_ADAPTER_TIMEOUT=2
fail=0
check() { # script, text that conformance.md must hold
  local script=$1 want=$2 out=reports/out/broken-$1
  local start=$SECONDS
  make --no-print-directory conformance SENDER="senders/testdata/broken/$script.sh" \
    SENDER_NAME="broken-$script" GINKGO_FLAGS='--label-filter=!browser' >"$out.log" 2>&1
  local rc=$? took=$((SECONDS - start))
  if [ "$rc" -eq 0 ]; then
    echo "$script: the run passed"; fail=1
  elif ! grep -q -- "$want" "$out/conformance.md" 2>/dev/null; then
    echo "$script: conformance.md does not say \"$want\""; fail=1
  else
    echo "$script: FAIL as it should, in ${took}s: \"$want\""
  fi
}
mkdir -p reports/out
check crash "exited before answering (exit status 3); its stderr ends: crash adapter"
check hang "no result within 2s (a hang); its stderr ends: hang adapter: thinking forever"
check garbage "broke the protocol: not a JSON result"
check badoutcome "has outcome \"probably\""
check nohello "no hello line within 2s; its stderr ends: nohello adapter: starting up slowly"
exit $fail
