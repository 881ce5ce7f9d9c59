#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run_bench.sh --out never deletes what it did not make: a non-empty
# folder without its _status.json is refused (exit 2, untouched); in a folder
# an earlier run_bench.sh made, only the files its _status.json lists are
# replaced, anything else stays; a file as --out is refused.
# And Ctrl-C of run_bench.sh alone (SIGINT to its process group, as a
# terminal sends it, while the release suite's real-time hogs run): exit
# 130, _status.json says interrupted, nothing of it left running.
# usage: run_bench_out_test.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: run_bench_out_test.sh BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d /tmp/lastref-run-bench-out.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { local what=$1; shift; if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi; }
rb() { "$here/bench/run_bench.sh" "$build" --budget 100 --min-time 0.01 --repetitions 1 \
         --filter 'uncontended/limit:' "$@" >"$tmp/log" 2>&1; echo $?; }

mkdir -p "$tmp/foreign" && echo '{"mine": true}' >"$tmp/foreign/someone.json"
check "a folder it did not make: exit 2" [ "$(rb --out "$tmp/foreign")" = 2 ]
check "the refusal names the folder" grep -q "$tmp/foreign" "$tmp/log"
check "... and leaves it as it was" [ "$(ls -A "$tmp/foreign")" = someone.json ]
echo x >"$tmp/afile"
check "a file as --out: exit 2" [ "$(rb --out "$tmp/afile")" = 2 ]

check "a first run into a new folder" [ "$(rb --out "$tmp/own")" = 0 ]
made=$(ls "$tmp/own"/*.json | wc -l)
check "it wrote JSON and its _status.json lists it" /usr/bin/python3 -c '
import json, sys; d = json.load(open(sys.argv[1])); assert d["files"], d' "$tmp/own/_status.json"
echo '{"keep": 1}' >"$tmp/own/notes.json"
check "a second run into its own folder" [ "$(rb --out "$tmp/own")" = 0 ]
check "a file it did not make survives" grep -q keep "$tmp/own/notes.json"
check "its own files are there again" [ "$(ls "$tmp/own"/*.json | wc -l)" = $((made + 1)) ]
check "no temporary file left" [ -z "$(ls -A "$tmp/own" | grep -E '\.tmp$|\.part$')" ]

# Ctrl-C: its own session and group, SIGINT at its default action.
/usr/bin/python3 -c '
import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_DFL)
os.setsid()
os.execv(sys.argv[1], sys.argv[1:])' "$here/bench/run_bench.sh" "$build" --out "$tmp/int" --budget 100 \
  --repetitions 3 --release-matrix default --filter 'release_latency/normal_fifo_k2/' >"$tmp/int.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "== lastref_bench_release_latency" "$tmp/int.log" && break; sleep 0.1; done
sleep 2
kill -INT -- "-$pid"
wait "$pid"
rc=$?
sleep 1
check "Ctrl-C: exit 130" [ "$rc" = 130 ]
check "Ctrl-C: nothing of its session left" [ -z "$(ps -o pid= -s "$pid")" ]
check "Ctrl-C: _status.json says interrupted" /usr/bin/python3 -c '
import json, sys; d = json.load(open(sys.argv[1])); assert d["interrupted"] is True, d' "$tmp/int/_status.json"
echo "$fails failure(s)"
[ "$fails" = 0 ]
