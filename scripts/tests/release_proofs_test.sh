#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The full-size proofs of the model checker (fuzz/model/README.md,
# "Exhaustive search"), on the Release build the main job made (the dev and
# fuzz presets' builds are 10-20 times slower, too slow for them): run by
# `./lastref test` after its quick run.
#   - lastref's completion with 1 completer and 3 waiters (complete,
#     complete_all, wait, wait_for) proven with no preemption bound under sc
#     and c11 (about 1.1 M and 1.5 M executions, 5 and 7 s of CPU), as two
#     shard processes each (--jobs 2);
#   - kref_n at 4 threads explored in exactly 369,600 executions, GenMC's
#     count for the same program (../shared/anchors/genmc);
#   - the zoo's lost wake-up found in the 3-waiter completion under c11.
# usage: release_proofs_test.sh [LASTREF_PROVE]   (default build/bench/fuzz/lastref-prove)
# Exit status 0 when every check passes, 2 when the binary is missing.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
prove=${1:-$root/build/bench/fuzz/lastref-prove}
if [ ! -x "$prove" ]; then
  echo "release_proofs_test: no lastref-prove at $prove (build it: cmake --preset bench && cmake --build --preset bench)" >&2
  exit 2
fi
expect=$root/fuzz/tests/expect.sh
fails=0
# expect.sh prints the tail of the output and fails on a status or text mismatch;
# the grep only trims what it printed, so its status must not decide.
check() {  # NAME STATUS REGEX ARGS...
  local name=$1 status=$2 regex=$3 out rc
  shift 3
  echo "== release proof: $name"
  out=$("$expect" "$status" "$regex" -- "$prove" --progress-seconds 0 "$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" | grep -E "^certificate|wall time|expect.sh"
  if [ "$rc" = 0 ]; then echo "ok: $name"; else echo "FAIL: $name" >&2; fails=$((fails + 1)); fi
}
proven="certificate: complete: every schedule explored"
check completion1x3_sc 0 "$proven" --target completion --scenario completion1x3 --model sc --jobs 2
check completion1x3_c11 0 "$proven" --target completion --scenario completion1x3 --model c11 --jobs 2
check kref_n4_matches_genmc 0 "$proven, 369600 executions" --program kref_n --threads 4 --model sc
check completion1x3_c11_finds_lost_wakeup 4 "^replay: lastref-replay lastref-replay:v3:" \
  --target completion --scenario completion1x3 --model c11 --zoo lost_wakeup_completion
if [ "$fails" -gt 0 ]; then
  echo "release_proofs_test: $fails check(s) failed" >&2
  exit 1
fi
echo "release_proofs_test: all passed"
