#!/usr/bin/env bash
# The main job behind `./lastref run BUDGET OUT [quick|full|skip]`: builds the bench, fuzz and
# tsan presets, runs the fuzz campaign for BUDGET seconds on every core, the
# TSan jobs, the stress harnesses (plain and TSan) for their throughput, the
# benchmarks, the quick detection scorecard, and writes OUT/REPORT.md.
#
# Every stage is bounded (the campaign by BUDGET, the benchmarks by their own
# budget, tests by CTest timeouts) and prints its elapsed time; a failing
# stage is reported and the job goes on, so one broken part still leaves a
# report of the others. Exit status: 0 if every stage passed, 1 otherwise.
set -uo pipefail
budget=${1:?budget in seconds}
out=${2:?output directory}
scorecard=${3:-quick}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mkdir -p "$out"
out=$(cd "$out" && pwd)
bench_budget=${LASTREF_BENCH_BUDGET:-300}
t0=$(date +%s)
failed=()

stage() {
  local name=$1
  shift
  echo
  echo "== lastref run [$(($(date +%s) - t0)) s] $name =="
  if "$@"; then
    echo "-- $name: ok"
  else
    echo "-- $name: FAILED (exit $?)" >&2
    failed+=("$name")
  fi
}

build_preset() { cmake --preset "$1" >/dev/null && cmake --build --preset "$1"; }

stage "build bench preset (Release)" build_preset bench
stage "build fuzz preset (clang, libFuzzer + ASan + UBSan)" build_preset fuzz
stage "build tsan preset (clang, ThreadSanitizer)" build_preset tsan
stage "fuzz campaign, ${budget} s on $(nproc) cores" \
  fuzz/campaign.sh --budget "$budget" --build build/fuzz --work build/fuzz-campaign \
  --json "$out/fuzz_campaign.json"
stage "TSan jobs (ctest -L tsan, tsan preset)" ctest --preset tsan -L tsan
stage "stress harness throughput, plain and TSan" \
  /usr/bin/python3 scripts/collect_tsan.py "$out/tsan.json" --plain build/bench --tsan build/tsan
stage "benchmarks (${bench_budget} s)" \
  results/run_bench.sh build/bench --out "$out/bench" --budget "$bench_budget"
if [ "$scorecard" != skip ]; then
  stage "detection scorecard ($scorecard)" \
    /usr/bin/python3 fuzz/scorecard/scorecard.py "--$scorecard" --plain-build build/bench \
    --fuzz-build build/fuzz --tsan-build build/tsan --out "$out"
fi
stage "report" /usr/bin/python3 results/report.py --results "$out"

echo
echo "== lastref run finished in $(($(date +%s) - t0)) s; report: $out/REPORT.md =="
if [ ${#failed[@]} -gt 0 ]; then
  printf 'lastref run: failed stages:\n' >&2
  printf '  - %s\n' "${failed[@]}" >&2
  exit 1
fi
