#!/bin/sh
# SPDX-License-Identifier: MIT
# CTest fuzz_regressions: every crash a campaign ever found stays a test.
#
#   regressions_test.sh REPLAY DIR
#
# DIR/<target>/<set>/<file> (fuzz/campaign.sh writes them; <set> is a zoo
# name or "correct"):
#   - zoo set:   lastref-replay --zoo <set> must still FAIL (exit 1): the
#                detector keeps finding that bug; and without --zoo (the
#                correct primitives) the same input must PASS (exit 0);
#   - "correct": a crash on the default implementations was a real bug: the
#                input must PASS now (the fix holds).
# Files directly in DIR are older single regressions with their own tests.
# Exit 1 on any mismatch, listing each; exit 1 when DIR holds no input at all.
set -u
replay=$1 dir=$2
n=0 bad=0
for f in "$dir"/*/*/*; do
  [ -f "$f" ] || continue
  set_dir=$(dirname "$f") target=$(basename "$(dirname "$set_dir")") set=$(basename "$set_dir")
  n=$((n + 1))
  if [ "$set" != correct ]; then
    "$replay" --pad --quiet --target "$target" --zoo "$set" "$f" >/dev/null 2>&1
    s=$?
    if [ $s -ne 1 ]; then
      echo "FAIL $f: $set no longer detected (lastref-replay exit $s, want 1)"; bad=$((bad + 1)); continue
    fi
  fi
  "$replay" --pad --quiet --target "$target" "$f" >/dev/null 2>&1
  s=$?
  if [ $s -ne 0 ]; then
    echo "FAIL $f: the correct primitives fail on it (lastref-replay exit $s, want 0)"; bad=$((bad + 1)); continue
  fi
  echo "ok   $f"
done
if [ $n -eq 0 ]; then echo "regressions_test.sh: no regression inputs under $dir" >&2; exit 1; fi
echo "regressions_test.sh: $n inputs, $bad failing"
[ $bad -eq 0 ]
