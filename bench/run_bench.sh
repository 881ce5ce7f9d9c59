#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every Google Benchmark binary of a build directory and writes one JSON
# file per binary into OUT (default: results/bench/), every repetition plus
# the aggregates, for results/report.py (medians) and results/compare.py
# (Mann-Whitney U over the repetitions).
#
# usage: bench/run_bench.sh BUILD_DIR [--out DIR] [--budget SECONDS] [--quick]
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
# The plan (scripts/plan.py, from each suite's bench/**/*.suite.toml) sets
# the order, each binary's share of the budget, min_time and flags:
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
root=$(cd "$here/.." && pwd)
build=""
out="$root/results/bench"
budget=""      # empty: the plan's default (600, or 30 with --quick)
reps=""        # empty: the plan's default (5, or 1 with --quick)
quick=0
filter=""
min_time=""
release_matrix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ -n "${2:-}" ] || die "--out needs a directory"; out=$2; shift 2;;
    # Numbers are decimal whatever their leading zeros (bash arithmetic
    # would read 0100 as octal) and at most six digits (no overflow).
    --budget) [[ "${2:-}" =~ ^[0-9]{1,6}$ ]] && [ $((10#$2)) -ge 10 ] ||
                die "--budget takes whole seconds, 10 to 999999 (got '${2:-}')"
              budget=$((10#$2)); shift 2;;
    --quick) quick=1; budget=""; reps=""; shift;;
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

# The plan: which binaries (executables whose --help is Google Benchmark's;
# a GoogleTest binary would ignore --benchmark_* flags and run its tests),
# in which order, with what weights and flags (scripts/plan.py).
plan_file="$out/.plan.json.tmp"
plan_out=$(/usr/bin/python3 "$root/scripts/plan.py" bench --build "$build" --out "$out" --plan "$plan_file" \
  ${budget:+--budget "$budget"} ${reps:+--repetitions "$reps"} ${filter:+"--filter=$filter"} \
  ${min_time:+--min-time "$min_time"} ${release_matrix:+--release-matrix "$release_matrix"} \
  $([ "$quick" = 1 ] && echo --quick)) || { rm -f "$plan_file"; die "no plan for $build (see above)"; }
eval "$plan_out"
budget=$bench_budget reps=$bench_reps min_time=$bench_min_time
echo "run_bench.sh: $bench_count binaries, $bench_total benchmarks, $reps repetitions, min_time ${min_time}s, budget ${budget}s -> $out"
for line in "${bench_summary[@]}"; do echo "run_bench.sh: $line"; done

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

for ((i = 0; i < bench_count; i++)); do
  name=${bench_names[$i]}
  if [ "$interrupted" = 1 ]; then
    record "$name" "not started: interrupted"
    continue
  fi
  left=$((budget - ($(date +%s) - start)))
  # This binary's share of what is left, its min_time and flags.
  step=$(/usr/bin/python3 "$root/scripts/plan.py" bench-step "$plan_file" "$i" "$left") && eval "$step" || {
    echo "run_bench.sh: $name: no plan step" >&2
    record "$name" "not started: no plan step"; status=1; continue; }
  f=$step_path share=$step_share mt=$step_min_time
  if [ "$step_skip" = 1 ]; then
    echo "run_bench.sh: budget spent; skipping $name" >&2
    record "$name" "skipped: budget spent"
    status=1
    continue
  fi
  envp=()
  [ ${#step_env[@]} -eq 0 ] || envp=(env "${step_env[@]}")
  part=""
  [ -z "$step_side_part" ] || part="$out/$step_side_part"
  echo "== $name ($step_count benchmarks, min_time ${mt}s, at most ${share}s of the ${left}s left)"
  tmp="$out/.$name.json.tmp"
  # --foreground: the binary stays in this script's process group, so a
  # signal to the group (the terminal's Ctrl-C, ./lastref run stopping a
  # stage) reaches it. Started in the background so that a signal to this
  # script alone is handled at once (`wait` returns on a trapped signal).
  timeout --foreground --kill-after=10 "$share" "${envp[@]}" "$f" "${step_args[@]}" \
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
  if [ "$interrupted" = 1 ] && [ -s "$tmp" ]; then
    # Stopped by a signal: the binary wrote what it finished (an interrupted
    # repetition is an error row that the report skips).
    kept=$(/usr/bin/python3 "$root/results/bench_salvage.py" "$tmp" "$out/$name.json" "interrupted by a signal" 2>/dev/null) || kept=""
    if [ -n "$kept" ]; then
      made+=("$name.json")
      [ -z "$part" ] || [ ! -s "$part" ] || { mv -f "$part" "$out/$step_side_file"; made+=("$step_side_file"); }
    fi
    record "$name" "interrupted${kept:+ ($kept)}"
    rm -f "$tmp" ${part:+"$part"}
    status=1
  elif [ $rc -eq 0 ] && [ -s "$tmp" ]; then
    mv -f "$tmp" "$out/$name.json"
    made+=("$name.json")
    record "$name" "ok"
    [ -z "$part" ] || [ ! -s "$part" ] || { mv -f "$part" "$out/$step_side_file"; made+=("$step_side_file"); }
  elif [ "$interrupted" = 1 ]; then
    record "$name" "interrupted (nothing kept)"
    rm -f "$tmp" ${part:+"$part"}
    status=1
  else
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
      # Keep the repetitions it finished (random interleaving spreads them
      # over every benchmark): the report then reads medians of fewer.
      kept=$(/usr/bin/python3 "$root/results/bench_salvage.py" "$tmp" "$out/$name.json" 2>/dev/null) || kept=""
      echo "run_bench.sh: $name stopped at the end of its ${share}s share${kept:+; $kept}" >&2
      record "$name" "stopped at the end of its ${share} s share of the budget${kept:+ ($kept)}"
      [ -z "$kept" ] || { made+=("$name.json"); rm -f "$tmp" ${part:+"$part"}; continue; }
    else
      echo "run_bench.sh: $name failed (exit $rc)" >&2
      record "$name" "failed (exit $rc)"
    fi
    rm -f "$tmp" ${part:+"$part"}
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
rm -f "$plan_file"
if [ "$interrupted" = 1 ]; then
  echo "run_bench.sh: interrupted after $(( $(date +%s) - start ))s; what finished is in $out" >&2
  exit 130
fi
echo "run_bench.sh: done in $(( $(date +%s) - start ))s; JSON in $out"
exit $status
