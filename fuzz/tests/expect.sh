#!/bin/sh
# SPDX-License-Identifier: MIT
# expect.sh STATUS REGEX -- COMMAND...: run COMMAND, require its exit status
# to be STATUS and its combined output to match the extended regex REGEX.
status=$1 regex=$2
shift 3
out=$("$@" 2>&1)
got=$?
printf '%s\n' "$out" | tail -n 40
if [ "$got" -ne "$status" ]; then
  echo "expect.sh: exit status $got, wanted $status" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
  echo "expect.sh: output does not match /$regex/" >&2
  exit 1
fi
exit 0
