#!/bin/sh
# SPDX-License-Identifier: MIT
# prove_shards_test.sh PROVE WORKDIR: the lookup-table proof (3 threads, c11)
# split into 3 shards, each a complete shard (exit 0, "shard complete"), whose
# certificates combine into the proof (exit 0); two of three are not a proof
# (exit 3), a malformed certificate is bad input (exit 2), and the shards of
# two different searches do not combine (exit 2).
set -u
prove=$1 work=$2
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "prove_shards_test: $*" >&2; exit 1; }
for i in 0 1 2; do
  out=$("$prove" --target kref --scenario lookup3 --model c11 --shard "$i/3" --json "$work/s$i.json" 2>&1)
  rc=$?
  echo "$out" | tail -n 1
  [ "$rc" -eq 0 ] || fail "shard $i/3 exited $rc"
  echo "$out" | grep -q "shard complete: every schedule of shard $i/3" || fail "shard $i/3 not complete"
done
out=$("$prove" --combine "$work/s0.json" "$work/s1.json" "$work/s2.json" 2>&1); rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "combine of 3/3 exited $rc"
echo "$out" | grep -q "certificate: complete: every schedule explored" || fail "combine: no proof"
out=$("$prove" --combine "$work/s0.json" "$work/s2.json" 2>&1); rc=$?
[ "$rc" -eq 3 ] || fail "combine of 2/3 exited $rc"
echo "$out" | grep -q "shard 1/3 missing" || fail "combine of 2/3 does not name the missing shard"
printf '{"strategy":"dpor"}\n' > "$work/bad.json"
out=$("$prove" --combine "$work/s0.json" "$work/bad.json" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "malformed certificate exited $rc"
echo "$out" | grep -q "bad.json" || fail "malformed certificate not named"
"$prove" --program counter_n --threads 3 --shard 1/3 --json "$work/other.json" >/dev/null 2>&1 ||
  fail "counter_n shard failed"
out=$("$prove" --combine "$work/s0.json" "$work/other.json" "$work/s2.json" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "certificates of two searches exited $rc"
echo "$out" | grep -q "different searches" || fail "mixed searches not reported"
for i in 0 1; do
  out=$("$prove" --program kref_n --threads 3 --model sc --bound 1 --shard "$i/2" --json "$work/b$i.json" 2>&1)
  rc=$?
  echo "$out" | tail -n 1
  [ "$rc" -eq 3 ] || fail "bounded shard $i/2 exited $rc"
  echo "$out" | grep -q "shard complete within bound 1: every schedule with at most 1 preemptions of shard $i/2" ||
    fail "bounded shard $i/2 not complete within the bound"
done
out=$("$prove" --combine "$work/b0.json" "$work/b1.json" 2>&1); rc=$?
echo "$out"
[ "$rc" -eq 3 ] || fail "combine of bounded shards exited $rc"
echo "$out" | grep -q "certificate: complete within bound 1: " || fail "bounded shards: not complete within bound 1"
out=$("$prove" --combine "$work/b0.json" "$work/s1.json" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "a bounded and an unbounded shard exited $rc"
echo "prove_shards_test: ok"
