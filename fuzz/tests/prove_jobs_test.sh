#!/bin/sh
# SPDX-License-Identifier: MIT
# prove_jobs_test.sh PROVE WORKDIR: --jobs N runs one search as N shard
# processes. The lookup-table proof (3 threads, c11) with --jobs 2 is the
# --combine of shards 0/2 and 1/2 run by hand (the same certificate but for
# its time); --jobs 3 on a zoo variant prints a shard's counterexample and
# exits 4; a bounded, time-budgeted --jobs 2 is complete within the bound
# (exit 3); combinations that make no sense exit 2 with nothing run; progress
# lines name their shard; the temporary directory is removed; and no
# shard outlives the run: a SIGTERM to the parent (exit 143), a SIGKILL to it
# (the children's parent-death signal), a SIGKILL to one shard (the run says
# which shard, exits 3, stops the other). Only the pids this test started are
# checked and signalled: other lastref-prove runs on the machine are left be.
set -u
prove=$1 work=$2
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "prove_jobs_test: $*" >&2; exit 1; }
# The shards' temporary directories go here, so the test sees them removed.
TMPDIR=$work/tmp
export TMPDIR
mkdir "$TMPDIR" || exit 1
clean() { [ -z "$(ls -A "$TMPDIR")" ] || fail "$1: left $(ls "$TMPDIR") in \$TMPDIR"; }
# A certificate line without its time (the one thing two runs differ in).
cert() { grep '^certificate: ' | sed 's/, [0-9.]* s$//'; }
lookup3="--target kref --scenario lookup3 --model c11"

# shellcheck disable=SC2086
out=$("$prove" $lookup3 --jobs 2 --json "$work/jobs.json" 2>&1); rc=$?
echo "$out" | tail -n 2
[ "$rc" -eq 0 ] || fail "--jobs 2 exited $rc"
echo "$out" | grep -q "^certificate: complete: every schedule explored" || fail "--jobs 2: no proof"
grep -q '"proof":true' "$work/jobs.json" || fail "--jobs 2 --json: no proof in the file"
for i in 0 1; do
  # shellcheck disable=SC2086
  "$prove" $lookup3 --shard "$i/2" --json "$work/s$i.json" >/dev/null 2>&1 || fail "shard $i/2 failed"
done
by_hand=$("$prove" --combine "$work/s0.json" "$work/s1.json" 2>&1 | cert)
[ -n "$by_hand" ] && [ "$(echo "$out" | cert)" = "$by_hand" ] ||
  fail "--jobs 2 and the combined shards differ: '$(echo "$out" | cert)' vs '$by_hand'"

out=$("$prove" --target kref --scenario lookup3 --zoo relaxed_put_kref --jobs 3 2>&1); rc=$?
echo "$out" | tail -n 1
[ "$rc" -eq 4 ] || fail "--jobs 3 on relaxed_put_kref exited $rc"
echo "$out" | grep -q "^counterexample of shard [0-2]/3:" || fail "no shard's counterexample"
echo "$out" | grep -q "^replay: lastref-replay lastref-replay:v3:" || fail "no replay token"
echo "$out" | grep -q "^certificate: FAILED" || fail "the certificate does not say FAILED"
# A bounded search with a time budget (each shard's): complete within the bound.
out=$("$prove" --program kref_n --threads 3 --model sc --bound 1 --budget-seconds 60 --jobs 2 2>&1)
rc=$?
[ "$rc" -eq 3 ] || fail "--jobs 2 --bound 1 exited $rc"
echo "$out" | grep -q "^certificate: complete within bound 1: " || fail "--jobs 2 --bound 1: '$out'"
clean "--jobs 2 and 3"

for bad in "--shard 0/2:--shard" "--estimate:--estimate" "--strategy dfs:--strategy dpor" \
  "--budget-seconds 5:--bound" "--list:--list"; do
  # shellcheck disable=SC2086
  out=$("$prove" $lookup3 --jobs 2 ${bad%%:*} 2>&1); rc=$?
  [ "$rc" -eq 2 ] || fail "--jobs 2 ${bad%%:*} exited $rc"
  echo "$out" | grep -q -- "--jobs .*${bad#*:}" || fail "--jobs 2 ${bad%%:*}: '$out'"
  echo "$out" | grep -q "^subject:" && fail "--jobs 2 ${bad%%:*} ran something"
done
out=$("$prove" --jobs 2 --combine "$work/s0.json" "$work/s1.json" 2>&1); rc=$?
[ "$rc" -eq 2 ] && echo "$out" | grep -q -- "--jobs does not take --combine" ||
  fail "--jobs 2 --combine exited $rc: '$out'"

# A long search (the 3-waiter completion, minutes), its parent and shards.
alive() {
  s=$(ps -o stat= -p "$1" 2>/dev/null)
  [ -n "$s" ] && [ "${s#Z}" = "$s" ]
}
start() {
  "$prove" --target completion --scenario completion1x3 --model c11 --jobs 2 \
    --progress-seconds 0.1 >"$work/long.out" 2>&1 &
  parent=$!
  n=0
  kids=
  while [ "$n" -lt 100 ]; do
    kids=$(pgrep -P "$parent" | tr '\n' ' ')
    [ "$(echo "$kids" | wc -w)" -eq 2 ] && return 0
    sleep 0.05
    n=$((n + 1))
  done
  kill -KILL "$parent"
  fail "no 2 shard processes under $parent after 5 s"
}
gone() {  # gone WHAT PID...: each pid exits within 5 s
  what=$1
  shift
  for k in "$@"; do
    n=0
    while alive "$k"; do
      [ "$n" -lt 100 ] || { kill -KILL "$@" 2>/dev/null; fail "$what: shard pid $k still running"; }
      sleep 0.05
      n=$((n + 1))
    done
  done
}

start
sleep 0.4
grep -Eq "^lastref-prove shard [01]/2: [0-9]+ executions" "$work/long.out" ||
  fail "no progress line naming its shard: $(cat "$work/long.out")"
kill -TERM "$parent"
wait "$parent"
rc=$?
[ "$rc" -eq 143 ] || fail "SIGTERM to the parent: exit $rc, not 143"
# shellcheck disable=SC2086
gone "SIGTERM to the parent" $kids
clean "SIGTERM to the parent"
echo "SIGTERM to the parent: exit 143, shards $kids gone"

start
kill -KILL "$parent"
wait "$parent"
# shellcheck disable=SC2086
gone "SIGKILL to the parent" $kids
echo "SIGKILL to the parent: shards $kids gone"
rm -rf "${TMPDIR:?}"/*  # what a SIGKILLed parent cannot remove

start
victim=${kids%% *}
kill -KILL "$victim"
wait "$parent"
rc=$?
[ "$rc" -eq 3 ] || fail "a shard killed: exit $rc, not 3"
grep -q -- "--jobs: shard [01]/2 killed by signal 9.*the run is incomplete" "$work/long.out" ||
  fail "a shard killed: not named ($(cat "$work/long.out"))"
# shellcheck disable=SC2086
gone "a shard killed" $kids
clean "a shard killed"
grep "killed by signal" "$work/long.out"
echo "prove_jobs_test: ok"
