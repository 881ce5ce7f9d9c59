#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job behind `./lastref run`: build what the selected stages need,
# run the fuzz campaign, the bug-zoo detection scorecard, the TSan jobs and
# the benchmarks within a time budget, and write a report into a new dated
# results folder. `./lastref run --help` prints the options (usage() below).
#
# Every stage is bounded: the campaign and the benchmarks by their share of
# the budget, the scorecard by its execution budgets, tests by CTest
# timeouts, and each stage additionally by a hard wall-clock limit after
# which its whole process group is killed. A failing stage is recorded and
# the job goes on, so one broken part still leaves a report of the others.
#
# Signals and processes. Each stage runs as the leader of its own session
# and process group (setsid), and is signalled as a whole: its process group
# and every process of its session (a child that made a process group of its
# own, such as `timeout` without --foreground, is still in the session), so
# nothing it started is missed, including the benchmark threads that run
# SCHED_FIFO (which in addition
# get SIGTERM when their parent dies and an RLIMIT_RTTIME bound:
# bench/suites/harness/run_guard.h). The first SIGINT, SIGTERM or SIGHUP sends
# SIGTERM to the running stage's group and SIGKILL 5 s later if anything of
# it is left; the remaining measuring stages are not started; run.json is
# written with "interrupted": true, the report of what finished is rendered
# (marked interrupted), results/latest is not moved, and the exit status is
# 130. A second signal SIGKILLs the stage's group at once, skips the report
# and exits 130 after writing run.json. When a stage's leader exits, any
# process it left in its group is stopped the same way.
#
# Exit status (highest that applies first): 130 interrupted; 4 a finding: a
# bug reported in a correct implementation (campaign crash, a report of the
# scorecard's correct-code runs, a TSan or oracle report of a stress harness
# or TSan test; results/verdict.py decides and writes verdict.json and
# findings.sarif); 1 a stage failed to run; 3 a stage was skipped for a
# missing dependency; 2 usage error; 0 every selected stage passed and
# nothing was found.
set -uo pipefail
# Relative paths on the command line are the caller's: ./lastref passes its
# caller's directory (it changes to the repository before running this).
caller_cwd=${LASTREF_CALLER_CWD:-$PWD}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/deps.sh
source scripts/deps.sh

die() { echo "lastref run: $*" >&2; exit 2; }

usage() {
  cat <<'TXT'
usage: ./lastref run [--quick] [--budget SECONDS] [--only STAGE[,STAGE...]]
                     [--out DIR] [--scorecard quick|full|skip] [--zoo VARIANT]
                     [--include-bench DIR]...

The suite's main job. Builds the presets it needs (bench: Release; fuzz:
clang ASan+UBSan+libFuzzer; tsan: clang ThreadSanitizer), then runs

  fuzz    the fuzz campaign: every fuzz target, every core, correct
          implementations (fuzz/campaign.sh); a crash input it finds is kept
          in the results folder (regressions/), never in the source tree
  zoo     the bug-zoo detection scorecard: which detector finds which
          deliberately broken variant, how fast (fuzz/scorecard/)
  tsan    the TSan jobs (ctest -L tsan in the tsan build) and the stress
          harnesses' throughput, plain and under TSan
  bench   the Google Benchmark suites, each figure beside its baseline and
          the physical limit (bench/run_bench.sh)
  report  report.md (+ report.html) with tables and plots

and writes everything to a new folder results/<date>-<host>[-N]/ (never
overwriting an earlier run); results/latest points at the newest.

  --budget S     seconds for the measuring stages (default 600, about 10 min
                 on 2 cores, plus the builds: ~10 min the first time). The
                 fuzz campaign (1/3) and the benchmarks (2/3) share what
                 the TSan jobs and the scorecard leave.
  --quick        a smoke run of every stage in about two minutes (plus
                 builds): fuzz campaign ~20 s, a one-seed scorecard on three
                 zoo variants, short stress runs, 30 s of benchmarks. CI runs
                 this.
  --only LIST    run only these stages (comma-separated or repeated), e.g.
                 --only bench,report. '--only report' re-renders the report of
                 an existing folder (--out, default results/latest).
  --out DIR      write to DIR instead of a new dated folder; DIR must not
                 exist or be empty (except with --only report, where it must
                 be a results folder: one with the run.json a run wrote).
  --scorecard M  quick (default; ~1-2 min), full (10 seeds, about 35 min,
                 the checked-in numbers) or skip.
  --zoo VARIANT  force a bug-zoo variant into the fuzz campaign (LASTREF_ZOO):
                 checks that a finding fails the run (exit status 4).
  --include-bench DIR
                 your own Google Benchmark JSON (DIR/*.json, from
                 --benchmark_out=FILE --benchmark_out_format=json): copied
                 to the results folder's byo_bench/, shown in the report
                 with role byo (rows named <group>/baseline:X, limit:X,
                 ref:X keep those roles) and gated by ./lastref compare as
                 lastref's rows are. Checked before anything runs; repeatable.

Exit status: 0 every selected stage passed and nothing was found; 4 a
finding (a bug reported in a correct implementation: see verdict.json and
findings.sarif); 1 a stage failed to run; 3 a stage was skipped for a
missing dependency; 2 usage error; 130 interrupted.

Relative paths are read from the directory ./lastref was started in.
Progress lines show the elapsed time and an estimate of the time left.
Ctrl-C (or SIGTERM, SIGHUP) stops the running stage and every process it
started, starts no further measuring stage, and still writes run.json and
the report of what finished, marked interrupted; results/latest is not
moved; exit status 130. A second Ctrl-C stops at once (no report).
TXT
}

# ---------------------------------------------------------------- options
budget=""      # empty: the plan's (scripts/plan.py): 600, or 60 with --quick
quick=0
only=""
out=""
scorecard=""   # empty: the plan's: quick, or smoke with --quick
zoo=""
include=()     # --include-bench folders
command_line="./lastref run $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift;;
    --budget|--budget=*)
      if [ "$1" = --budget ]; then [ $# -ge 2 ] || die "--budget needs whole seconds, from 30 to 86400"; v=$2; shift 2
      else v=${1#--budget=}; shift; fi
      # Decimal whatever the leading zeros (bash arithmetic would read 0100
      # as octal); six digits at most, so nothing overflows.
      [[ "$v" =~ ^[0-9]{1,6}$ ]] && [ $((10#$v)) -ge 30 ] && [ $((10#$v)) -le 86400 ] \
        || die "--budget takes whole seconds, from 30 to 86400 (got '$v')"
      budget=$((10#$v));;
    --only) [ $# -ge 2 ] || die "--only needs a stage list: fuzz, zoo, tsan, bench, report"
            only="$only,$2"; shift 2;;
    --only=*) only="$only,${1#--only=}"; shift;;
    --zoo) [ $# -ge 2 ] && [[ "$2" =~ ^[a-z0-9_]+$ ]] || die "--zoo needs a zoo variant name (fuzz/zoo_sets.cc; got '${2:-}')"
           zoo=$2; shift 2;;
    --out|--out=*)
      if [ "$1" = --out ]; then [ $# -ge 2 ] || die "--out needs a directory"; v=$2; shift 2
      else v=${1#--out=}; shift; fi
      [ -n "$v" ] || die "--out needs a directory (got an empty path)"
      case "$v" in /*) out=$v;; *) out=$caller_cwd/$v;; esac;;
    --scorecard|--scorecard=*)
      if [ "$1" = --scorecard ]; then [ $# -ge 2 ] || die "--scorecard needs quick, full or skip"; v=$2; shift 2
      else v=${1#--scorecard=}; shift; fi
      case "$v" in quick|full|skip) scorecard=$v;;
        *) die "unknown --scorecard '$v' (quick, full or skip)";; esac;;
    --include-bench|--include-bench=*)
      if [ "$1" = --include-bench ]; then [ $# -ge 2 ] || die "--include-bench needs a folder of Google Benchmark JSON"; v=$2; shift 2
      else v=${1#--include-bench=}; shift; fi
      [ -n "$v" ] || die "--include-bench needs a folder (got an empty path)"
      case "$v" in /*) include+=("$v");; *) include+=("$caller_cwd/$v");; esac;;
    -h|--help) usage; exit 0;;
    *) die "unknown option '$1' (see ./lastref run --help)";;
  esac
done
all_stages=(fuzz zoo tsan bench report)
declare -A want=()
if [ -z "$only" ]; then
  for s in "${all_stages[@]}"; do want[$s]=1; done
else
  IFS=',' read -r -a picked <<<"${only#,}"
  for s in "${picked[@]}"; do
    case "$s" in
      fuzz|zoo|tsan|bench|report) want[$s]=1;;
      "") ;;
      *) die "unknown stage '$s' for --only (fuzz, zoo, tsan, bench, report)";;
    esac
  done
  [ ${#want[@]} -gt 0 ] || die "--only needs at least one stage"
fi
[ "$scorecard" = skip ] && unset 'want[zoo]'
report_only=0
if [ ${#want[@]} -eq 1 ] && [ -n "${want[report]:-}" ]; then report_only=1; fi

# Your benchmark JSON is checked before anything is made: a bad file is a
# usage error naming it (exit status 2).
if [ ${#include[@]} -gt 0 ]; then
  /usr/bin/python3 results/include_bench.py --check "${include[@]}" || exit 2
fi

# ---------------------------------------------------------------- output folder
results="$root/results"
if [ "$report_only" = 1 ]; then
  if [ -z "$out" ]; then
    [ -e "$results/latest" ] || die "no results/latest to re-render; give --out DIR"
    out="$results/latest"
  fi
  [ -d "$out" ] && [ -f "$out/run.json" ] ||
    die "--only report: $out is not a results folder (no run.json in it; only folders ./lastref run made are re-rendered)"
else
  if [ -z "$out" ]; then
    host=$(hostname -s 2>/dev/null || hostname)
    base="$results/$(date -u +%Y-%m-%d)-${host:-host}"
    out=$base
    n=2
    while [ -e "$out" ]; do out="$base-$n"; n=$((n + 1)); done
  elif [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
    die "$out exists and is not empty; results are never overwritten (pick a new --out, or omit it for a new dated folder)"
  fi
  mkdir -p "$out" || die "cannot create $out"
fi
out=$(cd "$out" && pwd -P)
log="$out/run.log"
: >>"$log" || die "cannot write to $out"
# tee ignores the terminal's Ctrl-C so that the report of what finished
# still reaches the screen and the log.
exec > >(trap '' INT TERM HUP; exec tee -a "$log") 2>&1

# ---------------------------------------------------------------- dependencies
# What each stage needs beyond the core tools. As root, missing packages are
# installed; otherwise the stages that need them are skipped, with the reason.
core_pkgs=(cmake ninja-build g++ python3 libcli11-dev)
clang_pkgs=$(lastref_clang_packages)  # Debian 12: clang-14 + runtimes; none if a newer clang works
declare -A stage_pkgs=(
  [build:bench]="libbenchmark-dev libgtest-dev libgmock-dev libboost-dev liburcu-dev libabsl-dev libboost-context-dev nlohmann-json3-dev"
  [build:fuzz]="$clang_pkgs libgtest-dev libgmock-dev libboost-context-dev nlohmann-json3-dev"
  [build:tsan]="$clang_pkgs libgtest-dev libgmock-dev libboost-context-dev"
  [report]="python3-matplotlib python3-markdown"
)
if [ "$report_only" = 0 ]; then
  lastref_ensure_deps_soft
fi
missing_for() {  # prints the missing packages among $1
  local p m=()
  for p in $1; do pkg_installed "$p" || m+=("$p"); done
  echo "${m[*]:-}"
}
for p in "${core_pkgs[@]}"; do
  pkg_installed "$p" || die "missing Debian package $p (apt-get install -y $p); nothing can run without it"
done

# ---------------------------------------------------------------- stage plumbing
t0=$(date +%s)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
interrupted=0
hard_stop=0
signal_name=""
failed=0
missing_dep=0
findings=0
current_pid=""
stage_records=()   # "name<TAB>status<TAB>seconds<TAB>reason"
declare -A stage_status=()
stop_grace=5       # seconds between SIGTERM and SIGKILL for a stage's group

on_signal() {  # SIGNAL
  if [ "$interrupted" = 1 ]; then
    hard_stop=1
    echo "lastref run: second signal (SIG$1): stopping at once" >&2
    [ -z "$current_pid" ] || signal_stage KILL "$current_pid"
    return
  fi
  interrupted=1
  signal_name=$1
  if [ -n "$current_pid" ]; then
    echo "lastref run: SIG$1: stopping the running stage (session $current_pid); a second signal stops at once" >&2
    signal_stage TERM "$current_pid"
  else
    echo "lastref run: SIG$1: stopping; a second signal stops at once" >&2
  fi
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# A stage is a session (setsid): its processes are those of the session,
# whatever process group a child put itself in (`timeout` without
# --foreground makes one), so a signal goes to the group and to every
# process of the session.
# Each process gets the signal once (a second SIGTERM is a "stop at once"
# to the scripts that count them).
stage_pids() { ps -o pid= -s "$1" 2>/dev/null; }
signal_stage() {  # SIGNAL SID
  local p g
  kill -"$1" -- "-$2" 2>/dev/null
  while read -r p g; do
    [ "$g" = "$2" ] || kill -"$1" "$p" 2>/dev/null
  done < <(ps -o pid=,pgid= -s "$2" 2>/dev/null)
}

# stop_group SID: SIGTERM to every process left in the stage's session,
# SIGKILL to whatever is still there $stop_grace s later.
stop_group() {
  local pg=$1 i
  [ -n "$(stage_pids "$pg")" ] || return 0
  signal_stage TERM "$pg"
  for ((i = 0; i < stop_grace * 10; i++)); do
    [ -n "$(stage_pids "$pg")" ] || return 0
    sleep 0.1
  done
  signal_stage KILL "$pg"
}

record() {  # name status seconds reason
  stage_records+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4")
  stage_status[$1]=$2
  case "$2" in
    ok) echo "-- $1: ok ($3 s)";;
    skipped) echo "-- $1: skipped: $4";;
    *) echo "-- $1: $2 ($3 s) $4" >&2;;
  esac
}

# Estimated seconds per stage, for the ETA line.
declare -A estimate=()
eta_left() {  # sum of the estimates of the stages still to run, from $1 on
  local s sum=0 go=0
  for s in "${plan[@]}"; do
    [ "$s" = "$1" ] && go=1
    [ "$go" = 1 ] && sum=$((sum + ${estimate[$s]:-0}))
  done
  echo "$sum"
}

# run_stage NAME LIMIT_S CMD...: runs CMD as the leader of its own session
# and process group, bounded by LIMIT_S wall seconds (then SIGTERM to the
# group, SIGKILL $stop_grace s later), and records the outcome. Nothing of
# the group outlives the stage.
# With even_if_interrupted=1 in its environment (the report), a stage also
# runs after the first signal; only a second one stops it then.
run_stage() {
  local name=$1 limit=$2 was=$interrupted
  shift 2
  if { [ "$was" = 1 ] && [ "${even_if_interrupted:-0}" != 1 ]; } || [ "$hard_stop" = 1 ]; then
    record "$name" interrupted 0 "not started: the run was interrupted"; return
  fi
  local el=$(($(date +%s) - t0))
  echo
  echo "== lastref run [${el} s elapsed, ~$(eta_left "$name") s left] $name =="
  local s0 rc
  s0=$(date +%s)
  # setsid does not fork here (a background job is not a group leader), so
  # $! is the stage's session, process group and leader at once.
  setsid "$@" </dev/null &
  current_pid=$!
  local pg=$current_pid deadline=$((s0 + limit)) stop_at="" timed_out=0 now
  # A poll rather than `wait`: the loop also enforces the limit, and a
  # trapped signal runs its handler as soon as the short sleep ends.
  while kill -0 "$pg" 2>/dev/null; do
    now=$(date +%s)
    if [ -z "$stop_at" ] && { [ "$interrupted" != "$was" ] || [ "$now" -ge "$deadline" ]; }; then
      stop_at=$now
      [ "$interrupted" != "$was" ] || { timed_out=1; echo "lastref run: $name passed its ${limit} s limit; stopping it" >&2; }
      signal_stage TERM "$pg"
    fi
    if [ "$hard_stop" = 1 ] || { [ -n "$stop_at" ] && [ $((now - stop_at)) -ge "$stop_grace" ]; }; then
      signal_stage KILL "$pg"
    fi
    sleep 0.2
  done
  wait "$pg"
  rc=$?
  # The leader is gone; whatever it left in its group goes too.
  if [ "$hard_stop" = 1 ]; then signal_stage KILL "$pg"; else stop_group "$pg"; fi
  current_pid=""
  local secs=$(($(date +%s) - s0))
  if [ "$interrupted" != "$was" ] || [ "$hard_stop" = 1 ]; then
    record "$name" interrupted "$secs" "stopped by a signal"
  elif [ "$rc" = 0 ]; then
    record "$name" ok "$secs" ""
  elif [ "$timed_out" = 1 ]; then
    record "$name" failed "$secs" "stopped after its ${limit} s limit"; failed=1
  else
    record "$name" failed "$secs" "exit status $rc"; failed=1
  fi
}

skip_stage() {  # name reason [missing]: a skip for a missing dependency is exit status 3, not 1
  record "$1" skipped 0 "$2"
  if [ "${3:-}" = missing ]; then missing_dep=1; else failed=1; fi
}

# ---------------------------------------------------------------- the plan
nproc_=$(nproc)

# The plan (scripts/plan.py, from scripts/stages.toml): the build presets to
# make (builds) and which each stage needs (needs), every stage's budget,
# estimate (for the ETA line) and wall-clock limit. The TSan jobs, the
# scorecard and the report take roughly fixed times; the campaign and the
# benchmarks split the rest.
built=()
for b in build/*/CMakeCache.txt; do [ ! -f "$b" ] || built+=("$(basename "$(dirname "$b")")"); done
declare -A limit=() needs=()
wanted=$(IFS=,; echo "${!want[*]}")
plan_sh=$(/usr/bin/python3 scripts/plan.py run --quick "$quick" ${budget:+--budget "$budget"} \
  ${scorecard:+--scorecard "$scorecard"} --stages "$wanted" --built "$(IFS=,; echo "${built[*]}")") ||
  die "no run plan (scripts/plan.py failed; see above)"
eval "$plan_sh"
# Below a minute the benchmarks run as bench/run_bench.sh --quick (30 s, one
# repetition, every binary) rather than skip binaries for lack of budget.
bench_args=(--budget "$bench_budget")
[ "$bench_quick" = 0 ] || bench_args=(--quick)

echo "lastref run: $command_line"
echo "lastref run: results folder $out"
echo "lastref run: stages: ${plan[*]}; budget ${budget} s (fuzz ${fuzz_budget} s, bench ${bench_budget} s, scorecard $scorecard); $nproc_ cores"
echo "lastref run: about $(eta_left "${plan[0]}") s in all"

# ready STAGE: 0 when every build it needs (the plan's needs[STAGE])
# succeeded; otherwise skips it.
ready() {
  local b
  for b in ${needs[$1]:-}; do
    case "${stage_status[build:$b]:-}" in
      ok) ;;
      interrupted) record "$1" interrupted 0 "not started: the run was interrupted"; return 1;;
      skipped) skip_stage "$1" "the $b build is not available (skipped; see build:$b)" missing; return 1;;
      *) skip_stage "$1" "the $b build is not available (${stage_status[build:$b]:-not built}; see build:$b)"; return 1;;
    esac
  done
  [ "$interrupted" = 0 ] || { record "$1" interrupted 0 "not started: the run was interrupted"; return 1; }
}

# ---------------------------------------------------------------- stages
for b in "${builds[@]}"; do
  m=$(missing_for "${stage_pkgs[build:$b]}")
  if [ -n "$m" ]; then
    skip_stage "build:$b" "missing Debian packages: $m (install: sudo apt-get install -y $m)" missing
    continue
  fi
  run_stage "build:$b" "${limit[build:$b]}" bash -c 'cmake --preset "$1" >/dev/null && cmake --build --preset "$1"' _ "$b"
done

if [ -n "${want[fuzz]:-}" ] && ready fuzz; then
  run_stage fuzz "${limit[fuzz]}" \
    fuzz/campaign.sh --budget "$fuzz_budget" --build build/fuzz --work "build/fuzz-campaign${zoo:+-zoo-$zoo}" \
    --json "$out/fuzz_campaign.json" ${zoo:+--zoo "$zoo"} --regressions "$out/regressions"
fi

if [ -n "${want[zoo]:-}" ] && ready zoo; then
  sc_args=(--plain-build build/bench --fuzz-build build/fuzz --tsan-build build/tsan --out "$out")
  sc_args+=("${zoo_args[@]}")
  run_stage zoo "${limit[zoo]}" /usr/bin/python3 fuzz/scorecard/scorecard.py "${sc_args[@]}"
fi

if [ -n "${want[tsan]:-}" ]; then
  # JUnit: results/verdict.py tells a TSan report (a finding) from a test that failed to run.
  mkdir -p "$out/junit"
  ready tsan:ctest && run_stage tsan:ctest "${limit[tsan:ctest]}" ctest --test-dir build/tsan -L tsan --output-on-failure -j "$nproc_" \
    --output-junit "$out/junit/tsan-ctest.xml"
  ready tsan:throughput && run_stage tsan:throughput "${limit[tsan:throughput]}" \
    /usr/bin/python3 scripts/collect_tsan.py "$out/tsan.json" --plain build/bench --tsan build/tsan --ms "$tsan_ms"
fi

if [ -n "${want[bench]:-}" ] && ready bench; then
  run_stage bench "${limit[bench]}" \
    bench/run_bench.sh build/bench --out "$out/bench" "${bench_args[@]}"
fi

# run.json: what ran, how it ended, on what machine (report.py reads it).
write_run_json() {
  local finished
  finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # The writer ignores the terminal's signals: it takes well under a second,
  # and a half-written run.json (or a traceback) helps nobody.
  printf '%s\n' "${stage_records[@]}" | (trap '' INT TERM HUP; exec /usr/bin/python3 scripts/run_record.py \
    --out "$out/run.json" --started "$started" --finished "$finished" \
    --command "$command_line" --budget "$budget" --quick "$quick" --scorecard "$scorecard" \
    --interrupted "$interrupted" ${signal_name:+--signal "SIG$signal_name"} --root "$root")
}

# The verdict: findings in correct implementations (exit status 4), apart
# from stages that failed to run; verdict.json + findings.sarif, which the
# report's first screen shows.
verdict_rc=0
run_verdict() {
  timeout --foreground -k 5 600 /usr/bin/python3 results/verdict.py "$out" --print || verdict_rc=$?
  case "$verdict_rc" in
    0) ;;
    1) findings=1;;
    *) echo "lastref run: results/verdict.py failed (exit status $verdict_rc): no verdict.json" >&2; failed=1;;
  esac
}

# Your benchmark JSON goes into the results folder before the report reads it.
if [ ${#include[@]} -gt 0 ]; then
  /usr/bin/python3 results/include_bench.py "${include[@]}" --into "$out" ||
    { echo "lastref run: --include-bench: the copy into $out failed" >&2; failed=1; }
fi

if [ -n "${want[report]:-}" ] && [ "$hard_stop" = 1 ]; then
  record report interrupted 0 "not started: a second signal stops at once"
elif [ -n "${want[report]:-}" ]; then
  [ "$report_only" = 1 ] || write_run_json
  run_verdict
  pkg_installed python3-matplotlib ||
    echo "lastref run: python3-matplotlib is missing: the report gets tables but no plots (apt-get install -y python3-matplotlib)" >&2
  # The report is written even after an interrupt: it shows what finished.
  even_if_interrupted=1 run_stage report "${limit[report]:-600}" /usr/bin/python3 results/report.py --results "$out" --out "$out/report.md"
fi
[ "$report_only" = 1 ] || write_run_json
[ -n "${want[report]:-}" ] || run_verdict

# results/latest names the newest run that ran to its end: not this one if
# it was interrupted.
if [ "$report_only" = 0 ] && [ "$interrupted" = 1 ]; then
  echo "lastref run: interrupted: results/latest is left as it was"
elif [ "$report_only" = 0 ]; then
  # Only for a folder in results/; the link is made under a temporary name
  # and renamed into place.
  if [ "$(dirname "$out")" = "$(cd "$results" && pwd -P)" ]; then
    ln -sfn "$(basename "$out")" "$results/latest.tmp" 2>/dev/null && mv -Tf "$results/latest.tmp" "$results/latest"
    rm -f "$results/latest.tmp"
  fi
fi

echo
if [ -n "${want[report]:-}" ]; then
  echo "== lastref run finished in $(($(date +%s) - t0)) s: $out/report.md =="
else
  echo "== lastref run finished in $(($(date +%s) - t0)) s: $out =="
fi
if [ "$interrupted" = 1 ]; then
  done_list=()
  for r in "${stage_records[@]}"; do
    IFS=$'\t' read -r n st _ _ <<<"$r"
    [ "$st" = interrupted ] || done_list+=("$n ($st)")
  done
  echo "lastref run: interrupted by SIG$signal_name; stages that finished: ${done_list[*]:-none}" >&2
fi
bad=0
for r in "${stage_records[@]}"; do
  IFS=$'\t' read -r n st _ why <<<"$r"
  [ "$st" = ok ] && continue
  [ "$bad" = 0 ] && echo "lastref run: stages that did not pass:" >&2
  bad=1
  echo "  - $n: $st${why:+ ($why)}" >&2
done
[ "$interrupted" = 1 ] && exit 130
[ "$findings" = 1 ] && { echo "lastref run: FINDINGS: a bug was reported (see $out/verdict.json, findings.sarif)" >&2; exit 4; }
[ "$failed" = 1 ] && exit 1
[ "$missing_dep" = 1 ] && exit 3
exit 0
