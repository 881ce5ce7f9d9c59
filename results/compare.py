#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lastref regression check: compares two results folders (./lastref run
output, or results/ itself) benchmark by benchmark and zoo variant by zoo
variant, and says whether NEW regressed against OLD.

Benchmarks (DIR/bench/*.json, Google Benchmark JSON with every repetition,
as results/run_bench.sh writes it): matched by name (Google Benchmark's
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
toolchain, and are shown as context (--gate-all makes them gate too). A change is significant when p < alpha; with so few repetitions
that no outcome could reach alpha, it says "not enough repetitions" instead
of claiming anything.

Detection (DIR/detection.json, fuzz/scorecard/scorecard.py): per zoo
variant x detector, found seeds and median executions to detection; per
detector on the correct implementations, reports (false positives).

Exit status: 1 when NEW has a significant regression beyond the threshold in
the gating metric of a gating benchmark, such a benchmark erroring in NEW
but not in OLD, a zoo bug that OLD's detector found and NEW's no longer
finds, or a new false positive on a correct implementation; 0 otherwise; 2
on bad input (nothing is written then, not even partial output).

Repetitions measure the noise *within* one run; runs at different times on
a shared machine also drift between them. Compare runs of the same budget
(not a --quick run against a full one) on an otherwise idle machine.

usage: compare.py OLD_DIR NEW_DIR [--threshold PCT] [--alpha A] [--json OUT]
                  [--all] [--gate-all]
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
from report import InputError, TIME_SCALE_NS, fmt_ns, load_json  # noqa: E402

# Google Benchmark name parts that depend on the run's budget, not on what
# is measured.
RUN_SUFFIX = re.compile(r"^(iterations|repeats|min_time|min_warmup_time):")
LATENCY_COUNTERS = ("p50_us", "p90_us", "p99_us")
ROLE = re.compile(r"(?:^|/)(lastref|baseline|limit|ref):")


def role_of(name):
    """lastref | baseline | limit | ref per the naming convention; names
    outside it (the model benchmarks) measure lastref's own code."""
    m = ROLE.search(name)
    return m.group(1) if m else "lastref"
SKIP_BENCH_FILES = ("release_latency_samples.json",)


def rel(path):
    try:
        r = os.path.relpath(path)
        return path if r.startswith("../..") else r
    except ValueError:
        return path


def norm_name(run_name):
    return "/".join(p for p in run_name.split("/") if not RUN_SUFFIX.search(p))


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
    out = {}
    for path in files:
        shown = rel(path)
        data = load_json(path, shown)
        if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
            raise InputError(f"{shown}: not Google Benchmark JSON output (no top-level 'benchmarks' list)")
        for i, e in enumerate(data["benchmarks"]):
            if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                raise InputError(f"{shown}: benchmarks[{i}] has no 'name'")
            run_name = e.get("run_name", e["name"])
            if not isinstance(run_name, str):
                raise InputError(f"{shown}: benchmarks[{i}] has a non-string 'run_name'")
            name = norm_name(run_name)
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
            if unit not in TIME_SCALE_NS:
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
            if is_agg:
                b["medians"].update(vals)
            else:
                for m, v in vals.items():
                    b["samples"].setdefault(m, []).append(v)
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


def compare_bench(old, new, threshold, alpha, gate_all=False):
    rows = []
    for name in sorted(set(old) | set(new)):
        o, n = old.get(name), new.get(name)
        gates = gate_all or role_of(name) == "lastref"
        if o is None or n is None:
            rows.append({"benchmark": name, "metric": None, "gating": True,
                         "verdict": "only in NEW" if o is None else "only in OLD"})
            continue
        if n["error"] or o["error"]:
            verdict = ("ERROR in both" if (n["error"] and o["error"]) else
                       "ERROR in NEW" if n["error"] else "fixed (ERROR in OLD)")
            rows.append({"benchmark": name, "metric": None, "gating": True, "verdict": verdict,
                         "error": n["error"] or o["error"], "regression": verdict == "ERROR in NEW" and gates})
            continue
        gate = gating_metric(n)
        metrics = [m for m in ("real_time", "cpu_time") + LATENCY_COUNTERS
                   if median_of(o, m) is not None and median_of(n, m) is not None]
        for m in metrics:
            mo, mn = median_of(o, m), median_of(n, m)
            so, sn = o["samples"].get(m, []), n["samples"].get(m, [])
            change = (mn / mo - 1.0) if mo > 0 else (0.0 if mn == mo else math.inf)
            row = {"benchmark": name, "role": role_of(name), "metric": m, "gating": m == gate, "old_median_ns": mo,
                   "new_median_ns": mn, "change": change, "old_n": len(so), "new_n": len(sn), "p": None}
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
                    row["regression"] = change > 0 and m == gate and gates
                    if change > 0 and m == gate and not gates:
                        row["verdict"] += f" ({row['role']}: context, not gating)"
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- detection

def load_detection(d):
    path = os.path.join(d, "detection.json")
    if not os.path.exists(path):
        return None
    shown = rel(path)
    data = load_json(path, shown)
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
    for i, c in enumerate(data.get("correct") or []):
        if not isinstance(c, dict):
            raise InputError(f"{shown}: correct[{i}] is not an object")
        key = (str(c.get("detector")), str(c.get("implementation", "correct")))
        correct[key] = int(num(c.get("reports")) or 0)
    return {"cells": cells, "correct": correct, "mode": data.get("mode")}


def compare_detection(old, new, threshold, alpha):
    rows = []
    for key in sorted(set(old["cells"]) | set(new["cells"])):
        o, n = old["cells"].get(key), new["cells"].get(key)
        row = {"variant": key[0], "detector": key[1],
               "old": f"{o['found_seeds']}/{o['seeds']}" if o else None,
               "new": f"{n['found_seeds']}/{n['seeds']}" if n else None}
        if o is None or n is None:
            row["verdict"] = "only in NEW" if o is None else "not run in NEW"
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
            row["verdict"] = "only in NEW" if o is None else "not run in NEW"
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


def render(old_dir, new_dir, args, bench_rows, det_rows, notes, regressions):
    out = [f"compare.py: OLD {old_dir}  NEW {new_dir}",
           f"threshold {args.threshold:g}%, alpha {args.alpha:g} (two-sided Mann-Whitney U over repetitions)", ""]
    out += [f"note: {n}" for n in notes] + ([""] if notes else [])
    if bench_rows is not None:
        shown = [r for r in bench_rows if r["gating"] or args.all]
        out.append("Benchmarks (median over repetitions; the gating metric of each benchmark"
                   + ("; every metric" if args.all else "; --all shows every metric") + "):")
        t = []
        for r in shown:
            if r.get("metric") is None:
                t.append([r["benchmark"], "", "", "", "", "", r["verdict"] + (f": {r['error']}" if r.get("error") else "")])
            else:
                t.append([r["benchmark"], r["metric"], fmt_ns(r["old_median_ns"]), fmt_ns(r["new_median_ns"]),
                          pct(r["change"]), "–" if r["p"] is None else f"{r['p']:.3g}",
                          r["verdict"] + ("" if r["gating"] else " (informative)")])
        out += table(["benchmark", "metric", "old", "new", "change", "p", "verdict"], t) + [""]
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


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="exit status: 0 no regression, 1 regression, 2 bad input")
    ap.add_argument("old", metavar="OLD_DIR")
    ap.add_argument("new", metavar="NEW_DIR")
    ap.add_argument("--threshold", type=float, default=10.0, metavar="PCT",
                    help="smallest change of the median that counts (percent, default 10)")
    ap.add_argument("--alpha", type=float, default=0.05, metavar="A", help="significance level (default 0.05)")
    ap.add_argument("--json", metavar="OUT", help="also write the comparison as JSON to OUT")
    ap.add_argument("--all", action="store_true", help="show every metric, not only the gating one")
    ap.add_argument("--gate-all", action="store_true",
                    help="fail on regressions of baseline/limit/ref benchmarks too (by default only lastref's "
                         "own code gates: the others change with the machine, the compiler or libstdc++)")
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
        loaded = []
        for d in (args.old, args.new):
            if not os.path.isdir(d):
                raise InputError(f"{d}: no such results directory")
            bench, files = load_bench_dir(d)
            det = load_detection(d)
            if not files and det is None:
                raise InputError(f"{d}: nothing to compare (no bench/*.json and no detection.json)")
            loaded.append((bench, files, det))
        (ob, of, od), (nb, nf, nd) = loaded
        notes = []
        bench_rows = det_rows = None
        if of and nf:
            bench_rows = compare_bench(ob, nb, threshold, args.alpha, args.gate_all)
        elif of or nf:
            notes.append(f"benchmarks not compared: no bench/*.json in {'NEW' if of else 'OLD'}")
        if od is not None and nd is not None:
            det_rows = compare_detection(od, nd, threshold, args.alpha)
            if od.get("mode") != nd.get("mode"):
                notes.append(f"detection scorecards of different modes ({od.get('mode')} vs {nd.get('mode')}): "
                             "seed counts and budgets may differ")
        elif od is not None or nd is not None:
            notes.append(f"detection not compared: no detection.json in {'NEW' if od is not None else 'OLD'}")
        if bench_rows is None and det_rows is None:
            raise InputError(f"{args.old} and {args.new} have nothing in common to compare")
    except InputError as e:
        print(f"compare.py: error: {e}", file=sys.stderr)
        return 2
    regressions = []
    for r in bench_rows or []:
        if r.get("regression"):
            regressions.append(f"{r['benchmark']}: " + (r["verdict"] if r.get("metric") is None else
                                                        f"{r['metric']} {pct(r['change'])} (p={r['p']:.3g})"))
    for r in det_rows or []:
        if r.get("regression"):
            regressions.append(f"{r['variant']} x {r['detector']}: {r['verdict']} ({r['old']} -> {r['new']})")
    text = "\n".join(render(args.old, args.new, args, bench_rows, det_rows, notes, regressions)) + "\n"
    if args.json:
        doc = {"schema": "lastref-compare/1", "old": args.old, "new": args.new, "threshold_pct": args.threshold,
               "alpha": args.alpha, "notes": notes, "benchmarks": bench_rows, "detection": det_rows,
               "regressions": regressions}
        doc = finite(doc)
        try:
            tmp = args.json + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=1)
                f.write("\n")
            os.replace(tmp, args.json)
        except OSError as e:
            print(f"compare.py: error: cannot write {args.json}: {e.strerror}", file=sys.stderr)
            return 2
    sys.stdout.write(text)
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
