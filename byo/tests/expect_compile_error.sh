#!/bin/sh
# SPDX-License-Identifier: MIT
# expect_compile_error.sh CONCEPT OP -- COMPILER ARGS...: the compile must
# fail, and its diagnostics must name the concept and the missing operation.
concept=$1 op=$2
shift 3
out=$("$@" 2>&1)
status=$?
printf '%s\n' "$out" | grep -E "error|$concept|$op" | head -n 12
if [ "$status" -eq 0 ]; then
  echo "expect_compile_error.sh: it compiled; $concept should have rejected it" >&2
  exit 1
fi
for word in "$concept" "$op"; do
  if ! printf '%s\n' "$out" | grep -q -- "$word"; then
    echo "expect_compile_error.sh: the diagnostics do not mention $word" >&2
    exit 1
  fi
done
if printf '%s\n' "$out" | grep -q "non_copyable_primitive"; then
  echo "expect_compile_error.sh: rejected for copyability, not for $op" >&2
  exit 1
fi
exit 0
