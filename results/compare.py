#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lastref regression check: compares two results folders (./lastref run
output, or results/ itself) benchmark by benchmark and zoo variant by zoo
variant, and says whether NEW regressed against OLD.

Benchmarks (DIR/bench/*.json, Google Benchmark JSON with every repetition,
as bench/run_bench.sh writes it): matched by name (Google Benchmark's
iterations:/repeats:/min_time: suffixes ignored, so a --quick run matches a
full one). Per benchmark and metric (the clock the report uses: cpu_time, or
real_time for /real_time and /manual_time benchmarks; the latency counters
p50_us, p90_us, p99_us when present), the change of the medians over the
repetitions and a two-sided Mann-Whitney U test over the repetitions (the
approach of Google Benchmark's tools/compare.py). The *gating* metric of a
benchmark is the one the report shows: p50_us for latency benchmarks, else
the clock; only lastref's own benchmarks (role `lastref:`, and names outside
the <group>/<role>:<impl> convention such as the model benchmarks) gate the
exit status: baselines, limits and references measure the machine and the
toolchain, and are shown as context (--gate-all makes them gate too).
A user's benchmarks (DIR/byo_bench/*.json, what `./lastref run
--include-bench` copied there) are compared as byo/<name>; their rows gate
as lastref's (role byo), on the ratio to their own group's limit: row when
they name one.

Gating across machines (--gate ratio, the default): a lastref row is judged
on its ratio to what the same run measured beside it: the per-repetition
paired ratio (counter x_paired_limit) when the harness records one, else the
group's limit (or ref) row at the same thread count (or the row the suite
declares for the group: the release cells' timer-wakeup reference). A slower or faster
machine moves both, so the ratio stays; the absolute change is printed as
context. A row with no such reference is judged on its absolute change, and
that gates only when the two runs' machine fingerprints (run.json, Google
Benchmark's context) agree. Both fingerprints are printed, with the keys
that differ. --gate absolute restores the plain change of the median.
A change is significant when p < alpha; with so few repetitions
that no outcome could reach alpha, it says "not enough repetitions" instead
of claiming anything.

Detection (DIR/detection.json, fuzz/scorecard/scorecard.py): per zoo
variant x detector, found seeds and median executions to detection; per
detector on the correct implementations, reports (false positives).

Exit status: 1 when NEW has a significant regression beyond the threshold in
the gating metric of a gating benchmark, such a benchmark erroring in NEW
but not in OLD, a zoo bug that OLD's detector found and NEW's no longer
finds, a new false positive on a correct implementation, or a benchmark,
benchmark file, detection.json or zoo cell of OLD missing in NEW (a run
whose benchmarks crashed is not "no regression"; --allow-missing accepts
it); 0 otherwise; 2 on bad input: a missing, unreadable or malformed file
or one with a value of the wrong type, named in the message (nothing is
written then, not even partial output; --json writes to a temporary name
in the same folder and renames it into place).

Repetitions measure the noise *within* one run; runs at different times on
a shared machine also drift between them. Compare runs of the same budget
(not a --quick run against a full one) on an otherwise idle machine.

usage: compare.py OLD_DIR NEW_DIR [--threshold PCT] [--alpha A] [--json OUT]
                  [--all] [--gate-all] [--gate ratio|absolute] [--allow-missing]
"""

import argparse
import glob
import importlib.util
import json
import math
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lastref_report.inputs import BYO_DIR, InputError, TIME_SCALE_NS, load_json  # noqa: E402
from lastref_report.naming import fmt_ns  # noqa: E402
from lastref_report.notes import group_basis  # noqa: E402
from lastref_report.render import write_atomic  # noqa: E402

# Google Benchmark name parts that depend on the run's budget, not on what
# is measured.
RUN_SUFFIX = re.compile(r"^(iterations|repeats|min_time|min_warmup_time):")
LATENCY_COUNTERS = ("p50_us", "p90_us", "p99_us")
# Per-repetition ratio to the limit measured in the same repetition
# (bench/suites harness counter): the best gate when present.
PAIRED = "x_paired_limit"
ROLE = re.compile(r"(?:^|/)(lastref|baseline|limit|ref|byo):")
# A user's benchmark JSON (./lastref run --include-bench): RESULTS/byo_bench/
# *.json, compared under names byo/<run name>.
BYO_PREFIX = "byo/"


def role_of(name):
    """lastref | baseline | limit | ref | byo per the naming convention; names
    outside it (the model benchmarks) measure lastref's own code. A user's
    rows (--include-bench: RESULTS/byo_bench/, named byo/...) are byo unless
    they name themselves baseline, limit or ref."""
    m = ROLE.search(name)
    role = m.group(1) if m else "lastref"
    if name.startswith(BYO_PREFIX) and role == "lastref":
        return "byo"
    return role


def own(name):
    """Whether a row is code under test (lastref's or a user's), which gates by default."""
    return role_of(name) in ("lastref", "byo")
SKIP_BENCH_FILES = ("release_latency_samples.json",)


def rel(path):
    try:
        r = os.path.relpath(path)
        return path if r.startswith("../..") else r
    except ValueError:
        return path


def norm_name(run_name):
    """The run name without budget-dependent parts, and a row renamed since
    (a suite's [[bases]] `was`, e.g. limit:timer_wakeup_unloader, now
    ref:timer_wakeup_unloader) under its current name, so runs made before
    the rename still compare."""
    parts = [p for p in run_name.split("/") if not RUN_SUFFIX.search(p)]
    for i, p in enumerate(parts):
        if ROLE.search("/" + p):
            b = group_basis("/".join(parts[:i]))
            if p in b["was"]:
                parts[i] = b["row"]
            break
    return "/".join(parts)


def role_part(name):
    """The `role:impl` part of a benchmark name, or None."""
    return next((p for p in name.split("/") if ROLE.search("/" + p)), None)


def num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# --------------------------------------------------------------------------- benchmarks

def load_bench_dir(d):
    """{name: {"clock", "samples": {metric: [values]}, "medians": {metric: v},
    "error": str|None, "file"}} from DIR/bench/*.json (or DIR/*.json when
    DIR has no bench/ folder)."""
    bdir = os.path.join(d, "bench")
    if not os.path.isdir(bdir):
        bdir = d
    files = sorted(f for f in glob.glob(os.path.join(bdir, "*.json"))
                   if not os.path.basename(f).startswith("_")
                   and os.path.basename(f) not in SKIP_BENCH_FILES
                   and (bdir != d or os.path.basename(f) not in ("detection.json", "tsan.json",
                                                                 "fuzz_campaign.json", "run.json")))
    byo = sorted(glob.glob(os.path.join(d, BYO_DIR, "*.json")))
    files += byo
    out = {}
    for path in files:
        prefix = BYO_PREFIX if path in byo else ""
        shown = rel(path)
        try:
            data = load_json(path, shown)
            if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
                raise InputError(f"{shown}: not Google Benchmark JSON output (no top-level 'benchmarks' list)")
            for i, e in enumerate(data["benchmarks"]):
                if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                    raise InputError(f"{shown}: benchmarks[{i}] has no 'name'")
                run_name = e.get("run_name", e["name"])
                if not isinstance(run_name, str):
                    raise InputError(f"{shown}: benchmarks[{i}] has a non-string 'run_name'")
                name = prefix + norm_name(run_name)
                parts = run_name.split("/")
                clock = "real_time" if ("real_time" in parts or "manual_time" in parts) else "cpu_time"
                b = out.setdefault(name, {"clock": clock, "samples": {}, "medians": {}, "error": None, "file": shown})
                if e.get("error_occurred"):
                    b["error"] = str(e.get("error_message", "error"))
                    continue
                is_agg = e.get("run_type") == "aggregate"
                if is_agg and e.get("aggregate_name") != "median":
                    continue
                unit = e.get("time_unit", "ns")
                if not isinstance(unit, str) or unit not in TIME_SCALE_NS:
                    raise InputError(f"{shown}: benchmarks[{i}] ({e['name']}) has unknown time_unit {unit!r}")
                vals = {}
                for m in ("real_time", "cpu_time"):
                    v = num(e.get(m))
                    if v is None:
                        raise InputError(f"{shown}: benchmarks[{i}] ({e['name']}) lacks a numeric {m}")
                    vals[m] = v * TIME_SCALE_NS[unit]
                for m in LATENCY_COUNTERS:
                    if num(e.get(m)) is not None:
                        vals[m] = num(e[m]) * 1e3  # µs -> ns, like the times
                if num(e.get(PAIRED)) is not None:
                    vals[PAIRED] = num(e[PAIRED])
                if is_agg:
                    b["medians"].update(vals)
                else:
                    for m, v in vals.items():
                        b["samples"].setdefault(m, []).append(v)
        except (TypeError, ValueError, AttributeError, KeyError) as e:
            raise InputError(f"{shown}: a value of the wrong type ({type(e).__name__}: {e})") from e
    return out, files


def gating_metric(b):
    have = set(b["samples"]) | set(b["medians"])
    return "p50_us" if "p50_us" in have else b["clock"]


def median_of(b, m):
    if b["samples"].get(m):
        return statistics.median(b["samples"][m])
    return b["medians"].get(m)


def min_two_sided_p(n1, n2):
    """The smallest two-sided p-value an exact Mann-Whitney U test can give
    with these sample sizes (all of one sample below all of the other)."""
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


def mwu(old, new):
    from scipy.stats import mannwhitneyu
    if len(set(old) | set(new)) == 1:
        return 1.0  # identical samples: no evidence of any change
    return float(mannwhitneyu(old, new, alternative="two-sided").pvalue)


REF_PREFERENCE = ("limit", "ref")


def ref_key(name):
    """(group, thread count) of a benchmark name: the row it is compared
    with in the same run shares both."""
    parts = name.split("/")
    group = [p for p in parts if not ROLE.search("/" + p)]
    i = next((k for k, p in enumerate(parts) if ROLE.search("/" + p)), len(parts))
    threads = next((p for p in parts if p.startswith("threads:")), None)
    return ("/".join(group[:i]), threads)


def same_run_reference(bench, name):
    """The name of the row a lastref benchmark is measured against in its own
    run: the row its suite declares for the group (a [[bases]] entry of
    bench/**/*.suite.toml, e.g. the release cells' timer-wakeup reference),
    else the group's limit at the same thread count, else its reference;
    None when the suite declares the group `gate = "absolute"` (its reference
    is lastref's own code: the rows gate on their absolute change)."""
    key = ref_key(name)
    basis = group_basis(key[0])
    if basis.get("gate") == "absolute":
        return None  # the suite says: the reference is lastref's own code
    declared = basis["row"]
    if declared:
        cands = sorted(n for n in bench if role_part(n) == declared and ref_key(n) == key and not bench[n]["error"])
        if cands:
            return cands[0]
    for role in REF_PREFERENCE:
        cands = sorted(n for n in bench if role_of(n) == role and ref_key(n) == key and not bench[n]["error"])
        if cands:
            return cands[0]
    return None


def ratio_samples(me, ref, m):
    """Each repetition of a lastref row over the median of its same-run
    reference for metric m. Not paired by repetition index: Google Benchmark
    runs a benchmark's repetitions back to back, so repetition i of two rows
    are not simultaneous and pairing them would only add the reference's
    noise (the harness's x_paired_limit counter is the truly paired ratio)."""
    mine = me["samples"].get(m, [])
    rm = median_of(ref, m) if ref is not None else None
    return [a / rm for a in mine] if rm else []


def judge(row, so, sn, change, alpha, threshold, gating, gates):
    """Fills row's p and verdict from two sample lists and the change of
    their medians."""
    beyond = abs(change) > threshold
    if len(so) < 2 or len(sn) < 2:
        row["verdict"] = "not enough repetitions" + (" (aggregates only)" if not so or not sn else "")
    elif min_two_sided_p(len(so), len(sn)) > alpha:
        row["p"] = mwu(so, sn)
        row["verdict"] = (f"not enough repetitions ({len(so)} vs {len(sn)}: "
                          f"p >= {min_two_sided_p(len(so), len(sn)):.2g} > alpha)")
    else:
        row["p"] = p = mwu(so, sn)
        if p >= alpha:
            row["verdict"] = "no significant change"
        elif not beyond:
            row["verdict"] = "significant, within threshold"
        else:
            row["verdict"] = "REGRESSION" if change > 0 else "improvement"
            row["regression"] = change > 0 and gating and gates
            if change > 0 and gating and not gates:
                row["verdict"] += f" ({row['role']}: context, not gating)"


def compare_bench(old, new, threshold, alpha, gate_all=False, gate="ratio", allow_missing=False,
                  machines_differ=False):
    """Rows of the benchmark comparison. With gate="ratio" a lastref row is
    judged on its ratio to the same run's limit (the paired per-repetition
    ratio when the harness recorded one, else the group's limit or reference
    at the same thread count, measured in the same run): a slower or faster
    machine moves both and the ratio stays. The absolute change is context.
    Rows without such a reference fall back to the absolute change, which
    gates only when both runs are from the same machine (machines_differ
    False: fingerprints equal or not recorded)."""
    rows = []
    for name in sorted(set(old) | set(new)):
        o, n = old.get(name), new.get(name)
        gates = gate_all or own(name)
        if o is None or n is None:
            missing = n is None
            rows.append({"benchmark": name, "metric": None, "gating": True,
                         "verdict": "only in NEW" if o is None else "MISSING in NEW",
                         "regression": missing and not allow_missing})
            if missing and allow_missing:
                rows[-1]["verdict"] += " (allowed: --allow-missing)"
            continue
        if n["error"] or o["error"]:
            verdict = ("ERROR in both" if (n["error"] and o["error"]) else
                       "ERROR in NEW" if n["error"] else "fixed (ERROR in OLD)")
            rows.append({"benchmark": name, "metric": None, "gating": True, "verdict": verdict,
                         "error": n["error"] or o["error"], "regression": verdict == "ERROR in NEW" and gates})
            continue
        gm = gating_metric(n)
        metrics = [m for m in ("real_time", "cpu_time") + LATENCY_COUNTERS
                   if median_of(o, m) is not None and median_of(n, m) is not None]
        ref_o = same_run_reference(old, name) if gate == "ratio" and own(name) else None
        ref_n = same_run_reference(new, name) if ref_o else None
        paired = (gate == "ratio" and own(name) and o["samples"].get(PAIRED)
                  and n["samples"].get(PAIRED))
        for m in metrics:
            mo, mn = median_of(o, m), median_of(n, m)
            so, sn = o["samples"].get(m, []), n["samples"].get(m, [])
            change = (mn / mo - 1.0) if mo > 0 else (0.0 if mn == mo else math.inf)
            row = {"benchmark": name, "role": role_of(name), "metric": m, "gating": m == gm, "old_median_ns": mo,
                   "new_median_ns": mn, "abs_change": change, "change": change, "old_n": len(so),
                   "new_n": len(sn), "p": None, "basis": "absolute"}
            ro = rn = None
            if m == gm and paired and m == n["clock"]:
                ro, rn, row["basis"] = o["samples"][PAIRED], n["samples"][PAIRED], "paired ratio to limit"
            elif m == gm and ref_o and ref_o == ref_n:
                ro = ratio_samples(o, old[ref_o], m)
                rn = ratio_samples(n, new[ref_n], m)
                row["basis"] = "ratio to " + role_part(ref_o)
                row["reference"] = ref_o
            if ro and rn:
                row["old_ratio"], row["new_ratio"] = statistics.median(ro), statistics.median(rn)
                row["change"] = row["new_ratio"] / row["old_ratio"] - 1.0 if row["old_ratio"] > 0 else math.inf
                row["old_n"], row["new_n"] = len(ro), len(rn)
                judge(row, ro, rn, row["change"], alpha, threshold, m == gm, gates)
            else:
                unpinned = False
                if m == gm and gate == "ratio" and own(name):
                    row["basis"] = ("absolute (the suite's reference is lastref's own code)"
                                    if group_basis(ref_key(name)[0]).get("gate") == "absolute"
                                    else "absolute (no same-run limit or reference)")
                    # Across machines an absolute change says nothing about lastref.
                    unpinned = machines_differ
                judge(row, so, sn, change, alpha, threshold, m == gm, gates and not unpinned)
                if unpinned and row["verdict"].startswith("REGRESSION"):
                    row["verdict"] = "REGRESSION (machines differ, no same-run reference: context, not gating)"
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- detection

def load_detection(d):
    path = os.path.join(d, "detection.json")
    if not os.path.exists(path):
        return None
    shown = rel(path)
    data = load_json(path, shown)
    try:
        return detection_cells(data, shown)
    except (TypeError, ValueError, AttributeError, KeyError) as e:
        raise InputError(f"{shown}: a value of the wrong type ({type(e).__name__}: {e})") from e


def detection_cells(data, shown):
    if not isinstance(data, dict) or not isinstance(data.get("variants"), list):
        raise InputError(f"{shown}: not a detection scorecard (expected an object with a 'variants' list, "
                         "fuzz/scorecard/scorecard.py)")
    cells = {}
    for i, v in enumerate(data["variants"]):
        if not isinstance(v, dict) or not isinstance(v.get("name"), str) or not isinstance(v.get("results"), dict):
            raise InputError(f"{shown}: variants[{i}] lacks a 'name' or a 'results' object")
        for det, r in v["results"].items():
            if not isinstance(r, dict):
                raise InputError(f"{shown}: variants[{i}].results.{det} is not an object")
            status = str(r.get("status", "")).lower()
            fs, sd = r.get("found_seeds"), r.get("seeds")
            for k in ("found_seeds", "seeds"):
                if r.get(k) is not None and (not isinstance(r[k], int) or isinstance(r[k], bool)):
                    raise InputError(f"{shown}: variants[{i}].results.{det}.{k} must be an integer, "
                                     f"not {type(r[k]).__name__}")
            if r.get("runs") is not None and not isinstance(r["runs"], list):
                raise InputError(f"{shown}: variants[{i}].results.{det}.runs must be a list")
            if status in ("n/a", "na", "not_applicable", "skipped"):
                continue
            if not (isinstance(fs, int) and isinstance(sd, int)):
                fs = 1 if status in ("found", "detected") else 0
                sd = 1
            runs = r.get("runs") if isinstance(r.get("runs"), list) else []
            execs = [float(x["executions"]) for x in runs
                     if isinstance(x, dict) and x.get("found") and num(x.get("executions")) is not None]
            cells[(v["name"], det)] = {"found_seeds": fs, "seeds": sd,
                                       "median_executions": num(r.get("median_executions")),
                                       "median_seconds": num(r.get("median_seconds")), "executions": execs}
    correct = {}
    if not isinstance(data.get("correct") or [], list):
        raise InputError(f"{shown}: 'correct' must be a list")
    for i, c in enumerate(data.get("correct") or []):
        if not isinstance(c, dict):
            raise InputError(f"{shown}: correct[{i}] is not an object")
        key = (str(c.get("detector")), str(c.get("implementation", "correct")))
        correct[key] = int(num(c.get("reports")) or 0)
    return {"cells": cells, "correct": correct, "mode": data.get("mode")}


def compare_detection(old, new, threshold, alpha, allow_missing=False):
    rows = []

    def missing(row, o):
        """A cell OLD ran and NEW did not is a failure (a crashed or cut
        scorecard must not compare as "no regression") unless allowed."""
        if o is None:
            row["verdict"] = "only in NEW"
        elif allow_missing:
            row["verdict"] = "MISSING in NEW (allowed: --allow-missing)"
        else:
            row["verdict"], row["regression"] = "MISSING in NEW", True

    for key in sorted(set(old["cells"]) | set(new["cells"])):
        o, n = old["cells"].get(key), new["cells"].get(key)
        row = {"variant": key[0], "detector": key[1],
               "old": f"{o['found_seeds']}/{o['seeds']}" if o else None,
               "new": f"{n['found_seeds']}/{n['seeds']}" if n else None}
        if o is None or n is None:
            missing(row, o)
            rows.append(row)
            continue
        row["old_median_executions"] = o["median_executions"]
        row["new_median_executions"] = n["median_executions"]
        fo = o["found_seeds"] / o["seeds"] if o["seeds"] else 0.0
        fn = n["found_seeds"] / n["seeds"] if n["seeds"] else 0.0
        if o["found_seeds"] > 0 and n["found_seeds"] == 0:
            row["verdict"], row["regression"] = "LOST: no longer found", True
        elif o["found_seeds"] == 0 and n["found_seeds"] > 0:
            row["verdict"] = "gained: now found"
        elif fn < fo:
            row["verdict"] = "found on fewer seeds"
        elif fn > fo:
            row["verdict"] = "found on more seeds"
        else:
            row["verdict"] = "unchanged"
        me_o, me_n = o["median_executions"], n["median_executions"]
        if me_o and me_n and n["found_seeds"] and o["found_seeds"]:
            change = me_n / me_o - 1.0
            row["executions_change"] = change
            if abs(change) > threshold:
                eo, en = o["executions"], n["executions"]
                note = "slower to find" if change > 0 else "faster to find"
                if len(eo) >= 2 and len(en) >= 2 and min_two_sided_p(len(eo), len(en)) <= alpha:
                    row["p"] = p = mwu(eo, en)
                    note += f" (p={p:.2g}" + (")" if p < alpha else ", not significant)")
                else:
                    note += " (too few seeds for a test)"
                if row["verdict"] == "unchanged":
                    row["verdict"] = note
                else:
                    row["verdict"] += "; " + note
        rows.append(row)
    for key in sorted(set(old["correct"]) | set(new["correct"])):
        o, n = old["correct"].get(key), new["correct"].get(key)
        row = {"variant": f"correct: {key[1]}", "detector": key[0],
               "old": None if o is None else f"{o} reports", "new": None if n is None else f"{n} reports"}
        if o is None or n is None:
            missing(row, o)
        elif n > 0 and o == 0:
            row["verdict"], row["regression"] = "FALSE POSITIVE: a correct implementation is reported", True
        elif n == 0 and o > 0:
            row["verdict"] = "false positive gone"
        else:
            row["verdict"] = "unchanged"
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- output

def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths[:-1])) + "  {}"
    return [fmt.format(*header)] + [fmt.format(*map(str, r)) for r in rows]


def pct(x):
    if x is None:
        return "–"
    if math.isinf(x):
        return "+inf"
    return f"{x:+.1%}"


FINGERPRINT_RUN = (("host", "host"), ("cpu_model", "CPU model"), ("cpus", "CPUs"), ("cpus_allowed", "CPUs allowed"),
                   ("kernel", "kernel"), ("governor", "cpufreq governor"), ("isolated_cpus", "isolated CPUs"),
                   ("sched_autogroup", "sched_autogroup"))
FINGERPRINT_BENCH = (("host_name", "host"), ("num_cpus", "CPUs"), ("mhz_per_cpu", "MHz per CPU"),
                     ("lastref_cpu_governor", "cpufreq governor"), ("lastref_allowed_cpus", "CPUs allowed"),
                     ("lastref_cpuidle", "cpuidle"), ("library_build_type", "libbenchmark build"))


def fingerprint(d, bench_files):
    """What the machine was, from run.json (./lastref run) and the first
    benchmark file's Google Benchmark context; keys it does not record are
    "not recorded" rather than guessed."""
    fp = {}
    run_path = os.path.join(d, "run.json")
    if os.path.exists(run_path):
        run = load_json(run_path, rel(run_path))
        if not isinstance(run, dict):
            raise InputError(f"{rel(run_path)}: expected a JSON object (lastref-run/1)")
        for k, label in FINGERPRINT_RUN:
            if run.get(k) is not None and not isinstance(run[k], (dict, list)):
                fp[label] = str(run[k])
    if bench_files:
        ctx = load_json(bench_files[0], rel(bench_files[0])).get("context")
        if isinstance(ctx, dict):
            for k, label in FINGERPRINT_BENCH:
                if label not in fp and ctx.get(k) is not None and not isinstance(ctx[k], (dict, list)):
                    fp[label] = str(ctx[k])
    return fp


def render_fingerprints(fo, fn):
    labels = list(dict.fromkeys(list(fo) + list(fn)))
    if not labels:
        return ["Machines: neither folder records its machine (no run.json, no benchmark context)."]
    t = []
    for k in labels:
        a, b = fo.get(k, "not recorded"), fn.get(k, "not recorded")
        t.append([k, a, b, "" if a == b else "DIFFERENT"])
    diff = [r[0] for r in t if r[3]]
    head = ("Machines: DIFFERENT (" + ", ".join(diff) + "): absolute times move with the machine; "
            "lastref's rows are gated on their ratio to the same run's limit" if diff else "Machines: the same")
    return [head + ":"] + table(["", "OLD", "NEW", ""], t)


def render(old_dir, new_dir, args, bench_rows, det_rows, notes, regressions, fps):
    out = [f"compare.py: OLD {old_dir}  NEW {new_dir}",
           f"threshold {args.threshold:g}%, alpha {args.alpha:g} (two-sided Mann-Whitney U over repetitions); "
           + ("gating on the ratio to the same run's limit or reference (absolute change shown as context)"
              if args.gate == "ratio" else "gating on the absolute change (--gate absolute)"), ""]
    out += render_fingerprints(*fps) + [""]
    out += [f"note: {n}" for n in notes] + ([""] if notes else [])
    if bench_rows is not None:
        shown = [r for r in bench_rows if r["gating"] or args.all]
        out.append("Benchmarks (median over repetitions; the gating metric of each benchmark"
                   + ("; every metric" if args.all else "; --all shows every metric") + "):")
        t = []
        for r in shown:
            if r.get("metric") is None:
                t.append([r["benchmark"], "", "", "", "", "", "", "",
                          r["verdict"] + (f": {r['error']}" if r.get("error") else "")])
            else:
                ratio = r["basis"].startswith("ratio") or r["basis"].startswith("paired")
                t.append([r["benchmark"], r["metric"], fmt_ns(r["old_median_ns"]), fmt_ns(r["new_median_ns"]),
                          pct(r["abs_change"]),
                          (f"{r['basis']} {r['old_ratio']:.3g}→{r['new_ratio']:.3g}" if ratio else r["basis"]),
                          pct(r["change"]), "–" if r["p"] is None else f"{r['p']:.3g}",
                          r["verdict"] + ("" if r["gating"] else " (informative)")])
        out += table(["benchmark", "metric", "old", "new", "abs change", "gated on", "change", "p", "verdict"],
                     t) + [""]
    if det_rows is not None:
        out.append("Detection (zoo variant x detector: found seeds / seeds; median executions to detection):")
        t = [[r["variant"], r["detector"], r["old"] or "–", r["new"] or "–",
              "–" if r.get("old_median_executions") is None else f"{r['old_median_executions']:g}",
              "–" if r.get("new_median_executions") is None else f"{r['new_median_executions']:g}",
              r["verdict"]] for r in det_rows]
        out += table(["variant", "detector", "old", "new", "old execs", "new execs", "verdict"], t) + [""]
    if regressions:
        out.append(f"RESULT: {len(regressions)} regression(s):")
        out += [f"  - {x}" for x in regressions]
    else:
        out.append("RESULT: no significant regression beyond the threshold")
    return out


def finite(x):
    """JSON has no infinity: an unbounded change becomes null."""
    if isinstance(x, float) and (math.isinf(x) or math.isnan(x)):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite(v) for v in x]
    return x


def check_json_out(path):
    """--json OUT must name a file in an existing folder; checked before any
    work so that bad output options fail fast and change nothing."""
    if os.path.isdir(path):
        raise InputError(f"--json {path}: is a directory (give a file name, e.g. {os.path.join(path, 'compare.json')})")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InputError(f"--json {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"--json {path}: folder {parent} is not writable")


def write_json_atomic(path, doc):
    """Writes to a temporary name in the same folder and renames it into
    place; on any failure the temporary file is removed (the report's
    write_atomic)."""
    write_atomic(path, json.dumps(doc, indent=1) + "\n")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="exit status: 0 no regression, 1 regression (or a benchmark/zoo cell of OLD "
                                        "missing in NEW), 2 bad input")
    ap.add_argument("old", metavar="OLD_DIR")
    ap.add_argument("new", metavar="NEW_DIR")
    ap.add_argument("--threshold", type=float, default=10.0, metavar="PCT",
                    help="smallest change of the median that counts (percent, default 10)")
    ap.add_argument("--alpha", type=float, default=0.05, metavar="A", help="significance level (default 0.05)")
    ap.add_argument("--json", metavar="OUT", help="also write the comparison as JSON to the file OUT")
    ap.add_argument("--all", action="store_true", help="show every metric, not only the gating one")
    ap.add_argument("--gate-all", action="store_true",
                    help="fail on regressions of baseline/limit/ref benchmarks too (by default only lastref's "
                         "own code gates: the others change with the machine, the compiler or libstdc++)")
    ap.add_argument("--gate", choices=("ratio", "absolute"), default="ratio",
                    help="ratio (default): gate lastref's rows on their ratio to the same run's limit or "
                         "reference, so runs from different machines compare; absolute: on the change of the "
                         "median itself (same machine only)")
    ap.add_argument("--allow-missing", action="store_true",
                    help="do not fail when a benchmark, benchmark file or zoo cell of OLD is missing in NEW")
    args = ap.parse_args(argv)
    if not (0 < args.alpha < 1) or args.threshold < 0 or math.isnan(args.threshold):
        print("compare.py: error: --alpha must be in (0, 1) and --threshold >= 0", file=sys.stderr)
        return 2
    if importlib.util.find_spec("scipy") is None:
        print("compare.py: error: needs scipy (Debian: python3-scipy) for the Mann-Whitney U test; "
              "run it with /usr/bin/python3", file=sys.stderr)
        return 2
    threshold = args.threshold / 100.0
    try:
        if args.json:
            check_json_out(args.json)
        loaded = []
        for d in (args.old, args.new):
            if not os.path.isdir(d):
                raise InputError(f"{d}: no such results directory" if not os.path.exists(d)
                                 else f"{d}: not a directory (give a results folder)")
            if not os.access(d, os.R_OK | os.X_OK):
                raise InputError(f"{d}: cannot read the folder")
            bench, files = load_bench_dir(d)
            det = load_detection(d)
            if not files and det is None:
                raise InputError(f"{d}: nothing to compare (no bench/*.json and no detection.json)")
            loaded.append((bench, files, det, fingerprint(d, files)))
        (ob, of, od, fo), (nb, nf, nd, fn) = loaded
        notes = []
        file_rows = []
        bench_rows = det_rows = None
        gone = sorted({os.path.basename(f) for f in of} - {os.path.basename(f) for f in nf})
        for g in gone:
            file_rows.append(f"benchmark file {g}: in OLD, MISSING in NEW"
                             + (" (allowed: --allow-missing)" if args.allow_missing else ""))
        if of and nf:
            differ = any(fo.get(k, v) != v for k, v in fn.items())
            bench_rows = compare_bench(ob, nb, threshold, args.alpha, args.gate_all, args.gate, args.allow_missing,
                                       differ and args.gate == "ratio")
        elif of:
            notes.append("benchmarks not compared: no bench/*.json in NEW")
        elif nf:
            notes.append("benchmarks not compared: no bench/*.json in OLD")
        if od is not None and nd is not None:
            det_rows = compare_detection(od, nd, threshold, args.alpha, args.allow_missing)
            if od.get("mode") != nd.get("mode"):
                notes.append(f"detection scorecards of different modes ({od.get('mode')} vs {nd.get('mode')}): "
                             "seed counts and budgets may differ")
        elif od is not None:
            file_rows.append("detection.json: in OLD, MISSING in NEW"
                             + (" (allowed: --allow-missing)" if args.allow_missing else ""))
        elif nd is not None:
            notes.append("detection not compared: no detection.json in OLD")
        notes += file_rows
        if bench_rows is None and det_rows is None and not file_rows:
            raise InputError(f"{args.old} and {args.new} have nothing in common to compare")
    except InputError as e:
        print(f"compare.py: error: {e}", file=sys.stderr)
        return 2
    regressions = [] if args.allow_missing else [x for x in file_rows]
    for r in bench_rows or []:
        if r.get("regression"):
            if r.get("metric") is None:
                regressions.append(f"{r['benchmark']}: {r['verdict']}")
            else:
                regressions.append(f"{r['benchmark']}: {r['metric']} {r['basis']} {pct(r['change'])} "
                                   f"(p={r['p']:.3g}; absolute {pct(r['abs_change'])})")
    for r in det_rows or []:
        if r.get("regression"):
            regressions.append(f"{r['variant']} x {r['detector']}: {r['verdict']} ({r['old']} -> {r['new']})")
    text = "\n".join(render(args.old, args.new, args, bench_rows, det_rows, notes, regressions, (fo, fn))) + "\n"
    if args.json:
        doc = {"schema": "lastref-compare/2", "old": args.old, "new": args.new, "threshold_pct": args.threshold,
               "alpha": args.alpha, "gate": args.gate, "machines": {"old": fo, "new": fn}, "notes": notes,
               "benchmarks": bench_rows, "detection": det_rows, "regressions": regressions}
        try:
            write_json_atomic(args.json, finite(doc))
        except OSError as e:
            print(f"compare.py: error: cannot write {args.json}: {e.strerror}", file=sys.stderr)
            return 2
    sys.stdout.write(text)
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
