#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CTest: SIGINT and SIGTERM in the middle of a release-suite run with
# several repetitions. Before the fix, a repetition that started after the
# signal reported 0 iterations beside earlier ones with 1, and Google
# Benchmark's ComputeStats CHECK aborted the run (SIGABRT, no files).
# Required: exit status 128+signal, the benchmark JSON and the samples file
# written with what finished (the samples file marked interrupted), and the
# process gone with all its threads.
# usage: release_interrupt_check.sh BINARY PYTHON3 WORKDIR
set -u
bin=$1 py=$2 work=$3
mkdir -p "$work"
fails=0
for sig in INT TERM; do
  json="$work/interrupt_$sig.json" samples="$work/interrupt_${sig}_samples.json"
  rm -f "$json" "$samples"
  # One row (SCHED_FIFO hogs where permitted), three repetitions of about
  # 1.5 s each: the signal lands while the second one runs, so the third
  # starts interrupted.
  "$bin" --lastref_matrix=quick --lastref_cap_ms=9000 --lastref_samples=1000000 --lastref_burst_us=500 \
    --benchmark_filter='normal_fifo_k2/ref:timer_wakeup_releaser' \
    --benchmark_repetitions=3 --benchmark_out="$json" --benchmark_out_format=json \
    --lastref_samples_out="$samples" >"$work/interrupt_$sig.log" 2>&1 &
  pid=$!
  sleep 2.5
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  want=$((128 + $(kill -l "$sig")))
  if [ "$rc" != "$want" ]; then
    echo "FAIL SIG$sig: exit status $rc, want $want"
    tail -5 "$work/interrupt_$sig.log"
    fails=$((fails + 1))
  fi
  if [ -e "/proc/$pid" ]; then echo "FAIL SIG$sig: process $pid still there"; fails=$((fails + 1)); fi
  "$py" - "$json" "$samples" <<'PY' || fails=$((fails + 1))
import json, sys
bench = json.load(open(sys.argv[1]))
runs = [b for b in bench["benchmarks"] if b.get("run_type") == "iteration"]
assert runs, "no repetition in the benchmark JSON"
assert any(not b.get("error_occurred") for b in runs), "no repetition finished before the signal"
assert any(b.get("error_message") == "interrupted" for b in runs), "no repetition marked interrupted"
s = json.load(open(sys.argv[2]))
assert s["context"]["interrupted"] is True, s["context"]
assert any(c["count"] > 0 for c in s["cells"]), "the samples file kept nothing"
PY
done
[ "$fails" = 0 ] && echo "release_interrupt_check: ok"
[ "$fails" = 0 ]
