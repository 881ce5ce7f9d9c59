#!/bin/sh
# SPDX-License-Identifier: MIT
# CTest driver for libFuzzer builds. Bounded by execution counts.
#
#   run_fuzzer.sh clean FUZZER WORKDIR SEED_CORPUS DICT
#       -runs=N from the seed corpus (read-only: new inputs go to WORKDIR),
#       fixed seed, correct implementations: must finish without a crash.
#   run_fuzzer.sh find FUZZER WORKDIR REPLAY_TOOL
#       LASTREF_ZOO=module_release_immediate from an EMPTY corpus, fixed
#       seed, at most N executions: must crash, and lastref-replay on the
#       crash file must show "executing unloaded module text".
set -u
# As the launchers do: no libc debug info for the crash report's symbolizer
# (fuzz/README.md, "Where a found run's time goes"), unless set.
LLVM_SYMBOLIZER_OPTS="${LLVM_SYMBOLIZER_OPTS---debug-file-directory=/dev/null}"
export LLVM_SYMBOLIZER_OPTS
mode=$1 fuzzer=$2 work=$3
rm -rf "$work" && mkdir -p "$work/corpus" || exit 1
case "$mode" in
  clean)
    seeds=$4 dict=$5
    "$fuzzer" -runs="${LASTREF_TEST_RUNS:-20000}" -seed=1 -len_control=0 -max_len=128 \
      -dict="$dict" -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" "$seeds" \
      >"$work/log" 2>&1
    status=$?
    grep -E "stat::number_of_executed_units|stat::average_exec_per_sec" "$work/log"
    if [ $status -ne 0 ] || ls "$work"/crash-* >/dev/null 2>&1; then
      tail -n 80 "$work/log"
      echo "run_fuzzer.sh: $fuzzer reported a failure on the correct implementations" >&2
      exit 1
    fi
    ;;
  find)
    replay=$4
    budget=${LASTREF_TEST_FIND_RUNS:-100000}
    LASTREF_ZOO=module_release_immediate "$fuzzer" -runs="$budget" -seed=1 -len_control=0 \
      -max_len=64 -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" >"$work/log" 2>&1
    crash=$(find "$work" -maxdepth 1 -name 'crash-*' | head -n 1)
    grep -E "stat::number_of_executed_units" "$work/log"
    if [ -z "$crash" ]; then
      tail -n 40 "$work/log"
      echo "run_fuzzer.sh: reference bug not found within $budget executions" >&2
      exit 1
    fi
    out=$("$replay" --pad --zoo module_release_immediate --target module_unload_fuzzer "$crash" 2>&1)
    status=$?
    printf '%s\n' "$out" | tail -n 12
    if [ $status -ne 1 ] || ! printf '%s\n' "$out" | grep -q "executing unloaded module text"; then
      echo "run_fuzzer.sh: the crash file does not replay to the reference bug (status $status)" >&2
      exit 1
    fi
    ;;
  *) echo "run_fuzzer.sh: unknown mode $mode" >&2; exit 2;;
esac
exit 0
