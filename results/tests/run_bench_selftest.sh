#!/usr/bin/env bash
# Self-test of results/run_bench.sh + report.py on a real build tree: runs
# the physical-limit benchmarks of the uncontended groups only (a few
# seconds), then checks that JSON came out and that the report renders it.
set -euo pipefail
build=${1:?usage: run_bench_selftest.sh BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$here/run_bench.sh" "$build" --out "$out/bench" --budget 100 --min-time 0.01 --repetitions 2 --filter 'uncontended/limit:'
ls "$out"/bench/*.json >/dev/null
/usr/bin/python3 "$here/report.py" --results "$out"
grep -q "1 (limit)" "$out/REPORT.md"
echo "run_bench_selftest: ok"
