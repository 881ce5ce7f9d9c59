#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lastref fuzz campaign: every fuzz target, all cores, a time budget.
#
#   fuzz/campaign.sh [--budget SECONDS] [--work DIR] [--build DIR] [--jobs N]
#                    [--targets "kref_fuzzer ..."] [--zoo NAME] [--json FILE]
#                    [--rss-limit-mb MB] [--malloc-limit-mb MB]
#                    [--regressions DIR | --no-regressions] [--no-merge]
#
# Runs the targets one after another, each with libFuzzer -fork=JOBS (default:
# all cores) for BUDGET/targets seconds (default budget 240 s), the seed corpus
# as a read-only input and WORK/corpus/<target> as the growing corpus that is
# kept between campaigns. After each target the corpus is merged (-merge=1)
# into a minimised one that replaces it (WORK/corpus/<target>.old during the
# swap). Crashes go to WORK/crashes/<target>/ (-ignore_crashes: the campaign
# goes on) and the first one of each new crash signature (fuzz/signature.h) is
# copied to REGRESSIONS/<target>/<set>/<signature>.<sha1 prefix> (default
# fuzz/regressions; <set> is the zoo name or "correct"), where
# `ctest -L fuzz` (fuzz_regressions) replays every file: commit them. Replay
# one with
#   lastref-replay --pad --target <target> [--zoo NAME] WORK/crashes/<target>/crash-...
# Memory: -rss_limit_mb (default 2048) and -malloc_limit_mb (default 1024)
# for every fuzzing process; an input over them is an OOM (-ignore_ooms).
# ASan's quarantine is 16 MiB (fuzz/asan_options.h: ~70 MB per process
# instead of ~490 MB). LLVM_SYMBOLIZER_OPTS defaults to
# --debug-file-directory=/dev/null (fast crash reports) unless set.
# Progress: libFuzzer's fork-mode status lines, prefixed with the target;
# WORK/rate.tsv records the rate over time (target, seconds, executions,
# exec/s of the last interval, schedules/s, corpus), so a slowdown shows.
# Bounded: -max_total_time per target plus a watchdog that kills the
# target's process group 60 s later.
# Signals: SIGINT, SIGTERM, SIGHUP stop the running target and every child of
# it (libFuzzer -fork children included: each target runs in its own process
# group, which is signalled as a whole, SIGKILLed after 1 s), skip the
# remaining targets, write the summary marked "interrupted", and exit
# 128+signal (130 for SIGINT). A second signal during that goes straight to
# SIGKILL.
# Writes a JSON summary (default WORK/summary.json):
#   {"budget_s":..,"jobs":..,"zoo":..,"interleaving":false,"schedules_per_input":8,
#    "interrupted":false,"targets":{"kref_fuzzer":{"seconds":..,"execs":..,
#    "exec_per_s":..,"schedules_per_s":..,"crashes":..,"corpus_files":..,
#    "corpus_before_merge":..,"new_regressions":..,"exec_per_s_first_quarter":..,
#    "exec_per_s_last_quarter":..,"crash_files":[..]}, ...}}
# The fuzzers come from BUILD (default build/fuzz, the `fuzz` preset); missing
# ones are built there first (configuring the preset if BUILD does not exist).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
budget=240 work=$root/build/fuzz-campaign build=$root/build/fuzz jobs=$(nproc) zoo="" json=""
rss_limit=2048 malloc_limit=1024 regressions=$root/fuzz/regressions merge=1
targets="kref_fuzzer completion_fuzzer module_unload_fuzzer mixed_fuzzer"
die() { echo "campaign.sh: $*" >&2; exit 2; }
posint() { [[ "${1:-}" =~ ^[1-9][0-9]{0,8}$ ]]; }
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) posint "${2:-}" && [ "$2" -ge 4 ] || die "--budget takes seconds (>= 4)"
              budget=$2; shift 2;;
    --work) [ -n "${2:-}" ] || die "--work needs a directory"; work=$2; shift 2;;
    --build) [ -n "${2:-}" ] || die "--build needs a directory"; build=$2; shift 2;;
    --jobs) posint "${2:-}" || die "--jobs takes a positive number"; jobs=$2; shift 2;;
    --targets) [ -n "${2:-}" ] || die "--targets needs names"; targets=$2; shift 2;;
    --zoo) [ -n "${2:-}" ] || die "--zoo needs a name"; zoo=$2; shift 2;;
    --json) [ -n "${2:-}" ] || die "--json needs a file"; json=$2; shift 2;;
    --rss-limit-mb) posint "${2:-}" || die "--rss-limit-mb takes megabytes"; rss_limit=$2; shift 2;;
    --malloc-limit-mb) posint "${2:-}" || die "--malloc-limit-mb takes megabytes"
                       malloc_limit=$2; shift 2;;
    --regressions) [ -n "${2:-}" ] || die "--regressions needs a directory"; regressions=$2; shift 2;;
    --no-regressions) regressions=""; shift;;
    --no-merge) merge=0; shift;;
    -h|--help) sed -n '2,/^set /p' "$0" | grep '^#' | grep -v SPDX-License-Identifier | sed 's/^# \{0,1\}//'; exit 0;;
    *) die "unknown option $1 (see --help)";;
  esac
done
for t in $targets; do
  case "$t" in kref_fuzzer|completion_fuzzer|module_unload_fuzzer|mixed_fuzzer) ;;
    *) die "--targets: unknown target $t";; esac
done
[ -e "$work" ] && [ ! -d "$work" ] && die "--work $work is not a directory"
[ -n "$json" ] && [ -d "$json" ] && die "--json $json is a directory"
mkdir -p "$work"
work=$(cd "$work" && pwd)
json=${json:-$work/summary.json}
ntargets=$(wc -w <<<"$targets")
per=$(( budget / ntargets )); [ "$per" -ge 1 ] || per=1
schedules=${LASTREF_SCHEDULES:-8}
# No system debug-file directory for the crash report's symbolizer unless the
# user set one (even to empty), as detection_table.sh and the scorecard do:
# libc6-dbg's compressed DWARF costs ~0.17 s per crash report (fuzz/README.md,
# "Where a found run's time goes"), and a campaign with -ignore_crashes
# writes many reports. ASan's quarantine is the targets' own default
# (fuzz/asan_options.h); ASAN_OPTIONS overrides it.
export LLVM_SYMBOLIZER_OPTS="${LLVM_SYMBOLIZER_OPTS---debug-file-directory=/dev/null}"

missing=()
for t in $targets; do [ -x "$build/fuzz/$t" ] || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "campaign: building ${missing[*]} in $build"
  if [ ! -f "$build/CMakeCache.txt" ]; then
    [ "$build" = "$root/build/fuzz" ] || die "$build is not a configured build directory"
    (cd "$root" && cmake --preset fuzz >/dev/null)
  fi
  cmake --build "$build" -j "$jobs" --target "${missing[@]}"
fi
grep -q 'LASTREF_FUZZ_ENGINE:STRING=libfuzzer' "$build/CMakeCache.txt" \
  || die "$build is not a libFuzzer build (use the fuzz preset)"

export LASTREF_ZOO=$zoo
interleaving=false  # the targets' default (interleaving.h)
[ -n "${LASTREF_INTERLEAVING:-}" ] && [ "${LASTREF_INTERLEAVING}" != 0 ] && interleaving=true
[ -n "${LASTREF_NO_INTERLEAVING:-}" ] && [ "${LASTREF_NO_INTERLEAVING}" != 0 ] && interleaving=false
echo "campaign: $ntargets targets x ${per}s, -fork=$jobs, work $work${zoo:+, zoo $zoo}"

# Every target (and the merge) runs as its own process group: job control
# gives each background job one, so a signal reaches the fuzzer, its -fork
# children and the log filters together. `timeout` is not used: it would move
# its child into yet another group.
set -m
group="" watchdog="" interrupted=false rows=()
kill_group() {  # kill_group PGID: TERM, up to 1 s grace, KILL
  local pg=$1 i
  [ -n "$pg" ] || return 0
  kill -TERM -- "-$pg" 2>/dev/null || return 0
  for i in $(seq 10); do kill -0 -- "-$pg" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$pg" 2>/dev/null || true
}
write_summary() {
  local tmp="$json.tmp.$$"
  {
    printf '{"budget_s":%d,"jobs":%d,"zoo":"%s","interleaving":%s,"schedules_per_input":%d,' \
      "$budget" "$jobs" "$zoo" "$interleaving" "$schedules"
    printf '"rss_limit_mb":%d,"malloc_limit_mb":%d,"interrupted":%s,"targets":{' \
      "$rss_limit" "$malloc_limit" "$interrupted"
    (IFS=,; printf '%s' "${rows[*]}")
    printf '}}\n'
  } >"$tmp" && mv -f "$tmp" "$json"
}
on_signal() {  # on_signal NAME STATUS
  trap 'kill -KILL -- "-$group" 2>/dev/null; exit '"$2" INT TERM HUP
  echo "campaign: SIG$1: stopping${group:+ (process group $group)}" >&2
  [ -n "$watchdog" ] && kill -KILL -- "-$watchdog" 2>/dev/null
  kill_group "$group"
  interrupted=true
  write_summary
  echo "campaign: interrupted; summary of the finished targets in $json" >&2
  exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# run_group SECONDS CMD...: CMD in its own process group, bounded by a
# watchdog; returns CMD's status.
run_group() {
  local limit=$1 status=0
  shift
  # The group leader exits normally on a signal (no job-status noise).
  ( trap 'exit 143' TERM; trap 'exit 130' INT; trap 'exit 129' HUP; "$@" ) &
  group=$!
  ( sleep "$limit"; echo "campaign: watchdog: $limit s passed, killing group $group" >&2
    kill -KILL -- "-$group" 2>/dev/null ) &
  watchdog=$!
  disown "$watchdog"
  wait "$group" || status=$?
  kill -KILL -- "-$watchdog" 2>/dev/null || true
  kill -KILL -- "-$group" 2>/dev/null || true  # stragglers of a finished target
  group="" watchdog=""
  return $status
}

fuzz_target() {  # the pipeline of one target, run as one process group
  local t=$1 corpus=$2 crashes=$3 log=$4 rate=$5
  "$build/fuzz/$t" \
    -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -rss_limit_mb="$rss_limit" -malloc_limit_mb="$malloc_limit" \
    -max_total_time="$per" -len_control=0 -max_len=128 -timeout=10 \
    -dict="$root/fuzz/dicts/$t.dict" -artifact_prefix="$crashes/" \
    "$corpus" "$root/fuzz/corpus/$t" 2>&1 \
    | tee "$log" | grep --line-buffered -E '^#[0-9]+: ' \
    | awk -v t="$t" -v k="$schedules" -v out="$rate" '
        # "#EXECS: cov: C ft: F corp: N exec/s: R ... time: Ss ..."
        # The rate of the interval since the last recorded line (>= 1 s).
        { execs = substr($1, 2) + 0; secs = 0; corp = 0
          for (i = 2; i < NF; i++) { if ($i == "time:") secs = $(i + 1) + 0
                                     if ($i == "corp:") corp = $(i + 1) + 0 }
          if (secs > lsecs) {
            r = (execs - lexecs) / (secs - lsecs)
            printf "%s\t%d\t%d\t%.0f\t%.0f\t%d\n", t, secs, execs, r, r * k, corp >> out
            fflush(out); lsecs = secs; lexecs = execs
          }
          printf "[%s] %s  (%.0f exec/s, %.0f schedules/s lately)\n", t, $0, r, r * k; fflush() }'
}

merge_target() {  # minimise WORK/corpus/<t> into a fresh directory, then swap
  local t=$1 corpus=$2 log=$3
  rm -rf "$corpus.merged" && mkdir -p "$corpus.merged"
  "$build/fuzz/$t" -merge=1 -rss_limit_mb="$rss_limit" -malloc_limit_mb="$malloc_limit" \
    -len_control=0 -max_len=128 -timeout=10 "$corpus.merged" "$corpus" >"$log" 2>&1
}

rate_file=$work/rate.tsv
[ -f "$rate_file" ] || printf 'target\tseconds\texecutions\texec_per_s\tschedules_per_s\tcorpus\n' >"$rate_file"
for t in $targets; do
  corpus=$work/corpus/$t crashes=$work/crashes/$t log=$work/logs/$t.log
  mkdir -p "$corpus" "$crashes" "$work/logs"
  start=$(date +%s)
  rate_from=$(( $(wc -l <"$rate_file") + 1 ))
  run_group $(( per + 60 )) fuzz_target "$t" "$corpus" "$crashes" "$log" "$rate_file" || true
  seconds=$(( $(date +%s) - start )); [ "$seconds" -ge 1 ] || seconds=1
  last=$(grep -E '^#[0-9]+: ' "$log" | tail -n 1 || true)
  execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last"); execs=${execs:-0}
  crashes_n=$(sed -nE 's|.*oom/timeout/crash: [0-9]+/[0-9]+/([0-9]+).*|\1|p' <<<"$last"); crashes_n=${crashes_n:-0}
  before=$(find "$corpus" -maxdepth 1 -type f | wc -l)
  if [ "$merge" = 1 ] && [ "$before" -gt 0 ]; then
    if run_group 600 merge_target "$t" "$corpus" "$work/logs/$t.merge.log" \
        && [ -n "$(find "$corpus.merged" -maxdepth 1 -type f -print -quit)" ]; then
      rm -rf "$corpus.old" && mv "$corpus" "$corpus.old" && mv "$corpus.merged" "$corpus" \
        && rm -rf "$corpus.old"
    else
      echo "campaign: $t: merge failed (log $work/logs/$t.merge.log); corpus kept" >&2
      rm -rf "$corpus.merged"
    fi
  fi
  ncorpus=$(find "$corpus" -maxdepth 1 -type f | wc -l)
  newreg=0
  if [ -n "$regressions" ]; then
    set_dir=$regressions/$t/${zoo:-correct}
    for f in "$crashes"/crash-*; do
      [ -f "$f" ] || continue
      # One input per crash signature (signature.h) and set: a zoo campaign
      # finds the same bug hundreds of times.
      sig=$(LASTREF_ZOO=$zoo "$build/fuzz/$t" -runs=1 "$f" 2>&1 \
              | sed -n 's/^signature: \([a-z_]*\).*/\1/p' | head -n 1 || true)
      sig=${sig:-unknown}
      compgen -G "$set_dir/$sig.*" >/dev/null && continue
      sum=$(sha1sum "$f" | cut -c1-8)
      mkdir -p "$set_dir" && cp "$f" "$set_dir/$sig.$sum.tmp" && mv "$set_dir/$sig.$sum.tmp" "$set_dir/$sig.$sum"
      newreg=$(( newreg + 1 ))
    done
    [ "$newreg" -gt 0 ] && echo "campaign: $t: $newreg new regression input(s) in $set_dir (commit them)"
  fi
  files=$(find "$crashes" -maxdepth 1 -type f -name 'crash-*' | sort | sed 's/.*/"&"/' | paste -sd, -)
  rate=$(( execs / seconds ))
  # Mean exec/s over the first and the last quarter of this target's logged
  # intervals: a rate that falls as the corpus grows shows as last < first.
  read -r q_first q_last < <(tail -n +"$rate_from" "$rate_file" | awk -F'\t' '
      { r[NR] = $4 } END { q = int((NR + 3) / 4); if (NR == 0) { print 0, 0; exit }
        for (i = 1; i <= q; i++) { a += r[i]; b += r[NR - q + i] }
        printf "%.0f %.0f\n", a / q, b / q }')
  echo "campaign: $t: $execs executions in ${seconds}s ($rate exec/s, $(( rate * schedules )) schedules/s; first/last quarter $q_first/$q_last exec/s), $crashes_n crashes, corpus $before -> $ncorpus after merge"
  rows+=("\"$t\":{\"seconds\":$seconds,\"execs\":$execs,\"exec_per_s\":$rate,\"schedules_per_s\":$(( rate * schedules )),\"crashes\":$crashes_n,\"corpus_files\":$ncorpus,\"corpus_before_merge\":$before,\"new_regressions\":$newreg,\"exec_per_s_first_quarter\":$q_first,\"exec_per_s_last_quarter\":$q_last,\"crash_files\":[${files}]}")
done
write_summary
echo "campaign: summary in $json, rate over time in $rate_file"
