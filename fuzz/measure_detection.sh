#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Time and executions for a fuzz target to find a zoo bug from an empty
# corpus, over seeds 1..N, with and without interleaving coverage (same
# seeds, same budget). Prints one line per run and the medians; with --json
# FILE also writes them as JSON.
#
#   fuzz/measure_detection.sh [--build DIR] [--target T] [--zoo NAME]
#                             [--seeds N] [--runs BUDGET] [--json FILE]
#                             [-- extra libFuzzer flags]
# Defaults: build/fuzz, module_unload_fuzzer, module_release_immediate (the
# reference bug), 10 seeds, 300000 executions per run; the target's
# .options flags (fuzz/options/).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build/fuzz target=module_unload_fuzzer zoo=module_release_immediate seeds=10
runs=300000 json="" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2;;
    --target) target=$2; shift 2;;
    --zoo) zoo=$2; shift 2;;
    --seeds) seeds=$2; shift 2;;
    --runs) runs=$2; shift 2;;
    --json) json=$2; shift 2;;
    --) shift; extra=("$@"); break;;
    *) echo "measure_detection.sh: unknown option $1" >&2; exit 2;;
  esac
done
fuzzer=$build/fuzz/$target
[ -x "$fuzzer" ] || { echo "measure_detection.sh: no $fuzzer (build the fuzz preset)" >&2; exit 2; }
# No system debug-file directory for the crash report's symbolizer unless
# the user set one: libc6-dbg's compressed DWARF, read only to give abort()'s
# libc frames file:line, costs ~0.17 s per found run (fuzz/README.md, "Where a
# found run's time goes"); scorecard.py does the same.
export LLVM_SYMBOLIZER_OPTS="${LLVM_SYMBOLIZER_OPTS---debug-file-directory=/dev/null}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The [libfuzzer] section of the target's .options file as -key=value flags
# (the shipped configuration; the same reader as detection_table.sh).
read -r -a opts <<<"$(awk '/^\[/ { on = ($0 ~ /^\[libfuzzer\]/); next }
  on && /=/ && !/^[ \t]*#/ { split($0, kv, "="); gsub(/[ \t]/, "", kv[1]); gsub(/[ \t]/, "", kv[2]);
                          printf "-%s=%s ", kv[1], kv[2] }' "$root/fuzz/options/$target.options")"
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
declare -A med_execs med_ms found
for mode in on off; do
  : >"$tmp/execs" && : >"$tmp/ms"
  hits=0
  for s in $(seq 1 "$seeds"); do
    rm -rf "$tmp/c" && mkdir -p "$tmp/c"
    noint=0; [ $mode = off ] && noint=1
    t0=$(date +%s%N)
    LASTREF_INTERLEAVING=$((1 - noint)) LASTREF_NO_INTERLEAVING=$noint LASTREF_ZOO=$zoo "$fuzzer" -runs="$runs" -seed="$s" \
      "${opts[@]}" -print_final_stats=1 -artifact_prefix="$tmp/c/" "${extra[@]}" \
      "$tmp/c" >"$tmp/log" 2>&1 || true
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$tmp/log" | tail -n 1)
    if ls "$tmp"/c/crash-* >/dev/null 2>&1; then
      hits=$((hits + 1)); echo "$execs" >>"$tmp/execs"; echo "$ms" >>"$tmp/ms"
      echo "interleaving=$mode seed=$s found after $execs executions, $ms ms"
    else
      echo "interleaving=$mode seed=$s NOT found in $execs executions ($ms ms)"
    fi
  done
  med_execs[$mode]=$(median <"$tmp/execs"); med_ms[$mode]=$(median <"$tmp/ms"); found[$mode]=$hits
  echo "interleaving=$mode: found $hits/$seeds, median ${med_execs[$mode]} executions, ${med_ms[$mode]} ms"
done
if [ -n "$json" ]; then
  printf '{"target":"%s","zoo":"%s","seeds":%d,"budget_runs":%d,"with_interleaving":{"found":%d,"median_execs":%s,"median_ms":%s},"without_interleaving":{"found":%d,"median_execs":%s,"median_ms":%s}}\n' \
    "$target" "$zoo" "$seeds" "$runs" "${found[on]}" "${med_execs[on]}" "${med_ms[on]}" \
    "${found[off]}" "${med_execs[off]}" "${med_ms[off]}" >"$json"
fi
