#!/bin/sh
# SPDX-License-Identifier: MIT
# token_replay_test.sh REPLAY FUZZER CRASH PROVE SCORECARD: a finding's replay token,
# taken from the tool's own output exactly as printed, replays the same
# failure with no other argument (issue 21: "replay tokens printed in
# reports are accepted by the replay tool's command line as printed").
#   1. the module_unload fuzz target on the reference-bug crash file
#      (LASTREF_ZOO=module_release_immediate): its "replay: lastref-replay
#      lastref-replay:v3:..." line;
#   2. lastref-prove on the lookup-table scenario with the relaxed_put_kref
#      zoo set: its counterexample's token;
#   3. lastref-scorecard trace of the get_from_zero_kref variant (dpor).
set -u
replay=$1 fuzzer=$2 crash=$3 prove=$4 scorecard=$5
fail() { echo "token_replay_test: $*" >&2; exit 1; }
out=$(LASTREF_ZOO=module_release_immediate LASTREF_SCHEDULES=1 "$fuzzer" "$crash" 2>&1)
token=$(printf '%s\n' "$out" | sed -n 's/^replay: lastref-replay \(lastref-replay:v3:[^ ]*\)$/\1/p' | head -n 1)
[ -n "$token" ] || { printf '%s\n' "$out" | tail -n 20; fail "the fuzz target printed no v3 token"; }
echo "fuzz target token: $token"
r=$("$replay" --quiet "$token" 2>&1); rc=$?
printf '%s\n' "$r" | tail -n 3
[ "$rc" -eq 1 ] || fail "replay of the fuzz token exited $rc, wanted 1"
printf '%s\n' "$r" | grep -q "verdict: FAIL unloaded_text: executing unloaded module text" ||
  fail "the fuzz token did not replay the finding"
out=$("$prove" --target kref --scenario lookup3 --zoo relaxed_put_kref 2>&1); rc=$?
[ "$rc" -eq 4 ] || fail "prove on relaxed_put_kref exited $rc, wanted 4"
token=$(printf '%s\n' "$out" | sed -n 's/^replay: lastref-replay \(lastref-replay:v3:[^ ]*\)$/\1/p')
[ -n "$token" ] || fail "lastref-prove printed no v3 token"
echo "prove token: $token"
r=$("$replay" --quiet "$token" 2>&1); rc=$?
printf '%s\n' "$r" | tail -n 3
[ "$rc" -eq 1 ] || fail "replay of the prove token exited $rc, wanted 1"
printf '%s\n' "$r" | grep -q "verdict: FAIL data_race" || fail "the prove token did not replay the race"
out=$("$scorecard" trace --variant get_from_zero_kref --detector dpor 2>&1)
token=$(printf '%s\n' "$out" | sed -n 's/^replay: lastref-replay \(lastref-replay:v3:[^ ]*\)$/\1/p' | head -n 1)
[ -n "$token" ] || { printf '%s\n' "$out" | tail -n 5; fail "the scorecard printed no v3 token"; }
echo "scorecard token: $token"
r=$("$replay" --quiet "$token" 2>&1); rc=$?
printf '%s\n' "$r" | tail -n 3
[ "$rc" -eq 1 ] || fail "replay of the scorecard token exited $rc, wanted 1"
printf '%s\n' "$r" | grep -q "verdict: FAIL data_race" || fail "the scorecard token did not replay the race"
# An old (v2) model token alone still says what to pass; a damaged v3 token is bad input.
r=$("$replay" "${token%%:v2:*}" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "a truncated v3 token exited $rc, wanted 2"
echo "token_replay_test: ok"
