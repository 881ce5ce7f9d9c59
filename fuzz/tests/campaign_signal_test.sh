#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CTest fuzz_campaign_signals (labels fuzz, campaign): SIGINT and SIGTERM stop
# fuzz/campaign.sh and every process it started — the libFuzzer parent and
# its -fork children included — at once, with status 130 / 143 and a summary
# marked "interrupted".
#
#   campaign_signal_test.sh REPO BUILD WORK
#
# For each signal: start a 2-target campaign (budget 120 s, -fork=2) in
# WORK/<sig>, wait until its fuzzer and at least one -fork child run (every
# one has WORK/<sig> on its command line), send the signal to the campaign
# script only (as `kill` does; a terminal's Ctrl-C signals the whole
# foreground group, an easier case), then require: the exit status, no
# process with WORK/<sig> on its command line 3 s after the script exited,
# the second target never started, and "interrupted":true in the summary.
# Bounded: 30 s to start, 10 s to stop, per signal.
set -u
repo=$1 build=$2 work=$3
set -m  # the campaign must not start with SIGINT ignored (async lists in scripts do)
fail=0
procs() { pgrep -f -- "$1" | grep -v "^$$\$" || true; }
for sig in INT TERM; do
  want=$([ $sig = INT ] && echo 130 || echo 143)
  dir=$work/$sig
  rm -rf "$dir" && mkdir -p "$dir"
  "$repo/fuzz/campaign.sh" --budget 120 --work "$dir/w" --build "$build" --jobs 2 \
    --targets "kref_fuzzer completion_fuzzer" --no-regressions >"$dir/log" 2>&1 &
  pid=$!
  ok=0
  for _ in $(seq 300); do
    n=$(ps -eo args | grep -c -- "kref_fuzzer.*$dir/w/crashes" || true)
    [ "$n" -ge 3 ] && { ok=1; break; }  # parent + >= 1 fork child (+ grep itself)
    sleep 0.1
  done
  if [ $ok = 0 ]; then
    echo "FAIL $sig: the campaign's fuzzer and its -fork children did not start in 30 s"; cat "$dir/log"
    kill -KILL $pid 2>/dev/null; fail=1; continue
  fi
  before=$(procs "$dir/w" | wc -l)
  t0=$(date +%s%N)
  kill -$sig $pid
  status=0
  for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  if kill -0 $pid 2>/dev/null; then
    echo "FAIL $sig: campaign.sh still running 10 s after SIG$sig"; kill -KILL $pid; fail=1
  fi
  wait $pid; status=$?
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  sleep 3
  left=$(procs "$dir/w")
  echo "SIG$sig: $before processes before, exit status $status after $ms ms, $(printf '%s' "$left" | grep -c . || true) left 3 s later"
  [ "$status" = "$want" ] || { echo "FAIL $sig: exit status $status, want $want"; fail=1; }
  if [ -n "$left" ]; then
    echo "FAIL $sig: processes left:"; ps -o pid,args -p $(echo $left) ; kill -KILL $left 2>/dev/null; fail=1
  fi
  grep -q '"interrupted":true' "$dir/w/summary.json" 2>/dev/null \
    || { echo "FAIL $sig: summary.json not marked interrupted"; fail=1; }
  if grep -q '^\[completion_fuzzer\]' "$dir/log"; then echo "FAIL $sig: the next target started"; fail=1; fi
done
exit $fail
