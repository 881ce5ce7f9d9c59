#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Signals to the main job: `./lastref run --quick` gets SIGINT or SIGTERM
# while a stage runs, and
#   - the run exits 130 and says which stages finished;
#   - 10 s after the signal, no process of the stage that was running is
#     left, and no thread of the run has a real-time policy; once the run
#     has exited, no process of it is left at all (processes are recognised
#     by a tag in their environment, which every descendant inherits, so an
#     orphan that left the process group or the session is found too);
#   - run.json says interrupted (and by which signal), the running stage is
#     "interrupted", the stages before it finished, the report is rendered
#     and marked interrupted, and results/latest has not moved.
# A second signal stops at once: exit 130, no report, run.json written.
#
# Cases: bench (the release suite's SCHED_FIFO hogs run there) and fuzz (the
# libFuzzer campaign), each with SIGINT, SIGTERM and a double SIGINT. The tsan and zoo stages share the same plumbing (run_stage) and
# would need the tsan build as well; they are not signalled here to keep the
# test within about three minutes once the builds exist.
#
# usage: signal_test.sh [CASE...]   CASE is STAGE:SIGNAL[:twice]
# Exit status 0 when every case passes.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(bench:INT bench:TERM fuzz:INT fuzz:TERM bench:INT:twice fuzz:INT:twice)
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# tagged TAG: prints "pid comm" of every process whose environment has TAG.
tagged() {
  local e pid
  # One grep over every environment (-z: NUL-separated entries).
  for e in $(grep -lzx "LASTREF_SIGNAL_TEST_TAG=$1" /proc/[0-9]*/environ 2>/dev/null); do
    pid=${e#/proc/}; pid=${pid%/environ}
    [ "$pid" != "$$" ] || continue
    echo "$pid $(cat "/proc/$pid/comm" 2>/dev/null) pgid=$({ sed 's/.*) //' "/proc/$pid/stat"; } 2>/dev/null | cut -d' ' -f3)"
  done
}
# rt_threads TAG: threads of tagged processes with SCHED_FIFO (1) or SCHED_RR (2).
rt_threads() {
  local pid t pol
  while read -r pid _; do
    for t in /proc/"$pid"/task/*; do
      # Field 41 of stat is the policy; the comm field (2) may hold spaces.
      pol=$({ sed 's/.*) //' "$t/stat"; } 2>/dev/null | cut -d' ' -f39)
      case "$pol" in 1|2) echo "$pid/${t##*/} policy=$pol";; esac
    done
  done < <(tagged "$1")
}

latest_before=$(readlink "$root/results/latest" 2>/dev/null || echo none)
for c in "${cases[@]}"; do
  IFS=: read -r stage sig twice <<<"$c"
  case "$stage" in
    bench) only=bench,report;;
    fuzz) only=fuzz,report;;
    *) echo "signal_test.sh: unknown stage $stage" >&2; exit 2;;
  esac
  tag="signal-test-$$-${stage}-${sig}${twice:+-twice}"
  # Inside results/: an uninterrupted run there would move results/latest.
  out="$root/results/.$tag"
  rm -rf "$out"
  log=$(mktemp /tmp/lastref-signal-test.XXXXXX)
  fails_before=$fails
  echo "== case $c (log $log)"
  # As from a terminal: its own session, and SIGINT/SIGTERM/SIGHUP at their
  # default actions (a background job of a script starts with SIGINT
  # ignored, and bash cannot trap a signal ignored at its start).
  LASTREF_SIGNAL_TEST_TAG=$tag /usr/bin/python3 -c '
import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_DFL)
os.setsid()
os.execv(sys.argv[1], sys.argv[1:])' "$root/lastref" run --quick --only "$only" --out "$out" \
    >"$log" 2>&1 </dev/null &
  pid=$!
  # Wait for the stage to start (the builds before it may take a while).
  t_start=$(date +%s)
  until grep -q "\] $stage ==" "$log"; do
    if ! kill -0 "$pid" 2>/dev/null || [ $(($(date +%s) - t_start)) -gt 1800 ]; then
      fail "$c: the $stage stage never started"; tail -20 "$log"; kill -KILL -- "-$pid" 2>/dev/null
      continue 2
    fi
    sleep 0.2
  done
  # Into the stage: in bench, until the release suite's SCHED_FIFO hogs run
  # (at most 15 s: without the permission to use SCHED_FIFO there are none);
  # in fuzz, until the campaign has started its first target.
  if [ "$stage" = bench ]; then
    t_wait=$(date +%s)
    while [ -z "$(rt_threads "$tag")" ] && [ $(($(date +%s) - t_wait)) -lt 15 ]; do sleep 0.2; done
  else
    sleep 5
  fi
  rt_at_signal=$(rt_threads "$tag" | wc -l)
  t_sig=$(date +%s)
  kill -"$sig" "$pid"
  if [ -n "$twice" ]; then sleep 0.5; kill -"$sig" "$pid"; fi
  # Ten seconds on: nothing of the stage is left; only the run itself
  # (its own process group: the front door, its log writer, run.json, the
  # report) may still be finishing.
  sleep 10
  left=$(tagged "$tag" | grep -v " pgid=$pid\$" | grep -v 'report.py' || true)
  rt=$(rt_threads "$tag")
  # The report stage runs in a group of its own: tolerate it by name only.
  [ -z "$left" ] || { left=$(echo "$left" | while read -r p rest; do
      grep -q 'results/report.py' "/proc/$p/cmdline" 2>/dev/null || echo "$p $rest"; done); }
  [ -z "$left" ] || fail "$c: 10 s after SIG$sig, processes of the stage remain: $left"
  [ -z "$rt" ] || fail "$c: 10 s after SIG$sig, real-time threads remain: $rt"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    fail "$c: the run did not exit within 70 s of SIG$sig"
    kill -KILL -- "-$pid" 2>/dev/null
  fi
  wait "$pid"
  rc=$?
  t_end=$(date +%s)
  sleep 1
  after=$(tagged "$tag")
  [ -z "$after" ] || fail "$c: after the run exited, processes remain: $after"
  [ "$rc" = 130 ] || fail "$c: exit status $rc, want 130"
  grep -q "stages that finished:" "$log" || fail "$c: no line saying which stages finished"
  if grep -q "Traceback" "$log"; then fail "$c: a Python traceback in the output"; fi
  /usr/bin/python3 - "$out" "$stage" "SIG$sig" "${twice:-}" <<'PY' || fail "$c: run.json/report inconsistent"
import json, os, sys
out, stage, sig, twice = sys.argv[1:]
d = json.load(open(os.path.join(out, "run.json")))
assert d["interrupted"] is True, "run.json: interrupted is not true"
assert d["interrupted_by"] == sig, ("interrupted_by", d["interrupted_by"])
st = {s["name"]: s for s in d["stages"]}
assert st[stage]["status"] == "interrupted", st[stage]
assert st["build:" + ("bench" if stage == "bench" else "fuzz")]["status"] == "ok", st
report = os.path.join(out, "report.md")
if twice:
    assert st["report"]["status"] == "interrupted", st["report"]
    assert not os.path.exists(report), "a second signal must skip the report"
else:
    assert st["report"]["status"] == "ok", st["report"]
    text = open(report).read()
    assert "interrupted" in text.lower(), "the report does not say the run was interrupted"
leftovers = [f for f in os.listdir(out) if f.endswith(".tmp") or f.endswith(".part")]
assert not leftovers, ("temporary files left", leftovers)
PY
  now_latest=$(readlink "$root/results/latest" 2>/dev/null || echo none)
  [ "$now_latest" = "$latest_before" ] || fail "$c: results/latest moved to $now_latest"
  echo "   exit $rc; $rt_at_signal real-time thread(s) at the signal; run over $((t_end - t_sig)) s after it; left after 10 s: ${left:-none}"
  [ -z "${SIGNAL_TEST_SHOW_LOG:-}" ] || cat "$log"
  # Kept when the case failed, to look at.
  if [ "$fails" = "$fails_before" ]; then rm -rf "$out" "$log"; else echo "   kept $out and $log"; fi
done
echo "signal_test.sh: $fails failure(s)"
[ "$fails" = 0 ]
