# SPDX-License-Identifier: MIT
"""Reading the report's inputs: Google Benchmark JSON, the release suite's samples,
scorecard records, the verdict and run.json. A malformed input raises InputError naming the file."""

import json
import os
import re
import statistics
import sys


# results/: the folder this package lives in (verdict.py, the default --results).
RESULTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# `byo`: a user's own implementation, in benchmark JSON given with
# --include-bench (include_bench.py copies it to RESULTS/byo_bench/).
ROLES = ("lastref", "baseline", "limit", "ref", "byo")
BYO_DIR = "byo_bench"


# Google Benchmark's own name suffixes, not part of our naming convention.
GB_SUFFIX = re.compile(r"^(threads|iterations|repeats|min_time|min_warmup_time):|^(real_time|manual_time|process_time)$")


TIME_SCALE_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


GB_KEYS = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
           "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit",
           "aggregate_name", "aggregate_unit", "label", "error_occurred", "error_message"}


class InputError(Exception):
    """A malformed input file; the message names it."""


def rel(path, base):
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return path


def load_json(path, shown):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise InputError(f"{shown}: malformed JSON: {e.msg} (line {e.lineno}, column {e.colno})") from e
    except UnicodeDecodeError as e:
        raise InputError(f"{shown}: not UTF-8 text: {e}") from e
    except OSError as e:
        raise InputError(f"{shown}: cannot read: {e.strerror}") from e


def split_name(run_name):
    """'g1/g2/role:impl/threads:2/real_time' -> ('g1/g2', 'role', 'impl', ['threads:2', 'real_time'])."""
    parts = run_name.split("/")
    extra = []
    while parts and GB_SUFFIX.search(parts[-1]):
        extra.insert(0, parts.pop())
    for i in range(len(parts) - 1, -1, -1):
        role, sep, impl = parts[i].partition(":")
        if sep and role in ROLES:
            group = "/".join(parts[:i]) or "(ungrouped)"
            impl = "/".join([impl] + parts[i + 1:])
            return group, role, impl, extra
    return "/".join(parts[:-1]) or "(ungrouped)", "other", parts[-1] if parts else run_name, extra


def numeric_counters(entry):
    out = {}
    for k, v in entry.items():
        if k in GB_KEYS or isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        out[k] = float(v)
    return out


def load_bench_file(path, shown, byo=False):
    """The rows of one Google Benchmark JSON file. byo: a user's file
    (--include-bench): its rows outside the baseline/limit/ref roles are the
    user's implementation (role byo), and their groups are named byo/<group>
    so that they never mix with lastref's."""
    data = load_json(path, shown)
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(f"{shown}: not Google Benchmark JSON output (no top-level 'benchmarks' list)")
    context = data.get("context") if isinstance(data.get("context"), dict) else {}
    runs = {}  # run_name -> {"median": entry or None, "iters": [entries], "errors": [...]}
    for i, e in enumerate(data["benchmarks"]):
        if not isinstance(e, dict) or not isinstance(e.get("name"), str):
            raise InputError(f"{shown}: benchmarks[{i}] has no 'name'")
        run_name = e.get("run_name", e["name"])
        slot = runs.setdefault(run_name, {"median": None, "mean": None, "iters": [], "error": None, "label": ""})
        if e.get("error_occurred"):
            slot["error"] = e.get("error_message", "error")
            continue
        if e.get("label"):
            slot["label"] = e["label"]
        if e.get("run_type") == "aggregate":
            if e.get("aggregate_name") in ("median", "mean"):
                slot[e["aggregate_name"]] = e
        else:
            if "real_time" not in e or "time_unit" not in e:
                raise InputError(f"{shown}: benchmarks[{i}] ({e['name']}) lacks real_time/time_unit")
            slot["iters"].append(e)
    results = []
    for run_name, slot in runs.items():
        group, role, impl, extra = split_name(run_name)
        if role == "other" and byo:  # a user's names: one group per file, rows are theirs
            group = os.path.splitext(os.path.basename(path))[0]
            impl = "/".join(p for p in run_name.split("/") if not GB_SUFFIX.search(p))
        elif role == "other":  # not <group>/<role>:<impl>: one table per file, no ratios
            group = os.path.splitext(os.path.basename(path))[0] + " (names outside the convention)"
            impl = "/".join(p for p in run_name.split("/") if not GB_SUFFIX.search(p))
        if byo:
            group = "byo/" + group
            if role in ("other", "lastref"):
                role = "byo"
        # Wall time where the benchmark asked for it (UseRealTime, manual
        # time: blocking and multi-threaded ones); otherwise the thread's CPU
        # time, which a shared, loaded machine does not inflate.
        clock = "real_time" if ("real_time" in extra or "manual_time" in extra) else "cpu_time"
        variant = "/".join(x for x in extra if x.startswith("threads:"))
        threads = next((int(x.split(":", 1)[1]) for x in extra
                        if x.startswith("threads:") and x.split(":", 1)[1].isdigit()), None)
        r = {"file": shown, "run_name": run_name, "group": group, "role": role, "impl": impl,
             "impl_base": impl, "threads": threads,
             "variant": variant, "label": slot["label"], "error": slot["error"], "clock": clock}
        src = slot["median"]
        if src is not None:
            r["reps"] = int(src.get("repetitions", 0) or 0)
            r["time_ns"] = float(src.get(clock, src["real_time"])) * TIME_SCALE_NS.get(src.get("time_unit", "ns"), 1.0)
            r["counters"] = numeric_counters(src)
            if slot["mean"] is not None:
                r["mean_counters"] = numeric_counters(slot["mean"])
        elif slot["iters"]:
            its = slot["iters"]
            r["reps"] = len(its)
            r["time_ns"] = statistics.median(
                float(e.get(clock, e["real_time"])) * TIME_SCALE_NS.get(e.get("time_unit", "ns"), 1.0) for e in its)
            keys = set().union(*(numeric_counters(e).keys() for e in its))
            r["counters"] = {k: statistics.median(numeric_counters(e).get(k, 0.0) for e in its) for k in keys}
            r["mean_counters"] = {k: statistics.fmean(numeric_counters(e).get(k, 0.0) for e in its) for k in keys}
        elif slot["error"] is None:
            continue
        if variant:  # e.g. threads:2 — keep it visible in the implementation name
            r["impl"] = f"{impl} ({variant})"
        results.append(r)
    return context, results


def is_latency(r):
    return "p50_us" in r.get("counters", {})


def metric_ns(r):
    """The figure a row is compared by: p50 latency for latency benchmarks,
    else wall time per iteration; both in ns."""
    if r.get("error"):
        return None
    if is_latency(r):
        return r["counters"]["p50_us"] * 1e3
    return r.get("time_ns")


SAMPLES_FILE = "release_latency_samples.json"


def samples_path(results_dir):
    for p in (os.path.join(results_dir, "bench", SAMPLES_FILE), os.path.join(results_dir, SAMPLES_FILE)):
        if os.path.exists(p):
            return p
    return None


def load_samples(path):
    """Validates the release-latency samples file (schema
    lastref-release-samples/1, bench/suites/release_latency.cc) and returns
    (context, cells)."""
    shown = rel(path, os.getcwd())
    data = load_json(path, shown)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise InputError(f"{shown}: not a release-latency samples file (expected an object with a 'cells' list)")
    schema = str(data.get("schema", ""))
    if schema and not schema.startswith("lastref-release-samples/"):
        raise InputError(f"{shown}: unknown schema {schema!r} (expected lastref-release-samples/1)")
    cells = []
    for i, c in enumerate(data["cells"]):
        if not isinstance(c, dict):
            raise InputError(f"{shown}: cells[{i}] is not an object")
        b = c.get("buckets")
        if not isinstance(b, list) or not all(
                isinstance(x, list) and len(x) == 2 and all(isinstance(y, (int, float)) and not isinstance(y, bool)
                                                             for y in x) for x in b):
            raise InputError(f"{shown}: cells[{i}].buckets must be a list of [upper_bound_ns, count] pairs")
        cells.append(c)
    ctx = data.get("context") if isinstance(data.get("context"), dict) else {}
    return ctx, cells


LIST_KEYS = ("records", "results", "rows", "entries", "scorecard", "targets", "harnesses", "variants",
             "detections", "cells", "data", "runs")


def records_of(data, shown):
    """Turns a scorecard into (records, metadata). Accepts, in this order:
    a list of objects; an object holding a list of objects (preferring the
    keys in LIST_KEYS); an object holding an object of objects keyed by name;
    an object of objects keyed by name. Keyed records get the key as 'name'
    (unless they carry one)."""
    def keyed(d):
        return [dict({"name": k}, **v) if "name" not in v else dict(v) for k, v in d.items()]

    def is_keyed_leaf(d):  # a record: mostly scalar fields
        return isinstance(d, dict) and sum(not isinstance(v, (dict, list)) for v in d.values()) >= len(d) / 2

    def is_keyed(d):
        return isinstance(d, dict) and d and all(isinstance(v, dict) for v in d.values())

    if isinstance(data, list):
        if not all(isinstance(x, dict) for x in data):
            raise InputError(f"{shown}: expected a list of objects (records)")
        return data, {}
    if not isinstance(data, dict):
        raise InputError(f"{shown}: expected a JSON object or a list of records, got {type(data).__name__}")
    lists = {k: v for k, v in data.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    key = next((k for k in LIST_KEYS if k in lists), None)
    if key is None and lists:
        key = max(lists, key=lambda k: len(lists[k]))
    if key is not None:
        return lists[key], {k: v for k, v in data.items() if k != key}
    nested = {k: v for k, v in data.items() if is_keyed(v) and all(is_keyed_leaf(x) for x in v.values())}
    key = next((k for k in LIST_KEYS if k in nested), None)
    if key is None and len(nested) == 1 and (len(data) == 1 or not is_keyed(data)):
        key = next(iter(nested))
    if key is not None:
        return keyed(nested[key]), {k: v for k, v in data.items() if k != key}
    if is_keyed(data):
        return keyed(data), {}
    empty = [k for k, v in data.items() if v == [] or v == {}]
    if empty:
        return [], {k: v for k, v in data.items() if k not in empty}
    raise InputError(f"{shown}: no list of records found (expected a list of objects, or an object holding one)")


VERDICT_INPUTS = ("run.json", "fuzz_campaign.json", "detection.json", "tsan.json", os.path.join("junit", "tsan-ctest.xml"))


def load_verdict(results_dir):
    """The folder's verdict (results/verdict.py): verdict.json when it is
    newer than every input it reads (it holds the replayed source lines),
    else computed here without replaying crash files."""
    # verdict.py sits in results/, the package's parent.
    sys.path.insert(0, RESULTS_DIR)
    import verdict as vmod
    path = os.path.join(results_dir, vmod.VERDICT_FILE)
    if os.path.exists(path):
        newest = max([os.path.getmtime(os.path.join(results_dir, f)) for f in VERDICT_INPUTS
                      if os.path.exists(os.path.join(results_dir, f))] or [0])
        if os.path.getmtime(path) >= newest:
            v = load_json(path, rel(path, os.getcwd()))
            if isinstance(v, dict) and v.get("schema") == vmod.SCHEMA:
                return v, vmod
    return vmod.compute(results_dir, do_replay=False), vmod


RUN_FILE = "run.json"


STAGE_STATUSES = ("ok", "failed", "skipped", "interrupted")


def load_run(results_dir):
    path = os.path.join(results_dir, RUN_FILE)
    if not os.path.exists(path):
        return None
    shown = rel(path, os.getcwd())
    run = load_json(path, shown)
    if not isinstance(run, dict):
        raise InputError(f"{shown}: expected a JSON object (schema lastref-run/1)")
    stages = run.get("stages", [])
    if not isinstance(stages, list):
        raise InputError(f"{shown}: 'stages' must be a list")
    for i, st in enumerate(stages):
        if not isinstance(st, dict) or not isinstance(st.get("name"), str):
            raise InputError(f"{shown}: stages[{i}] must be an object with a 'name'")
        if st.get("status") not in STAGE_STATUSES:
            raise InputError(f"{shown}: stages[{i}] ({st['name']}) has status {st.get('status')!r}; "
                             f"expected one of {', '.join(STAGE_STATUSES)}")
    return run
