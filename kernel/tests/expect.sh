#!/bin/sh
# SPDX-License-Identifier: MIT
# expect.sh REGEX [REGEX...] -- COMMAND...: runs COMMAND; passes when it
# exits 0 and its output (stdout + stderr) matches every REGEX (grep -E).
# With --fails first, COMMAND must exit non-zero instead (a crash included:
# a fuzzer's abort on a finding). The output is always shown.
set -u
want_fail=0
if [ "${1:-}" = "--fails" ]; then
  want_fail=1
  shift
fi
regexes=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  regexes="$regexes
$1"
  shift
done
if [ $# -lt 2 ]; then
  echo "usage: expect.sh REGEX... -- COMMAND..." >&2
  exit 2
fi
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $want_fail -eq 0 ] && [ $rc -ne 0 ]; then
  echo "expect.sh: '$*' exited with status $rc" >&2
  exit 1
fi
if [ $want_fail -eq 1 ] && [ $rc -eq 0 ]; then
  echo "expect.sh: '$*' exited with status 0, expected a failure" >&2
  exit 1
fi
printf '%s\n' "$regexes" | while IFS= read -r re; do
  [ -z "$re" ] && continue
  if ! printf '%s\n' "$out" | grep -Eq -- "$re"; then
    echo "expect.sh: output does not match '$re'" >&2
    exit 1
  fi
done
