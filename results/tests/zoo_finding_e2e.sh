#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End to end: `./lastref run` fails on a finding. Runs the main job's fuzz
# stage with a bug-zoo variant forced into the campaign (--zoo; the reference
# bug module_release_immediate, found in well under a second) at a 30 s
# budget and expects exit status 4, a verdict.json that says "findings" and
# a findings.sarif whose result points at the primitive's source line.
# The silent side (a clean folder passes) is test_verdict.py's; a correct
# `./lastref run --quick` exiting 0 is the quick-run test's.
# usage: zoo_finding_e2e.sh BUILD_DIR   (the fuzz preset's build directory)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:?usage: zoo_finding_e2e.sh BUILD_DIR}" && pwd)
if [ "$build" != "$root/build/fuzz" ]; then
  echo "SKIP: the main job builds and runs build/fuzz; this build is $build"
  exit 77
fi
tmp=$(mktemp -d /tmp/lastref-zoo-e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0
"$root/scripts/run_suite.sh" --only fuzz --zoo module_release_immediate --budget 30 --out "$tmp/results" \
  >"$tmp/log" 2>&1 || rc=$?
fail() { echo "FAIL: $*"; tail -40 "$tmp/log"; exit 1; }
[ "$rc" = 4 ] || fail "exit status $rc, expected 4 (a finding)"
/usr/bin/python3 - "$tmp/results" <<'PY' || fail "verdict.json / findings.sarif"
import json, sys
d = sys.argv[1]
v = json.load(open(f"{d}/verdict.json"))
assert v["verdict"] == "findings" and v["exit_status"] == 4, v["verdict"]
assert all("module_release_immediate" in f["implementation"] for f in v["findings"])
s = json.load(open(f"{d}/findings.sarif"))
res = s["runs"][0]["results"]
assert s["version"] == "2.1.0" and res, "no SARIF result"
uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in res}
assert any(u.startswith("primitives/") for u in uris), uris
assert all("--zoo module_release_immediate" in r["properties"]["replay"] for r in res)
print(f"ok: {len(res)} findings, at {sorted(uris)}")
PY
echo "PASS: ./lastref run exits 4 on a forced zoo variant"
