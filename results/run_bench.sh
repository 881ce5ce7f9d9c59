#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every Google Benchmark binary of a build directory and writes one JSON
# file per binary into OUT (default: results/bench/), every repetition plus
# the aggregates, for results/report.py (medians) and results/compare.py
# (Mann-Whitney U over the repetitions).
#
# usage: results/run_bench.sh BUILD_DIR [--out DIR] [--budget SECONDS] [--quick]
#                             [--repetitions N] [--filter REGEX] [--min-time S]
#                             [--release-matrix quick|default|full]
#
#   BUILD_DIR        a configured and built tree, Release (the `bench` preset:
#                    build/bench). Benchmark binaries are the executables
#                    under BUILD_DIR/bench whose --help is Google Benchmark's.
#   --budget S       wall-time budget for all binaries (default 600). It sets
#                    each benchmark's --benchmark_min_time and the release
#                    suite's matrix and time cap, and no binary is started once the
#                    budget is spent; a binary still running at the end of
#                    its fair share of the budget is stopped (what it
#                    finished is kept). OUT/_status.json records what
#                    happened to each binary; the report shows it.
#   --quick          smoke run: budget 30 s, 1 repetition (compare.py needs
#                    at least 4 a side to call anything significant at
#                    alpha 0.05: a smoke run is not a baseline), min_time
#                    0.005 s, the quick release matrix.
#                    An explicit --budget/--repetitions after it wins.
#   --repetitions N  default 5; every repetition is kept in the JSON
#                    (--benchmark_display_aggregates_only: the console shows
#                    the aggregates only); the report reads the medians.
#   --filter REGEX   passed to --benchmark_filter.
#   --min-time S     --benchmark_min_time for every binary instead of the one
#                    derived from the budget.
#   --release-matrix M
#                    quick, default or full: the contention matrix of
#                    lastref_bench_release_latency (default: quick when the
#                    budget is under 120 s, else default).
#
# lastref_bench_release_latency gets its own share of the budget (about 35 %):
# --lastref_matrix and a per-row time cap --lastref_cap_ms derived from it,
# and --lastref_samples_out=OUT/release_latency_samples.json (its per-sample
# latency histograms, for the report's CDF plots). Each flag is passed only
# when the binary's --help lists it (an older binary gets --lastref_samples).
#
# OUT must not exist, be empty, or be a folder an earlier run_bench.sh wrote
# (its _status.json lists the files it made): only those files are replaced;
# anything else in OUT is left alone, and any other non-empty folder is
# refused (exit 2). Every file is written under a temporary name in OUT and
# renamed into place.
#
# Signals: SIGINT, SIGTERM or SIGHUP stop the running binary (it keeps what
# it finished: the release suite stops its real-time hogs, joins its threads
# and writes its files), no further binary starts, _status.json records the
# interruption, and the exit status is 130; a second signal SIGKILLs the
# binary at once. Binaries run under `timeout --foreground`, in this
# script's process group, so a signal to the group reaches every one.
#
# Exit status: 0 if every binary ran (or was stopped at the end of its share
# with what it finished kept), 1 if any failed, was skipped or was stopped
# with nothing kept, 2 on a usage error, 130 when interrupted.
set -uo pipefail

die() { echo "run_bench.sh: $*" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=""
out="$here/bench"
budget=600
reps=5
filter=""
min_time=""
release_matrix=""
quick_min_time=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ -n "${2:-}" ] || die "--out needs a directory"; out=$2; shift 2;;
    # Numbers are decimal whatever their leading zeros (bash arithmetic
    # would read 0100 as octal) and at most six digits (no overflow).
    --budget) [[ "${2:-}" =~ ^[0-9]{1,6}$ ]] && [ $((10#$2)) -ge 10 ] ||
                die "--budget takes whole seconds, 10 to 999999 (got '${2:-}')"
              budget=$((10#$2)); shift 2;;
    --quick) budget=30; reps=1; quick_min_time=0.005; shift;;
    --repetitions) [[ "${2:-}" =~ ^[0-9]{1,6}$ ]] && [ $((10#$2)) -ge 1 ] ||
                     die "--repetitions takes a positive integer (got '${2:-}')"
                   reps=$((10#$2)); shift 2;;
    --filter) [ $# -ge 2 ] || die "--filter needs a regex"; filter=$2; shift 2;;
    --release-matrix) case "${2:-}" in quick|default|full) release_matrix=$2;;
                        *) die "--release-matrix takes quick, default or full";; esac
                      shift 2;;
    --min-time) [[ "${2:-}" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--min-time takes seconds, e.g. 0.05"
                min_time=$2; shift 2;;
    -h|--help) sed -n '2,/^set /p' "${BASH_SOURCE[0]}" | grep '^#' | grep -v SPDX-License-Identifier | sed 's/^# \{0,1\}//'; exit 0;;
    -*) die "unknown option $1 (see --help)";;
    *) [ -z "$build" ] || die "one build directory only"; build=$1; shift;;
  esac
done
[ -n "$build" ] || die "usage: run_bench.sh BUILD_DIR [--out DIR] [--budget S] [--repetitions N] [--filter RE]"
[ -d "$build/bench" ] || die "$build/bench: no such directory (configure and build the bench preset first)"
[ ! -e "$out" ] || [ -d "$out" ] || die "--out $out is not a directory"
# A result set is one run: no JSON of an earlier run survives into it. But
# only what an earlier run_bench.sh made (listed in its _status.json) is
# removed; a folder it did not make is refused before anything changes.
old_files=()
if [ -d "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  [ -f "$out/_status.json" ] ||
    die "--out $out is not empty and has no _status.json: not a folder run_bench.sh made; refusing to write into it"
  mapfile -t old_files < <(/usr/bin/python3 - "$out/_status.json" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    files = d.get("files")
    if files is None:  # written before the list existed: what it names
        files = [b["binary"] + ".json" for b in d["binaries"]] + ["release_latency_samples.json"]
    for f in files + ["_status.json"]:
        if "/" not in f and f not in ("", ".", ".."):
            print(f)
except (OSError, ValueError, KeyError, TypeError) as e:
    print(f"run_bench.sh: {sys.argv[1]}: unreadable ({e})", file=sys.stderr)
    sys.exit(2)
PY
  ) || die "--out $out: its _status.json cannot be read; refusing to write into it"
fi
mkdir -p "$out" || die "cannot create $out"
for f in "${old_files[@]}"; do rm -f "$out/$f"; done
rm -f "$out"/.*.json.tmp "$out"/.*.json.part

if [ -r "$build/CMakeCache.txt" ]; then
  bt=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
  [ "$bt" = "Release" ] || echo "run_bench.sh: warning: $build is CMAKE_BUILD_TYPE='$bt', not Release; figures will not be representative" >&2
fi

# Benchmark binaries: executables whose --help is Google Benchmark's (a
# GoogleTest binary would ignore --benchmark_* flags and run its tests).
bins=()
counts=()
costs=()       # estimated wall ms per repetition: see "Fair shares" below
total=0
other=0        # benchmarks whose time min_time sets (all but the release rows)
rel_rows=0     # rows of the release suite (matrix-driven, time-capped)
rel_flags=""   # what the release binary's --help lists: matrix, samples_out
[ -n "$release_matrix" ] || { [ "$budget" -lt 120 ] && release_matrix=quick || release_matrix=default; }
while IFS= read -r f; do
  help=$(timeout 20 "$f" --help 2>&1 </dev/null) || true
  case "$help" in *gtest_*) continue;; *benchmark_filter*) ;; *) continue;; esac
  own=()
  if [ "$(basename "$f")" = lastref_bench_release_latency ]; then
    case "$help" in *--lastref_matrix*) rel_flags+=" matrix"; own=(--lastref_matrix="$release_matrix");; esac
    case "$help" in *--lastref_samples_out*) rel_flags+=" samples_out";; esac
  fi
  list=$(timeout 20 "$f" "${own[@]}" --benchmark_list_tests=true ${filter:+--benchmark_filter="$filter"} 2>/dev/null) || continue
  n=$(printf '%s\n' "$list" | grep -c . || true)
  [ "$n" -gt 0 ] || continue
  manual=$(printf '%s\n' "$list" | grep -c '/manual_time' || true)
  bins+=("$f"); counts+=("$n"); total=$((total + n))
  costs+=("$((manual * 200 + (n - manual) * 20 + 1))")
  if [ "$(basename "$f")" = lastref_bench_release_latency ]; then rel_rows=$n; else other=$((other + n)); fi
done < <(find "$build/bench" -type f -perm -u+x ! -path '*/CMakeFiles/*' ! -name '*.so*' ! -name '*.a' | sort)
[ ${#bins[@]} -gt 0 ] || die "no benchmark binaries under $build/bench"

# The release suite samples each row until its time cap (probe rows: half
# of it; a sixth of the rows are probes): about 40 % of the budget, within
# the matrix's own cap. Then every other benchmark spends about min_time per
# repetition (manual-time ones about three times that in wall time): the
# total near half of what is left.
cap_ms=0
rel_s=0
if [ "$rel_rows" -gt 0 ] && [[ "$rel_flags" == *matrix* ]]; then
  case "$release_matrix" in quick) top=250;; default) top=1200;; *) top=900000;; esac
  cap_ms=$(awk -v b="$budget" -v n="$rel_rows" -v top="$top" 'BEGIN {
    c = int(b * 0.35 * 1000 * 6 / (n * 5)); if (c > top) c = top; if (c < 100) c = 100; print c }')
  rel_s=$(( rel_rows * 5 * cap_ms / 6000 + 5 ))
fi
# A min_time set by hand or by --quick is used as it is; a derived one is
# lowered per binary below so that each fits its share.
min_time_given=0
[ -z "$min_time$quick_min_time" ] || min_time_given=1
[ -n "$min_time" ] || min_time=$quick_min_time
[ -n "$min_time" ] || min_time=$(awk -v b="$budget" -v rs="$rel_s" -v n="$other" -v r="$reps" 'BEGIN {
  left = b - rs; if (left < b * 0.3) left = b * 0.3; if (n < 1) n = 1;
  t = left * 0.5 / (n * r * 3); if (t > 0.5) t = 0.5; if (t < 0.005) t = 0.005; printf "%.3f", t }')
samples=$(awk -v b="$budget" 'BEGIN { s = int(b / 15); if (s > 40) s = 40; if (s < 3) s = 3; print s }')
echo "run_bench.sh: ${#bins[@]} binaries, $total benchmarks, $reps repetitions, min_time ${min_time}s, budget ${budget}s -> $out"
[ "$cap_ms" -eq 0 ] || echo "run_bench.sh: release suite: matrix $release_matrix, $rel_rows rows, cap ${cap_ms} ms per row (about ${rel_s}s)"

# Fair shares. The release suite runs first, with the time its cap implies
# (its rows stop at their caps). Every other binary may then use the part of
# what is left that its estimated cost is of the cost still to come, so a
# slow binary cannot starve the later ones; they run cheapest first, so the
# time a binary does not use goes to the costlier ones. The estimate: a
# benchmark that times itself (/manual_time: wake-ups, hand-offs, sleeps
# between samples) costs about 200 ms of wall time per repetition whatever
# min_time says, any other about 20 ms plus min_time.
# Wall seconds per second of --benchmark_min_time, per binary (measured on
# the 2-vCPU reference machine). The wake suites time only the wake-up
# (manual time) but let the waiter fall asleep before every sample, so a
# repetition costs ~40x its min_time; most others about 3x.
wall_factor() {
  case "$(basename "$1")" in
    lastref_bench_completion_wake|lastref_bench_completion_broadcast) echo 40;;
    *) echo 3;;
  esac
}
order=$(for i in "${!bins[@]}"; do
  c=${costs[$i]}
  [ "$(basename "${bins[$i]}")" != lastref_bench_release_latency ] || c=0
  echo "$c $i"
done | sort -n -k1,1 -k2,2 | cut -d' ' -f2)
sorted_bins=() sorted_counts=() weights=()
for i in $order; do
  sorted_bins+=("${bins[$i]}"); sorted_counts+=("${counts[$i]}")
  weights+=("$(awk -v c="${costs[$i]}" -v n="${counts[$i]}" -v t="$min_time" -v f="$(wall_factor "${bins[$i]}")" \
    'BEGIN { printf "%d", c + n * t * 1000 * f }')")
done
bins=("${sorted_bins[@]}") counts=("${sorted_counts[@]}")

start=$(date +%s)
status=0
records=()
made=()        # files this run wrote into OUT: _status.json lists them
record() {  # name, status
  records+=("{\"binary\": \"$1\", \"status\": \"$2\"}")
}

interrupted=0
child=""
on_signal() {  # SIGNAL
  if [ "$interrupted" = 1 ]; then
    echo "run_bench.sh: second signal (SIG$1): stopping at once" >&2
    [ -z "$child" ] || kill -KILL "$child" 2>/dev/null
    # timeout --foreground does not pass SIGKILL on: the binary itself.
    [ -z "$child" ] || pkill -KILL -P "$child" 2>/dev/null
    return
  fi
  interrupted=1
  echo "run_bench.sh: SIG$1: stopping the running benchmark (it keeps what it finished); a second signal stops at once" >&2
  # timeout passes the signal on to the binary. When the signal came to
  # the whole process group, the binary has it already and ignores the copy
  # (run_guard.h); a binary without a handler has stopped already.
  [ -z "$child" ] || kill -TERM "$child" 2>/dev/null
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

for i in "${!bins[@]}"; do
  f=${bins[$i]}
  name=$(basename "$f")
  if [ "$interrupted" = 1 ]; then
    record "$name" "not started: interrupted"
    continue
  fi
  left=$((budget - ($(date +%s) - start)))
  if [ "$name" = lastref_bench_release_latency ] && [ "$rel_s" -gt 0 ]; then
    share=$((rel_s + rel_s / 2 + 5))
  else
    to_come=0
    for ((j = i; j < ${#bins[@]}; j++)); do
      [ "$(basename "${bins[$j]}")" = lastref_bench_release_latency ] || to_come=$((to_come + weights[j]))
    done
    share=$((left * weights[i] / (to_come > 0 ? to_come : 1)))
    [ "$share" -ge 3 ] || share=3
  fi
  [ "$share" -le "$left" ] || share=$left
  if [ "$left" -le 3 ]; then
    echo "run_bench.sh: budget spent; skipping $name" >&2
    record "$name" "skipped: budget spent"
    status=1
    continue
  fi
  extra=()
  envp=()
  case "$name" in
    lastref_bench_release_latency)
      if [[ "$rel_flags" == *matrix* ]]; then
        extra+=(--lastref_matrix="$release_matrix" --lastref_cap_ms="$cap_ms")
      else
        extra+=(--lastref_samples="$samples")
      fi
      [[ "$rel_flags" != *samples_out* ]] || extra+=(--lastref_samples_out="$out/.release_latency_samples.json.part");;
    lastref_bench_model)
      # Its search rows run to the end or to a cap, whatever min_time says:
      # cap each search at 1 s (quick) or 5 s, and in a quick run leave out
      # the rows that take seconds by design (a filter given by hand wins).
      if [ "$budget" -lt 120 ]; then
        envp=(env LASTREF_MODEL_BENCH_CAP_SECONDS=1)
        [ -n "$filter" ] || extra+=("--benchmark_filter=-(flat_over_1e6|dfs_full|kref_n_[345])")
      else
        envp=(env LASTREF_MODEL_BENCH_CAP_SECONDS=5)
      fi;;
  esac
  mt=$min_time
  if [ "$min_time_given" = 0 ] && [ "$name" != lastref_bench_release_latency ]; then
    mt=$(awk -v s="$share" -v r="$reps" -v n="${counts[$i]}" -v f="$(wall_factor "$f")" -v g="$min_time" \
      'BEGIN { t = s * 0.7 / (r * n * f); if (t > g) t = g; if (t < 0.002) t = 0.002; printf "%.4f", t }')
  fi
  echo "== $name (${counts[$i]} benchmarks, min_time ${mt}s, at most ${share}s of the ${left}s left)"
  tmp="$out/.$name.json.tmp"
  # --foreground: the binary stays in this script's process group, so a
  # signal to the group (the terminal's Ctrl-C, ./lastref run stopping a
  # stage) reaches it. Started in the background so that a signal to this
  # script alone is handled at once (`wait` returns on a trapped signal).
  timeout --foreground --kill-after=10 "$share" "${envp[@]}" "$f" "${extra[@]}" \
    --benchmark_repetitions="$reps" --benchmark_display_aggregates_only=true \
    --benchmark_enable_random_interleaving=true \
    --benchmark_min_time="$mt" ${filter:+--benchmark_filter="$filter"} \
    --benchmark_out="$tmp" --benchmark_out_format=json &
  child=$!
  while :; do
    wait "$child"
    rc=$?
    kill -0 "$child" 2>/dev/null || break
  done
  child=""
  part="$out/.release_latency_samples.json.part"
  if [ "$interrupted" = 1 ] && [ -s "$tmp" ]; then
    # Stopped by a signal: the binary wrote what it finished (an interrupted
    # repetition is an error row that the report skips).
    kept=$(/usr/bin/python3 "$here/bench_salvage.py" "$tmp" "$out/$name.json" "interrupted by a signal" 2>/dev/null) || kept=""
    if [ -n "$kept" ]; then
      made+=("$name.json")
      [ ! -s "$part" ] || { mv -f "$part" "$out/release_latency_samples.json"; made+=(release_latency_samples.json); }
    fi
    record "$name" "interrupted${kept:+ ($kept)}"
    rm -f "$tmp" "$part"
    status=1
  elif [ $rc -eq 0 ] && [ -s "$tmp" ]; then
    mv -f "$tmp" "$out/$name.json"
    made+=("$name.json")
    record "$name" "ok"
    [ ! -s "$part" ] || { mv -f "$part" "$out/release_latency_samples.json"; made+=(release_latency_samples.json); }
  elif [ "$interrupted" = 1 ]; then
    record "$name" "interrupted (nothing kept)"
    rm -f "$tmp" "$part"
    status=1
  else
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
      # Keep the repetitions it finished (random interleaving spreads them
      # over every benchmark): the report then reads medians of fewer.
      kept=$(/usr/bin/python3 "$here/bench_salvage.py" "$tmp" "$out/$name.json" 2>/dev/null) || kept=""
      echo "run_bench.sh: $name stopped at the end of its ${share}s share${kept:+; $kept}" >&2
      record "$name" "stopped at the end of its ${share} s share of the budget${kept:+ ($kept)}"
      [ -z "$kept" ] || { made+=("$name.json"); rm -f "$tmp" "$part"; continue; }
    else
      echo "run_bench.sh: $name failed (exit $rc)" >&2
      record "$name" "failed (exit $rc)"
    fi
    rm -f "$tmp" "$out/.release_latency_samples.json.part"
    status=1
  fi
done
{
  printf '{"budget_s": %s, "repetitions": %s, "min_time_s": %s, "elapsed_s": %s, "interrupted": %s,\n' \
    "$budget" "$reps" "$min_time" "$(( $(date +%s) - start ))" "$([ "$interrupted" = 1 ] && echo true || echo false)"
  printf ' "files": ['
  sep=""
  for m in "${made[@]}"; do printf '%s"%s"' "$sep" "$m"; sep=", "; done
  printf '],\n "binaries": ['
  sep=""
  for r in "${records[@]}"; do printf '%s\n  %s' "$sep" "$r"; sep=","; done
  printf ']}\n'
} > "$out/._status.json.tmp" && mv -f "$out/._status.json.tmp" "$out/_status.json"
if [ "$interrupted" = 1 ]; then
  echo "run_bench.sh: interrupted after $(( $(date +%s) - start ))s; what finished is in $out" >&2
  exit 130
fi
echo "run_bench.sh: done in $(( $(date +%s) - start ))s; JSON in $out"
exit $status
