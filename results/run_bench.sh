#!/usr/bin/env bash
# Runs every Google Benchmark binary of a build directory and writes one JSON
# file per binary into OUT (default: results/bench/), medians over
# repetitions, for results/report.py.
#
# usage: results/run_bench.sh BUILD_DIR [--out DIR] [--budget SECONDS]
#                             [--repetitions N] [--filter REGEX] [--min-time S]
#
#   BUILD_DIR        a configured and built tree, Release (the `bench` preset:
#                    build/bench). Benchmark binaries are the executables
#                    under BUILD_DIR/bench whose --help is Google Benchmark's.
#   --budget S       wall-time budget for all binaries (default 600). It sets
#                    each benchmark's --benchmark_min_time and the release
#                    suite's sample count, and no binary is started once the
#                    budget is spent; a binary still running at the end of
#                    the budget is stopped. OUT/_status.json records what
#                    happened to each binary; the report shows it.
#   --repetitions N  default 5; the report reads the medians.
#   --filter REGEX   passed to --benchmark_filter.
#   --min-time S     --benchmark_min_time for every binary instead of the one
#                    derived from the budget.
#
# Exit status: 0 if every binary ran, 1 if any failed or was skipped, 2 on a
# usage error.
set -uo pipefail

die() { echo "run_bench.sh: $*" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=""
out="$here/bench"
budget=600
reps=5
filter=""
min_time=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2;;
    --budget) [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 10 ] || die "--budget takes whole seconds, at least 10"
              budget=$2; shift 2;;
    --repetitions) [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] || die "--repetitions takes a positive integer"
                   reps=$2; shift 2;;
    --filter) [ $# -ge 2 ] || die "--filter needs a regex"; filter=$2; shift 2;;
    --min-time) [[ "${2:-}" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--min-time takes seconds, e.g. 0.05"
                min_time=$2; shift 2;;
    -h|--help) sed -n '2,/^set /p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0;;
    -*) die "unknown option $1 (see --help)";;
    *) [ -z "$build" ] || die "one build directory only"; build=$1; shift;;
  esac
done
[ -n "$build" ] || die "usage: run_bench.sh BUILD_DIR [--out DIR] [--budget S] [--repetitions N] [--filter RE]"
[ -d "$build/bench" ] || die "$build/bench: no such directory (configure and build the bench preset first)"
mkdir -p "$out" || die "cannot create $out"
# A result set is one run: no JSON of an earlier run survives into it.
rm -f "$out"/*.json "$out"/.*.json.tmp

if [ -r "$build/CMakeCache.txt" ]; then
  bt=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
  [ "$bt" = "Release" ] || echo "run_bench.sh: warning: $build is CMAKE_BUILD_TYPE='$bt', not Release; figures will not be representative" >&2
fi

# Benchmark binaries: executables whose --help is Google Benchmark's (a
# GoogleTest binary would ignore --benchmark_* flags and run its tests).
bins=()
counts=()
total=0
while IFS= read -r f; do
  help=$(timeout 20 "$f" --help 2>&1 </dev/null) || true
  case "$help" in *gtest_*) continue;; *benchmark_filter*) ;; *) continue;; esac
  list=$(timeout 20 "$f" --benchmark_list_tests=true ${filter:+--benchmark_filter="$filter"} 2>/dev/null) || continue
  n=$(printf '%s\n' "$list" | grep -c . || true)
  [ "$n" -gt 0 ] || continue
  bins+=("$f"); counts+=("$n"); total=$((total + n))
done < <(find "$build/bench" -type f -perm -u+x ! -path '*/CMakeFiles/*' ! -name '*.so*' ! -name '*.a' | sort)
[ ${#bins[@]} -gt 0 ] || die "no benchmark binaries under $build/bench"

# Each benchmark spends about min_time per repetition (manual-time ones about
# three times that in wall time); keep the total near half the budget.
[ -n "$min_time" ] || min_time=$(awk -v b="$budget" -v n="$total" -v r="$reps" 'BEGIN {
  t = b * 0.5 / (n * r * 3); if (t > 0.5) t = 0.5; if (t < 0.01) t = 0.01; printf "%.3f", t }')
samples=$(awk -v b="$budget" 'BEGIN { s = int(b / 15); if (s > 40) s = 40; if (s < 5) s = 5; print s }')
echo "run_bench.sh: ${#bins[@]} binaries, $total benchmarks, $reps repetitions, min_time ${min_time}s, budget ${budget}s -> $out"

start=$(date +%s)
status=0
records=()
record() {  # name, status
  records+=("{\"binary\": \"$1\", \"status\": \"$2\"}")
}
for i in "${!bins[@]}"; do
  f=${bins[$i]}
  name=$(basename "$f")
  left=$((budget - ($(date +%s) - start)))
  if [ "$left" -le 5 ]; then
    echo "run_bench.sh: budget spent; skipping $name" >&2
    record "$name" "skipped: budget spent"
    status=1
    continue
  fi
  extra=()
  case "$name" in
    lastref_bench_release_latency) extra+=(--lastref_samples="$samples");;
  esac
  echo "== $name (${counts[$i]} benchmarks, at most ${left}s)"
  tmp="$out/.$name.json.tmp"
  timeout --kill-after=10 "$left" "$f" "${extra[@]}" \
    --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
    --benchmark_enable_random_interleaving=true \
    --benchmark_min_time="$min_time" ${filter:+--benchmark_filter="$filter"} \
    --benchmark_out="$tmp" --benchmark_out_format=json
  rc=$?
  if [ $rc -eq 0 ] && [ -s "$tmp" ]; then
    mv -f "$tmp" "$out/$name.json"
    record "$name" "ok"
  else
    rm -f "$tmp"
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
      echo "run_bench.sh: $name stopped at the end of the budget" >&2
      record "$name" "stopped at the end of the budget"
    else
      echo "run_bench.sh: $name failed (exit $rc)" >&2
      record "$name" "failed (exit $rc)"
    fi
    status=1
  fi
done
{
  printf '{"budget_s": %s, "repetitions": %s, "min_time_s": %s, "elapsed_s": %s,\n "binaries": [' \
    "$budget" "$reps" "$min_time" "$(( $(date +%s) - start ))"
  sep=""
  for r in "${records[@]}"; do printf '%s\n  %s' "$sep" "$r"; sep=","; done
  printf ']}\n'
} > "$out/_status.json"
echo "run_bench.sh: done in $(( $(date +%s) - start ))s; JSON in $out"
exit $status
