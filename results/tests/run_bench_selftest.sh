#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Self-test of bench/run_bench.sh + results/report.py on a real build tree: runs
# the physical-limit benchmarks of the uncontended groups only (a few
# seconds), then checks that JSON came out with every repetition (for
# compare.py), that the report renders it, and that compare.py reads it.
set -euo pipefail
build=${1:?usage: run_bench_selftest.sh BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$here/../bench/run_bench.sh" "$build" --out "$out/bench" --budget 100 --min-time 0.01 --repetitions 2 --filter 'uncontended/limit:'
ls "$out"/bench/*.json >/dev/null
grep -q '"run_type": "iteration"' "$out"/bench/*.json
/usr/bin/python3 "$here/report.py" --results "$out" --out "$out/report.md"
grep -q "1 (limit)" "$out/report.md"
test -s "$out/report.html"
/usr/bin/python3 "$here/compare.py" "$out" "$out" >/dev/null
echo "run_bench_selftest: ok"
