#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lastref fuzz campaign: every fuzz target, all cores, a time budget.
#
#   fuzz/campaign.sh [--budget SECONDS] [--work DIR] [--build DIR] [--jobs N]
#                    [--targets "kref_fuzzer ..."] [--zoo NAME] [--json FILE]
#
# Runs the targets one after another, each with libFuzzer -fork=JOBS (default:
# all cores) for BUDGET/targets seconds (default budget 240 s), the seed corpus
# as a read-only input and WORK/corpus/<target> as the growing corpus that is
# kept between campaigns. Crashes go to WORK/crashes/<target>/ (-ignore_crashes:
# the campaign goes on); replay one with
#   lastref-replay --pad --target <target> [--zoo NAME] WORK/crashes/<target>/crash-...
# Progress: libFuzzer's fork-mode status lines, prefixed with the target.
# Bounded: -max_total_time per target plus a hard `timeout` a minute later.
# Writes a JSON summary (default WORK/summary.json):
#   {"budget_s":..,"jobs":..,"zoo":..,"interleaving":true,"targets":{"kref_fuzzer":
#     {"seconds":..,"execs":..,"exec_per_s":..,"crashes":..,"corpus_files":..,
#      "crash_files":[..]}, ...}}
# The fuzzers come from BUILD (default build/fuzz, the `fuzz` preset); missing
# ones are built there first (configuring the preset if BUILD does not exist).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
budget=240 work=$root/build/fuzz-campaign build=$root/build/fuzz jobs=$(nproc) zoo="" json=""
targets="kref_fuzzer completion_fuzzer module_unload_fuzzer mixed_fuzzer"
die() { echo "campaign.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 4 ] || die "--budget takes seconds (>= 4)"
              budget=$2; shift 2;;
    --work) [ -n "${2:-}" ] || die "--work needs a directory"; work=$2; shift 2;;
    --build) [ -n "${2:-}" ] || die "--build needs a directory"; build=$2; shift 2;;
    --jobs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--jobs takes a positive number"; jobs=$2; shift 2;;
    --targets) [ -n "${2:-}" ] || die "--targets needs names"; targets=$2; shift 2;;
    --zoo) [ -n "${2:-}" ] || die "--zoo needs a name"; zoo=$2; shift 2;;
    --json) [ -n "${2:-}" ] || die "--json needs a file"; json=$2; shift 2;;
    -h|--help) sed -n '2,24p' "$0"; exit 0;;
    *) die "unknown option $1 (see --help)";;
  esac
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
json=${json:-$work/summary.json}
ntargets=$(wc -w <<<"$targets")
per=$(( budget / ntargets )); [ "$per" -ge 1 ] || per=1

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
interleaving=true
[ -n "${LASTREF_NO_INTERLEAVING:-}" ] && [ "${LASTREF_NO_INTERLEAVING}" != 0 ] && interleaving=false
echo "campaign: $ntargets targets x ${per}s, -fork=$jobs, work $work${zoo:+, zoo $zoo}"

rows=()
for t in $targets; do
  corpus=$work/corpus/$t crashes=$work/crashes/$t log=$work/logs/$t.log
  mkdir -p "$corpus" "$crashes" "$work/logs"
  start=$(date +%s)
  set +e
  timeout --kill-after=10 $(( per + 60 )) "$build/fuzz/$t" \
    -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$per" -len_control=0 -max_len=128 -timeout=10 \
    -dict="$root/fuzz/dicts/$t.dict" -artifact_prefix="$crashes/" \
    "$corpus" "$root/fuzz/corpus/$t" 2>&1 \
    | tee "$log" | grep --line-buffered -E '^#[0-9]+: ' | sed -u "s/^/[$t] /"
  set -e
  seconds=$(( $(date +%s) - start )); [ "$seconds" -ge 1 ] || seconds=1
  last=$(grep -E '^#[0-9]+: ' "$log" | tail -n 1 || true)
  execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last"); execs=${execs:-0}
  crashes_n=$(sed -nE 's|.*oom/timeout/crash: [0-9]+/[0-9]+/([0-9]+).*|\1|p' <<<"$last"); crashes_n=${crashes_n:-0}
  files=$(find "$crashes" -maxdepth 1 -type f -name 'crash-*' | sort | sed 's/.*/"&"/' | paste -sd, -)
  ncorpus=$(find "$corpus" -maxdepth 1 -type f | wc -l)
  rate=$(( execs / seconds ))
  echo "campaign: $t: $execs executions in ${seconds}s ($rate exec/s), $crashes_n crashes, corpus $ncorpus"
  rows+=("\"$t\":{\"seconds\":$seconds,\"execs\":$execs,\"exec_per_s\":$rate,\"crashes\":$crashes_n,\"corpus_files\":$ncorpus,\"crash_files\":[${files}]}")
done
{
  printf '{"budget_s":%d,"jobs":%d,"zoo":"%s","interleaving":%s,"targets":{' "$budget" "$jobs" "$zoo" "$interleaving"
  (IFS=,; printf '%s' "${rows[*]}")
  printf '}}\n'
} >"$json"
echo "campaign: summary in $json"
