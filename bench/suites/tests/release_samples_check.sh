#!/bin/sh
# SPDX-License-Identifier: MIT
# CTest: the release suite writes its samples file (--lastref_samples_out)
# and the file is what results/ expects (see release_samples.h): it parses,
# every cell has every key, buckets add up to the count, percentiles are
# ordered, probe cells and strategy cells are both there.
# usage: release_samples_check.sh BINARY PYTHON3 OUT.json
set -eu
bin=$1 py=$2 out=$3
rm -f "$out"
"$bin" --lastref_matrix=quick --lastref_samples=3 --lastref_cap_ms=60 --lastref_burst_us=500 \
  --benchmark_repetitions=1 --benchmark_filter='normal_(none|normal)' \
  --lastref_samples_out="$out" >/dev/null
"$py" - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "lastref-release-samples/1", d["schema"]
ctx = d["context"]
for k in ("contention_mode", "cpu_dma_latency_us", "sched_autogroup_enabled"):
    assert k in ctx, k
cells = d["cells"]
assert cells, "no cells"
keys = ("benchmark strategy releaser hogs k pinned metric count exposed "
        "p50_ns p90_ns p99_ns p999_ns max_ns buckets").split()
seen = set()
for c in cells:
    for k in keys:
        assert k in c, (k, c.get("benchmark"))
    assert c["strategy"] in ("builtin", "complete_and_exit", "module_put_and_exit",
                             "drain_residency", "unsafe_immediate", "probe"), c["strategy"]
    assert c["releaser"] in ("normal", "nice19", "sched_idle")
    assert c["hogs"] in ("none", "normal", "fifo")
    assert c["metric"] in ("put_to_teardown", "unload_to_gone", "timer_wakeup")
    assert (c["strategy"] == "probe") == (c["metric"] == "timer_wakeup")
    assert (c["exposed"] is None) == (c["strategy"] == "probe")
    if c["strategy"] == "probe":
        assert c["probe_at"] in ("releaser", "unloader")
    elif c["strategy"] != "unsafe_immediate":
        assert c["exposed"] == 0, ("a safe strategy was exposed", c["benchmark"])
    assert c["count"] > 0
    assert sum(n for _, n in c["buckets"]) == c["count"]
    ub = [u for u, _ in c["buckets"]]
    assert ub == sorted(ub)
    assert c["p50_ns"] <= c["p90_ns"] <= c["p99_ns"] <= c["p999_ns"] <= c["max_ns"]
    assert ub[-1] == c["max_ns"]
    seen.add((c["strategy"], c["metric"]))
for s in ("builtin", "complete_and_exit", "drain_residency", "unsafe_immediate"):
    for m in ("put_to_teardown", "unload_to_gone"):
        assert (s, m) in seen, (s, m)
assert ("probe", "timer_wakeup") in seen
print("samples file ok:", len(cells), "cells")
PY
