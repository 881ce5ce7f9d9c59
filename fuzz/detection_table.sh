#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lastref fuzz detection table: wall time and inputs for the libFuzzer
# targets to find each zoo variant from an EMPTY corpus, over seeds 1..N, in
# one or more configurations, with medians. What fuzz/README.md's detection
# tables come from.
#
#   fuzz/detection_table.sh [--build DIR] [--seeds N] [--runs BUDGET]
#                           [--max-time S] [--variants "name ..."]
#                           [--config NAME=ENV ...] [--out FILE]
#
# A variant is "zoo_name:target" (default: every zoo variant with the target
# the scorecard uses for it; "name:kref_heldout" runs kref_heldout_fuzzer,
# for the held-out variants of fuzz/heldout/). A configuration is a name and environment
# assignments separated by commas, e.g. --config il=LASTREF_INTERLEAVING=1;
# default: one configuration "default" (no extra environment). Each run:
# LASTREF_ZOO=<zoo> <target> -seed=S -runs=BUDGET -max_total_time=S
# <the [libfuzzer] flags of fuzz/options/<target>.options, as OSS-Fuzz and
# the scorecard pass them> -dict=<target>.dict <empty dir>; found = a
# crash file; wall time includes start-up, CPU time is user+sys of the
# fuzzer (what the run costs on an idle core). A miss counts as infinite in
# the median. Prints one line per run; writes a Markdown table to FILE (default
# stdout only). Bounded by BUDGET (default 200000 inputs) and S (default 30 s)
# per run. Bad arguments: a message, exit status 2.
set -euo pipefail
TIMEFORMAT='%R %U %S'
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build/fuzz seeds=10 runs=200000 maxtime=30 out="" configs=()
variants=""  # default: every zoo entry of fuzz/zoo_manifest.h (lastref-scorecard list)
die() { echo "detection_table.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --build) [ -d "${2:-}" ] || die "--build ${2:-}: not a directory"; build=$2; shift 2;;
    --seeds) [[ "${2:-}" =~ ^[1-9][0-9]{0,3}$ ]] || die "--seeds takes 1..9999"; seeds=$2; shift 2;;
    --runs) [[ "${2:-}" =~ ^[1-9][0-9]{0,8}$ ]] || die "--runs takes a positive number"; runs=$2; shift 2;;
    --max-time) [[ "${2:-}" =~ ^[1-9][0-9]{0,4}$ ]] || die "--max-time takes seconds"; maxtime=$2; shift 2;;
    --variants) [ -n "${2:-}" ] || die "--variants needs zoo:target names"; variants=$2; shift 2;;
    --config) [[ "${2:-}" =~ ^[a-z0-9_]+=.*$ ]] || die "--config takes NAME=VAR=VALUE,..."; configs+=("$2"); shift 2;;
    --out) [ -n "${2:-}" ] && [ ! -d "$2" ] || die "--out needs a file"; out=$2; shift 2;;
    -h|--help) sed -n '2,22p' "$0"; exit 0;;
    *) die "unknown option $1 (see --help)";;
  esac
done
[ ${#configs[@]} -gt 0 ] || configs=("default=")
if [ -z "$variants" ]; then
  sc=$build/fuzz/scorecard/lastref-scorecard
  [ -x "$sc" ] || die "$sc missing (the default variant list comes from it; or give --variants)"
  variants=$("$sc" list --json | python3 -c '
import json, sys
for v in map(json.loads, sys.stdin):
    if v["zoo"]:
        print(v["name"] + ":" + v["target"].removesuffix("_fuzzer"))')
fi
for v in $variants; do
  [[ "$v" =~ ^[a-z0-9_]+:(kref|completion|module_unload|mixed)(_heldout)?$ ]] || die "--variants: bad entry $v"
  [ -x "$build/fuzz/${v#*:}_fuzzer" ] || die "$build/fuzz/${v#*:}_fuzzer missing"
done
# No system debug-file directory for the crash report's symbolizer unless
# the user set one: libc6-dbg's compressed DWARF, read only to give abort()'s
# libc frames file:line, costs ~0.17 s per found run (fuzz/README.md, "Where a
# found run's time goes"); scorecard.py does the same.
export LLVM_SYMBOLIZER_OPTS="${LLVM_SYMBOLIZER_OPTS---debug-file-directory=/dev/null}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The [libfuzzer] section of a target's .options file as -key=value flags.
options_of() {
  awk '/^\[/ { on = ($0 ~ /^\[libfuzzer\]/); next }
       on && /=/ && !/^[ \t]*#/ { split($0, kv, "="); gsub(/[ \t]/, "", kv[1]); gsub(/[ \t]/, "", kv[2]);
                               printf "-%s=%s ", kv[1], kv[2] }' "$root/fuzz/options/$1.options"
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
header="| variant | target |"; sep="|---|---|"
for c in "${configs[@]}"; do header+=" ${c%%=*}: found, median inputs, wall, CPU |"; sep+="---|"; done
table=("$header" "$sep")
for v in $variants; do
  zoo=${v%%:*} t=${v#*:}_fuzzer
  line="| \`$zoo\` | $t |"
  for c in "${configs[@]}"; do
    name=${c%%=*} envs=${c#*=}
    : >"$tmp/in" && : >"$tmp/ms" && : >"$tmp/cpu"; hits=0
    for s in $(seq 1 "$seeds"); do
      rm -rf "$tmp/c" && mkdir -p "$tmp/c"
      read -r -a opts <<<"$(options_of "${t/_heldout/}")"
      t0=$(date +%s%N)
      { time { ( IFS=,; for kv in $envs; do [ -n "$kv" ] && export "${kv?}"; done
        LASTREF_ZOO=$zoo ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} exec "$build/fuzz/$t" -seed="$s" -runs="$runs" \
          -max_total_time="$maxtime" "${opts[@]}" -print_final_stats=1 \
          -dict="$root/fuzz/dicts/${t/_heldout/}.dict" -artifact_prefix="$tmp/c/" "$tmp/c" ) >"$tmp/log" 2>&1; } ; } \
        2>"$tmp/time" || true
      ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      cpu=$(awk '{ printf "%d", ($2 + $3) * 1000 }' "$tmp/time")
      n=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$tmp/log" | tail -n 1)
      if ls "$tmp"/c/crash-* >/dev/null 2>&1; then
        hits=$((hits + 1)); echo "${n:-0}" >>"$tmp/in"; echo "$ms" >>"$tmp/ms"; echo "$cpu" >>"$tmp/cpu"
        echo "$zoo $name seed=$s found: ${n:-?} inputs, $ms ms wall, $cpu ms CPU"
      else
        echo "inf" >>"$tmp/in"; echo "inf" >>"$tmp/ms"; echo "inf" >>"$tmp/cpu"
        echo "$zoo $name seed=$s MISSED (${n:-?} inputs, $ms ms)"
      fi
    done
    mi=$(median <"$tmp/in") mm=$(median <"$tmp/ms") mc=$(median <"$tmp/cpu")
    line+=" $hits/$seeds, $mi, $mm ms, $mc ms |"
  done
  table+=("$line")
done
printf '%s\n' "${table[@]}"
if [ -n "$out" ]; then
  { echo "\`fuzz/detection_table.sh --seeds $seeds --runs $runs\` $(date -u +%FT%TZ), build \`${build#$root/}\`, load $(cut -d' ' -f1 /proc/loadavg)"
    echo; printf '%s\n' "${table[@]}"; } >"$out.tmp" && mv -f "$out.tmp" "$out"
fi
