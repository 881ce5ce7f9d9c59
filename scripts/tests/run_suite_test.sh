#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests of the main job's front door (scripts/run_suite.sh) that need no
# build: option errors change nothing, results are never overwritten, and a
# missing dependency skips exactly the stages that need it, says which
# package to install, and still writes run.json and the report.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d /tmp/lastref-run-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {  # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
run() { "$root/lastref" run "$@" >"$tmp/out.txt" 2>&1; echo $?; }

# 1. Usage errors: exit 2, a message, no folder created.
check "unknown option exits 2" [ "$(run --frobnicate --out "$tmp/a")" = 2 ]
check "unknown option names itself" grep -q "unknown option '--frobnicate'" "$tmp/out.txt"
check "bad budget exits 2" [ "$(run --budget 3 --out "$tmp/a")" = 2 ]
check "unknown stage exits 2" [ "$(run --only fuzz,nope --out "$tmp/a")" = 2 ]
check "no folder after usage errors" [ ! -e "$tmp/a" ]
check "--help exits 0" [ "$(run --help)" = 0 ]
check "--help lists --only" grep -q -- "--only" "$tmp/out.txt"

# 2. Never overwrite: a non-empty --out is refused and left as it was.
mkdir -p "$tmp/full" && echo keep >"$tmp/full/file"
check "non-empty --out exits 2" [ "$(run --only fuzz --out "$tmp/full")" = 2 ]
check "non-empty --out untouched" [ "$(ls "$tmp/full")" = file ]
check "--only report on a missing folder exits 2" [ "$(run --only report --out "$tmp/nothing")" = 2 ]

# 3. A missing dependency: clang is "missing" and may not be installed, so
#    the fuzz build and the fuzz stage are skipped with the package named;
#    the report is still written; exit status 3 (a missing dependency).
export LASTREF_PRETEND_MISSING="clang-14" LASTREF_NO_INSTALL=1
check "missing clang exits 3" [ "$(run --quick --only fuzz,report --out "$tmp/skip")" = 3 ]
check "missing clang names the package" grep -q "missing Debian packages: clang-14" "$tmp/out.txt"
check "run.json records the skips" /usr/bin/python3 - "$tmp/skip/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st = {s["name"]: s for s in d["stages"]}
assert st["build:fuzz"]["status"] == "skipped" and "clang-14" in st["build:fuzz"]["reason"], st
assert st["fuzz"]["status"] == "skipped" and "fuzz build" in st["fuzz"]["reason"], st
assert st["report"]["status"] == "ok", st
assert d["schema"] == "lastref-run/1" and d["quick"] is True
PY
check "report written despite the skip" [ -s "$tmp/skip/report.md" ]
check "report shows the skipped stage" grep -q "clang-14" "$tmp/skip/report.md"
unset LASTREF_PRETEND_MISSING LASTREF_NO_INSTALL

# 4. --only report re-renders an existing folder in place.
rm -f "$tmp/skip/report.md"
check "--only report exits 0" [ "$(run --only report --out "$tmp/skip")" = 0 ]
check "--only report rewrote report.md" [ -s "$tmp/skip/report.md" ]

# 5. --include-bench: a user's benchmark JSON in the report (role byo). A
#    bad folder or file is a usage error before anything is made; a good one
#    is copied into the results folder and rendered.
user="$root/results/tests/fixtures/byo_user"
check "--include-bench of a missing folder exits 2" [ "$(run --include-bench "$tmp/nope" --out "$tmp/b")" = 2 ]
check "--include-bench names the folder" grep -q -- "--include-bench $tmp/nope" "$tmp/out.txt"
mkdir -p "$tmp/badjson" && echo '{"benchmarks": [{"x": 1}]}' >"$tmp/badjson/mine.json"
check "--include-bench of a bad file exits 2" [ "$(run --include-bench "$tmp/badjson" --out "$tmp/b")" = 2 ]
check "--include-bench names the bad file" grep -q "mine.json" "$tmp/out.txt"
check "no folder after --include-bench errors" [ ! -e "$tmp/b" ]
check "--include-bench with --only report exits 0" \
  [ "$(run --only report --out "$tmp/skip" --include-bench "$user")" = 0 ]
check "--include-bench copied the JSON" [ -s "$tmp/skip/byo_bench/my_kref_bench.json" ]
check "--include-bench rows in the report" grep -q "| my_kref_get_put | byo |" "$tmp/skip/report.md"

echo "$fails failure(s)"
[ "$fails" = 0 ]
