#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lastref fuzz throughput benchmark: schedules explored per second inside the
# libFuzzer targets next to the raw model's executions per second on the same
# scenarios, measured in the same run (the target: >= 30 %).
#
#   fuzz/bench_throughput.sh [--seconds S] [--build DIR] [--raw-build DIR]
#                            [--targets "kref_fuzzer ..."] [--out DIR]
#
# Per target, S seconds each (default 5), one process at a time:
#   1. fuzz:   the libFuzzer target from its seed corpus (-seed=1, new inputs
#              to a scratch corpus), default schedules per input; schedules/s
#              = the schedules the target reports at exit / wall time
#              (start-up included);
#   2. fuzz1:  the same with LASTREF_SCHEDULES=1 (one schedule per input, the
#              behaviour before amplification);
#   3. raw:    lastref-fuzz-raw-rate (fuzz/bench/raw_rate_main.cc) from
#              RAW-BUILD over the scratch corpus the fuzz run ended with plus
#              the seeds: the model alone, no libFuzzer, no interleaving
#              observer, the same schedules.
# BUILD defaults to build/fuzz (the fuzz preset, ASan+UBSan); RAW-BUILD to
# BUILD. Writes OUT/throughput.json and OUT/throughput.md (default
# results/fuzz-throughput), each to a temporary name first. Bad arguments:
# a message, exit status 2.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=5 build=$root/build/fuzz raw_build="" out=$root/results/fuzz-throughput
targets="kref_fuzzer completion_fuzzer module_unload_fuzzer mixed_fuzzer"
die() { echo "bench_throughput.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [[ "${2:-}" =~ ^[1-9][0-9]{0,3}$ ]] || die "--seconds takes 1..9999"; seconds=$2; shift 2;;
    --build) [ -d "${2:-}" ] || die "--build ${2:-}: not a directory"; build=$(cd "$2" && pwd); shift 2;;
    --raw-build) [ -d "${2:-}" ] || die "--raw-build ${2:-}: not a directory"; raw_build=$(cd "$2" && pwd); shift 2;;
    --targets) [ -n "${2:-}" ] || die "--targets needs names"; targets=$2; shift 2;;
    --out) [ -n "${2:-}" ] || die "--out needs a directory"; out=$2; shift 2;;
    -h|--help) sed -n '2,26p' "$0"; exit 0;;
    *) die "unknown option $1 (see --help)";;
  esac
done
raw_build=${raw_build:-$build}
for t in $targets; do [ -x "$build/fuzz/$t" ] || die "$build/fuzz/$t missing (build it first)"; done
raw=$raw_build/fuzz/lastref-fuzz-raw-rate
[ -x "$raw" ] || die "$raw missing (cmake --build $raw_build --target lastref-fuzz-raw-rate)"
[ -e "$out" ] && [ ! -d "$out" ] && die "--out $out is not a directory"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
fuzz_rate() {  # fuzz_rate TARGET SCHEDULES -> "schedules_per_s inputs_per_s"
  local t=$1 k=$2 c=$scratch/corpus-$1-$2 log=$scratch/log-$1-$2 s e n runs
  mkdir -p "$c"
  s=$(now)
  LASTREF_SCHEDULES=$k "$build/fuzz/$t" -seed=1 -max_total_time="$seconds" -len_control=0 \
    -max_len=128 -dict="$root/fuzz/dicts/$t.dict" "$c" "$root/fuzz/corpus/$t" >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; die "$t failed (correct implementations must not crash)"; }
  e=$(now)
  n=$(sed -nE 's/^lastref: ([0-9]+) schedules run.*/\1/p' "$log" | tail -n 1)
  runs=$(sed -nE 's/^Done ([0-9]+) runs.*/\1/p' "$log" | tail -n 1)
  [ -n "$n" ] && [ -n "$runs" ] || die "$t: no 'lastref: N schedules run' / 'Done' line in its log"
  awk -v n="$n" -v r="$runs" -v s="$s" -v e="$e" 'BEGIN { printf "%.0f %.0f\n", n / (e - s), r / (e - s) }'
}

rows=() md=()
host=$(hostname) load=$(cut -d' ' -f1 /proc/loadavg)
for t in $targets; do
  read -r sk ik < <(fuzz_rate "$t" "${LASTREF_SCHEDULES:-8}")
  read -r s1 _ < <(fuzz_rate "$t" 1)
  rawj=$("$raw" --target "${t%_fuzzer}" --seconds "$seconds" "$scratch/corpus-$t-${LASTREF_SCHEDULES:-8}" "$root/fuzz/corpus/$t")
  rr=$(sed -nE 's/.*"exec_per_s":([0-9]+).*/\1/p' <<<"$rawj")
  pct=$(awk -v a="$sk" -v b="$rr" 'BEGIN { printf "%.0f", 100 * a / b }')
  pct1=$(awk -v a="$s1" -v b="$rr" 'BEGIN { printf "%.0f", 100 * a / b }')
  echo "$t: fuzz $sk schedules/s ($ik inputs/s), one schedule per input $s1/s, raw model $rr/s: $pct % ($pct1 % before)"
  rows+=("\"$t\":{\"schedules_per_s\":$sk,\"inputs_per_s\":$ik,\"one_schedule_per_s\":$s1,\"raw_exec_per_s\":$rr,\"percent_of_raw\":$pct,\"one_schedule_percent_of_raw\":$pct1}")
  md+=("| $t | $sk | $ik | $s1 | $rr | $pct % | $pct1 % |")
done
mkdir -p "$out"
{
  printf '{"schema":"lastref-fuzz-throughput/1","host":"%s","load":%s,"seconds":%d,' "$host" "$load" "$seconds"
  printf '"build":"%s","raw_build":"%s","schedules_per_input":%d,"targets":{' "$build" "$raw_build" "${LASTREF_SCHEDULES:-8}"
  (IFS=,; printf '%s' "${rows[*]}")
  printf '}}\n'
} >"$out/throughput.json.tmp" && mv -f "$out/throughput.json.tmp" "$out/throughput.json"
{
  echo "# Fuzz throughput"
  echo
  echo "\`fuzz/bench_throughput.sh --seconds $seconds\` on $host, load $load, $(date -u +%FT%TZ)."
  echo "Build: \`${build#$root/}\`; raw model: \`${raw_build#$root/}\`. ${LASTREF_SCHEDULES:-8} schedules per input."
  echo
  echo "| target | schedules/s in the target | inputs/s | schedules/s at 1 per input | raw model exec/s | target / raw | at 1 per input / raw |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${md[@]}"
} >"$out/throughput.md.tmp" && mv -f "$out/throughput.md.tmp" "$out/throughput.md"
echo "bench_throughput.sh: wrote $out/throughput.json and throughput.md"
