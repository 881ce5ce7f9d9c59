#!/bin/sh
# SPDX-License-Identifier: MIT
# expect_registration_error.sh TEXT -- COMPILER ARGS...: the compile of a
# generated registration check must fail with a static_assert whose message
# contains TEXT (the missing member, named).
text=$1
shift 2
out=$("$@" 2>&1)
status=$?
printf '%s\n' "$out" | grep -E "static assert|static_assert" | head -n 4
if [ "$status" -eq 0 ]; then
  echo "expect_registration_error.sh: it compiled; the registration check should reject it" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -E "static assert|static_assert" | grep -qF -- "$text"; then
  echo "expect_registration_error.sh: no static_assert names '$text'" >&2
  exit 1
fi
exit 0
