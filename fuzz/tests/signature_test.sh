#!/bin/sh
# SPDX-License-Identifier: MIT
# CTest fuzz_distinct_signatures: two different zoo bugs abort through
# different top frames, so stack-based crash deduplication (ClusterFuzz,
# ClusterFuzzLite, OSS-Fuzz) files them as two bugs.
#
#   signature_test.sh FUZZER_A ZOO_A INPUT_A FUZZER_B ZOO_B INPUT_B
#
# (an INPUT that is a directory means its first file, by name)
# Runs each libFuzzer binary on its crash input (LASTREF_ZOO=ZOO) and takes
# from the symbolized stack the first frame below abort() — the frame crash
# deduplication keys on first, sanitizer / libFuzzer / libc frames being
# skipped. Both must be lastref_violation_<kind>_in_<primitive> frames, named
# like the "signature:" line the target printed, and they must differ.
set -u
# As the launchers do (fuzz/README.md, "Where a found run's time goes"): the
# frames it reads are lastref's and abort's, named without libc's debug info.
LLVM_SYMBOLIZER_OPTS="${LLVM_SYMBOLIZER_OPTS---debug-file-directory=/dev/null}"
export LLVM_SYMBOLIZER_OPTS
top_frame() {  # top_frame FUZZER ZOO INPUT -> prints the frame's function
  input=$3
  [ -d "$input" ] && input=$(find "$input" -maxdepth 1 -type f | sort | head -n 1)
  out=$(LASTREF_ZOO=$2 ASAN_OPTIONS=symbolize=1 "$1" "$input" 2>&1)
  printf '%s\n' "$out" | awk '
    / in abort / || / in __GI_abort/ { seen = 1; next }
    seen && /^ *#[0-9]+ / { for (i = 1; i < NF; i++) if ($i == "in") { print $(i + 1); exit } }'
  printf '%s\n' "$out" | sed -n 's/^signature: \([a-z_]*\).*/\1/p' >&2
}
fa=$(top_frame "$1" "$2" "$3" 2>"${TMPDIR:-/tmp}/sig_a.$$") sa=$(cat "${TMPDIR:-/tmp}/sig_a.$$")
fb=$(top_frame "$4" "$5" "$6" 2>"${TMPDIR:-/tmp}/sig_b.$$") sb=$(cat "${TMPDIR:-/tmp}/sig_b.$$")
rm -f "${TMPDIR:-/tmp}/sig_a.$$" "${TMPDIR:-/tmp}/sig_b.$$"
echo "$2: top frame '$fa' (target printed signature '$sa')"
echo "$5: top frame '$fb' (target printed signature '$sb')"
case "$fa" in lastref_violation_*) ;; *) echo "FAIL: $2 does not abort through a lastref_violation_ frame" >&2; exit 1;; esac
case "$fb" in lastref_violation_*) ;; *) echo "FAIL: $5 does not abort through a lastref_violation_ frame" >&2; exit 1;; esac
[ "$fa" = "$sa" ] || { echo "FAIL: $2: frame $fa but the report says $sa" >&2; exit 1; }
[ "$fb" = "$sb" ] || { echo "FAIL: $5: frame $fb but the report says $sb" >&2; exit 1; }
[ "$fa" != "$fb" ] || { echo "FAIL: both bugs share the top frame $fa" >&2; exit 1; }
echo "distinct top frames"
