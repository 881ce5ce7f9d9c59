#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lastref results report: reads what the main job left in a results directory
and writes a Markdown report (+ its HTML version) with tables and PNG plots
(plots/ beside the report).

Inputs (each optional; a missing one gets a "not run" section):
  run.json              what ./lastref run ran and how each stage ended, on
                        what machine, with which versions (lastref-run/1,
                        scripts/run_record.py; see results/README.md)
  bench/*.json          Google Benchmark JSON (--benchmark_out_format=json),
                        benchmark names <group>/<role>:<impl> as described in
                        bench/suites/harness/main.h; medians of repetitions
  bench/release_latency_samples.json
                        per-sample latency histograms of the release suite
                        (lastref-release-samples/1): CDF plots
  detection.json        bug-zoo detection scorecard (variant x detector)
  fuzz_campaign.json    per fuzz target: execs, exec/s, crashes
  tsan.json             per TSan harness: ops/s, violations
The report opens with the verdict (verdict_section: findings in correct
implementations, zoo detection, TSan, the last-reference cost with sample
counts; results/verdict.py computes it) and a table of contents, then a
Headline table (headline_section) computed from these
inputs: a few figures beside their limits, each with its ratio, "not run" where
an input is missing. Every benchmark group gets a note (group_note) saying what
it measures and what its limit is; the release suite's cells get an overview
(p50/p99 per strategy and cell, with the wait-yield A/B and the probes).
The fuzz and TSan scorecards are rendered generically from a list of records,
so their exact schema can evolve; see records_of().

A malformed input is an error that names the file (exit status 2), never a
silently wrong report.

usage: report.py [--results DIR] [--out FILE] [--no-html]
"""

import argparse
import datetime
import glob
import json
import math
import os
import re
import statistics
import sys

ROLES = ("lastref", "baseline", "limit", "ref")
ROLE_COLORS = {"lastref": "#1f77b4", "baseline": "#9a9a9a", "limit": "#d62728", "ref": "#c5b0d5",
               "other": "#bcbd22"}
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


# --------------------------------------------------------------------------- benchmarks

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


def load_bench_file(path, shown):
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
        if role == "other":  # not <group>/<role>:<impl>: one table per file, no ratios
            group = os.path.splitext(os.path.basename(path))[0] + " (names outside the convention)"
            impl = "/".join(p for p in run_name.split("/") if not GB_SUFFIX.search(p))
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


def fmt_ns(ns):
    if ns is None or (isinstance(ns, float) and math.isnan(ns)):
        return "–"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def supported(n, q):
    """A q-quantile is estimated, not read off the extremes, when at least 10
    samples lie beyond it (n * (1 - q) >= 10): p50 needs 20 samples, p90 100,
    p99 1000, p99.9 10000 (the release suite's own p999_min_samples). n is
    the number of samples the percentile was computed from."""
    return isinstance(n, (int, float)) and not isinstance(n, bool) and n * (1.0 - q) >= 10 - 1e-9


def fmt_pctl(value_ns, n, q):
    """A percentile, or "n too small" when n samples do not support it."""
    if value_ns is None or (isinstance(value_ns, float) and math.isnan(value_ns)):
        return "–"
    if n is None:
        return fmt_ns(value_ns)  # sample count not recorded: the table's n column says so
    return fmt_ns(value_ns) if supported(n, q) else "n too small"


def fmt_ratio(x):
    if x is None or x == 0 or math.isnan(x) or math.isinf(x):
        return "–"
    if x < 0.01:
        return f"{x:.2g}×"
    return f"{x:.2f}×" if x < 100 else f"{x:.0f}×"


def fmt_pct(x):
    return f"{x:.1%}" if 0 < x < 0.01 else f"{x:.0%}"


def fmt_num(x):
    if x is None:
        return "–"
    if abs(x) >= 1e9:
        return f"{x / 1e9:.3g} G"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.3g} M"
    if abs(x) >= 1e4:
        return f"{x / 1e3:.3g} k"
    if float(x).is_integer():
        return str(int(x))
    if abs(x) >= 1e3:
        return f"{x:.0f}"
    return f"{x:.3g}"


def slug(s):
    return re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")


def md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def md_table(header, rows):
    out = ["| " + " | ".join(md_escape(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        out.append("| " + " | ".join(md_escape(c) for c in row) + " |")
    return "\n".join(out)


# Counters worth a word in a row's notes (the model suites': what a search
# needed and whether a proof completed).
SHOWN_COUNTERS = ("executions_to_find_median", "executions_to_find_max", "schedules", "complete", "failures",
                  "failing_fraction")

ROLE_ORDER = {"lastref": 0, "baseline": 1, "ref": 2, "limit": 3, "other": 4}


def group_rows(rows):
    return sorted(rows, key=lambda r: (ROLE_ORDER.get(r["role"], 9), r["impl"]))


def bench_group_section(group, rows, plots_ok, plot_dir, notes):
    lines = [f"### `{group}`", ""]
    limits = [r for r in rows if r["role"] == "limit" and metric_ns(r)]
    limit = limits[0] if limits else None
    # A thread sweep has one limit per thread count: compare like with like.
    by_variant = {}
    for r in limits:
        by_variant.setdefault(r["variant"], r)

    def limit_of(r):
        return by_variant.get(r["variant"], limit)
    latency = any(is_latency(r) for r in rows)
    clocks = {r.get("clock") for r in rows if not is_latency(r)}
    metric_name = "p50 latency" if latency else (
        "wall time / op" if clocks == {"real_time"} else "CPU time / op" if clocks == {"cpu_time"} else "time / op")
    if limit is None and all(r["role"] == "other" for r in rows):
        lines.append("> These benchmark names do not follow `<group>/<role>:<implementation>` "
                     "(bench/suites/harness/main.h), so the report cannot tell baselines and limits "
                     "apart: figures only, no ratios.")
        lines.append("")
    elif limit is None:
        lines.append("> **No physical limit in this group** (expected exactly one `limit:` entry); "
                     "ratios against the limit are omitted.")
        lines.append("")
    header = ["implementation", "role", metric_name]
    if latency:
        header += ["p90", "p99", "mean", "n (samples per repetition × repetitions)"]
    paired = any("x_paired_limit" in r.get("counters", {}) for r in rows)
    header += ["× limit"] + (["× paired limit"] if paired else []) + ["notes"]
    table = []
    for r in group_rows(rows):
        m = metric_ns(r)
        c = r.get("counters", {})
        row = [r["impl"], r["role"], fmt_ns(m) if not r.get("error") else "ERROR"]
        if latency:
            # Each repetition computes its percentiles from its own samples:
            # that count decides whether a percentile is printed.
            n = c.get("samples")
            if "p50_us" in c and not r.get("error"):
                row[2] = fmt_pctl(m, n, 0.5) if n is not None else fmt_ns(m)
            mean = c["mean_us"] * 1e3 if "mean_us" in c else r.get("time_ns")
            row += [fmt_pctl(c["p90_us"] * 1e3, n, 0.9) if "p90_us" in c else "–",
                    fmt_pctl(c["p99_us"] * 1e3, n, 0.99) if "p99_us" in c else "–", fmt_ns(mean),
                    f"{fmt_num(n)} × {r.get('reps') or 1}" if n is not None else "not recorded"]
        lim = limit_of(r)
        ratio = (m / metric_ns(lim)) if (lim and m) else None
        row.append(fmt_ratio(ratio) if r is not lim else "1 (limit)")
        if paired:
            row.append(fmt_ratio(c.get("x_paired_limit")))
        note = []
        if r.get("error"):
            note.append(f"error: {r['error']}")
        if "items_per_second" in c and not latency:
            note.append(f"{fmt_num(c['items_per_second'])} ops/s")
        note += [f"{k}={fmt_num(c[k])}" for k in SHOWN_COUNTERS if k in c and r["role"] != "other"]
        mc = r.get("mean_counters", c)
        if "exposed" in mc and (mc["exposed"] > 0 or "UNSAFE" in r["impl"]):
            reps = max(1, r.get("reps") or 1)
            n = f" of {round(mc['samples'] * reps)}" if "samples" in mc else ""
            note.append(f"**reference bug exposed in {round(mc['exposed'] * reps)}{n} unloads** (module gone "
                        "while the releaser was still in its text)")
        if r["role"] == "other":
            shown = ("p50_us", "p90_us", "p99_us", "max_us", "items_per_second")
            note += [f"{k}={fmt_num(v)}" for k, v in sorted(c.items()) if k not in shown][:5]
        if r.get("label"):
            note.append(r["label"])
        if ratio is not None and ratio < 0.8 and r is not lim and not latency and "release_latency" not in group:
            note.append("below the limit: does less than the limit models (see group notes)")
        row.append("; ".join(note))
        table.append(row)
    lines.append(md_table(header, table))
    lines.append("")
    # lastref vs each baseline.
    lrefs = [r for r in group_rows(rows) if r["role"] == "lastref" and metric_ns(r)]
    bases = [r for r in group_rows(rows) if r["role"] == "baseline" and metric_ns(r)]
    if lrefs and bases:
        lines.append(f"lastref ÷ baseline ({metric_name}; below 1 = lastref is faster"
                     + ("; at the same thread count" if len(by_variant) > 1 else "") + "):")
        lines.append("")
        cols = list(dict.fromkeys(b["impl_base"] for b in bases))
        bmap = {(b["impl_base"], b["variant"]): b for b in bases}
        t = [[l["impl"]] + [fmt_ratio(metric_ns(l) / metric_ns(bmap[(c, l["variant"])]))
                            if (c, l["variant"]) in bmap else "–" for c in cols] for l in lrefs]
        lines.append(md_table(["lastref \\ baseline"] + cols, t))
        lines.append("")
    if paired:
        lines.append("`× paired limit`: each iteration of the benchmark also ran one sample of the "
                     "physical limit in the same threads (alternating), and this is the ratio of the "
                     "two — the comparison that survives load drifting between benchmarks.")
        lines.append("")
    if notes:
        lines.append(notes)
        lines.append("")
    if plots_ok:
        png = plot_group(group, rows, limit_of, latency, plot_dir)
        if png:
            lines.append(f"![{group}]({png})")
            lines.append("")
        png = plot_threads(group, rows, plot_dir)
        if png:
            lines += [f"![{group}: throughput vs threads]({png})", ""]
    return lines, limit_of


def minor_label(v, lim):
    """Label the 2x and 5x minor ticks of a log axis spanning less than ~1.5
    decades (matplotlib would otherwise label none or all of them)."""
    if v <= 0 or lim[1] / max(lim[0], 1e-12) > 30:
        return False
    mant = v / 10 ** math.floor(math.log10(v) + 1e-9)
    return round(mant) in (2, 5) and abs(mant - round(mant)) < 1e-6


def time_axis(ax):
    from matplotlib.ticker import FuncFormatter
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_ns(v) if v > 0 else "0"))
    if ax.get_xscale() == "log":  # within a decade matplotlib labels minor ticks: same units
        ax.xaxis.set_minor_formatter(FuncFormatter(
            lambda v, _pos: fmt_ns(v) if minor_label(v, ax.get_xlim()) else ""))


def plot_group(group, rows, limit_of, latency, plot_dir):
    """Per-row figures of a group. A thread sweep has one limit per thread
    count: each row gets its own limit tick (a dashed segment at its
    thread count's limit), never one line for all. On a log axis the
    figures are points, not bars (a bar's length means nothing there)."""
    import matplotlib.pyplot as plt  # Agg backend selected in main()
    rows = [r for r in group_rows(rows) if metric_ns(r)]
    if not rows:
        return None
    rows = list(reversed(rows))  # matplotlib draws the first bar at the bottom
    vals = [metric_ns(r) for r in rows]
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(rows) + 1.6))
    colors = [ROLE_COLORS.get(r["role"], "#777777") for r in rows]
    xerr = None
    upper = [0.0] * len(rows)
    if latency:
        # No p99 whisker where the samples do not support a p99.
        ok99 = [r["counters"].get("samples") is None or supported(r["counters"]["samples"], 0.99) for r in rows]
        upper = [max(0.0, r["counters"].get("p99_us", 0) * 1e3 - metric_ns(r)) if ok else 0.0
                 for r, ok in zip(rows, ok99)]
        xerr = [[0] * len(rows), upper]
    log = max(v + u for v, u in zip(vals, upper)) / max(min(vals), 1e-9) > 30
    if log:
        ax.set_xscale("log")
        ax.scatter(vals, range(len(rows)), color=colors, zorder=3)
        if latency:
            ax.hlines(range(len(rows)), vals, [v + u for v, u in zip(vals, upper)], color="#333333", linewidth=1)
    else:
        ax.barh(range(len(rows)), vals, color=colors, xerr=xerr, capsize=3,
                error_kw={"elinewidth": 1, "ecolor": "#333333"})
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r['impl']}" for r in rows], fontsize=8)
    limits = [limit_of(r) for r in rows]
    for i, lim in enumerate(limits):
        if lim is not None and metric_ns(lim):
            ax.plot([metric_ns(lim)] * 2, [i - 0.48, i + 0.48], color=ROLE_COLORS["limit"], linestyle="--",
                    linewidth=1.2)
    limit = next((x for x in limits if x is not None), None)
    for i, (v, r) in enumerate(zip(vals, rows)):
        txt = fmt_ns(v) + ((f"  (p99 {fmt_ns(v + upper[i])})" if ok99[i] else "  (p99: n too small)") if latency
                           else "")
        ax.text(v + upper[i], i, "  " + txt, va="center", fontsize=7)
    ax.set_xlabel(("p50 latency (whisker: p99 where n ≥ 1000 per repetition)" if latency else "time per operation (median)")
                  + (" — log scale" if log else "")
                  + ("; dashed tick: the physical limit at the row's thread count" if limit is not None else ""))
    time_axis(ax)
    ax.set_title(group, fontsize=10)
    names = {"lastref": "lastref", "baseline": "baseline (used instead)", "limit": "physical limit",
             "ref": "reference"}
    present = [k for k in names if any(r["role"] == k for r in rows)]
    ax.margins(x=0.3)
    if present:
        fig.legend([plt.Rectangle((0, 0), 1, 1, color=ROLE_COLORS[k]) for k in present],
                   [names[k] for k in present], fontsize=7, loc="lower center", ncol=len(present),
                   frameon=False)
        fig.tight_layout(rect=(0, 0.3 / fig.get_figheight(), 1, 1))
    else:
        fig.tight_layout()
    name = f"bench_{slug(group)}.png"
    fig.savefig(os.path.join(plot_dir, name), dpi=110)
    plt.close(fig)
    return f"plots/{name}"


def throughput(r):
    """Operations per second of a row: Google Benchmark's items_per_second
    when the benchmark counts items, else iterations per second of the whole
    run (its time per iteration already divides by every thread's
    iterations)."""
    c = r.get("counters", {})
    if c.get("items_per_second"):
        return c["items_per_second"], "items/s"
    t = r.get("time_ns")
    return (1e9 / t, "iterations/s") if t else (None, None)


def plot_threads(group, rows, plot_dir):
    """Throughput vs thread count, one line per implementation, for groups
    whose benchmarks sweep ->Threads(n) (names ending /threads:N)."""
    import matplotlib.pyplot as plt
    lines = {}
    for r in rows:
        if r.get("threads") is None or r.get("error") or is_latency(r):
            continue
        v, unit = throughput(r)
        if v:
            lines.setdefault((r["role"], r["impl_base"]), []).append((r["threads"], v, unit))
    if len({t for pts in lines.values() for t, _, _ in pts}) < 2:
        return None
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    styles = {"lastref": ("-", "o"), "baseline": ("--", "s"), "limit": (":", "^"), "ref": ("-.", "d")}
    units = set()
    palette = [plt.get_cmap("tab10")(i) for i in (0, 1, 2, 4, 5, 6, 7, 8, 9)]  # red is the limit's
    for n, ((role, impl), pts) in enumerate(sorted(lines.items(),
                                                   key=lambda kv: (ROLE_ORDER.get(kv[0][0], 9), kv[0][1]))):
        pts.sort()
        units |= {u for _, _, u in pts}
        ls, mk = styles.get(role, ("-", "x"))
        ax.plot([t for t, _, _ in pts], [v for _, v, _ in pts], linestyle=ls, marker=mk,
                linewidth=2.2 if role == "lastref" else 1.2,
                color=ROLE_COLORS["limit"] if role == "limit" else palette[n % len(palette)],
                label=f"{impl} ({role})")
    ax.set_xscale("log", base=2)
    ticks = sorted({t for pts in lines.values() for t, _, _ in pts})
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.set_yscale("log")
    from matplotlib.ticker import FuncFormatter
    lo, hi = ax.get_ylim()
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_num(v)))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _p: fmt_num(v) if minor_label(v, (lo, hi)) else ""))
    ax.set_xlabel("threads")
    ax.set_ylabel("throughput, " + (" or ".join(sorted(units)) or "ops/s") + " (median)")
    ax.set_title(f"{group}: throughput vs threads", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    name = f"threads_{slug(group)}.png"
    fig.savefig(os.path.join(plot_dir, name), dpi=110)
    plt.close(fig)
    return f"plots/{name}"


# --------------------------------------------------------------------------- group notes
# One short note per benchmark group: what it measures and what its limit
# (or baseline) is. Generic on purpose: figures go stale, so none appear
# here; the tables carry them. Keyed by the group names of bench/suites
# (bench/suites/README.md); tests/test_report.py fails when a known group
# loses its note or a note is keyed to a group that no longer exists.

_PAIR = "a get+put pair per operation"
_SWEEP = ("Swept over `/threads:N` (1, 2, CPUs, 2×CPUs; thread i pinned to CPU i mod CPUs); each thread count "
          "is compared with the limit at the same count. Wall time per operation: Google Benchmark divides by "
          "every thread's operations, so a figure is the inverse of the aggregate throughput "
          "(`items_per_second` is the total); at 2×CPUs threads also time-slice.")

GROUP_NOTES = {
    "refcount_pair/uncontended":
        f"One thread, one counter whose cache line stays in this core: {_PAIR} (CPU time). Limit: the bare "
        "relaxed `fetch_add`/`fetch_sub` pair (two lock-prefixed RMWs; nothing a reference count can do is "
        "cheaper); `ref:lock_add_x2_asm` is the same pair in inline asm, to show the compiler adds nothing. "
        "Peers: `shared_ptr` copy+destroy, `boost::intrusive_ptr` (acq_rel RMWs), liburcu `urcu_ref` (a "
        "cmpxchg loop on get), a `std::atomic<int>` pair at seq_cst.",
    "refcount_pair/shared_object":
        f"{_PAIR.capitalize()} on ONE object shared by every thread: its line ping-pongs between cores, so "
        "the figures measure the cache-line transfer rather than the instructions. Limit: the bare relaxed "
        "pair on the same shared line. " + _SWEEP,
    "refcount_pair/per_thread_padded":
        f"{_PAIR.capitalize()}, every thread on its own counter on its own cache line: nothing is shared, so "
        "throughput should grow with threads up to the CPU count. Limit: the bare relaxed pair per thread; a "
        "gap to it here is instruction cost, not contention. " + _SWEEP,
    "refcount_pair/per_thread_packed":
        f"{_PAIR.capitalize()}, every thread on its own counter but the counters adjacent in memory (false "
        "sharing): nothing is shared logically, yet the line still ping-pongs. Compare with "
        "`per_thread_padded` for what padding a refcounted object buys, and with `shared_object`. Limit: "
        "the bare relaxed pair on the same packed layout. " + _SWEEP,
    "get_unless_zero/uncontended":
        "A lookup that may race with the last put: `kref::get_unless_zero` / `refcount::inc_not_zero`, then "
        "put, one thread. Refusing zero needs a compare-and-swap, so the limit is one successful lock "
        "cmpxchg plus one lock add. Peers: `weak_ptr::lock`, `urcu_ref_get_unless_zero`, a seq_cst CAS loop.",
    "get_unless_zero/shared_object":
        "The same lookup + put on ONE shared object. Under contention a CAS can fail and retry where a "
        "`fetch_add` cannot, so the limit here is the bare relaxed `fetch_add`/`fetch_sub` pair on the "
        "shared line (a get with no zero check): CAS-based rows above it show the retry cost. " + _SWEEP,
    "completion_fast/wait_on_done":
        "Waiting on a completion that is already done (`complete_all()` earlier): every wait returns at "
        "once, so this is the fast path's check alone. Limit: one acquire load of a `std::atomic<bool>`; "
        "`completion_done` is the bare query. Peers: `latch`, `shared_future`, `absl::Notification`, "
        "`atomic::wait` on a changed value, a mutex-protected flag.",
    "completion_fast/complete_then_consume":
        "Signal then consume it (`complete()`, then `try_wait()` or `wait()`) with nobody asleep. The limit "
        "is the floor of a *counting* signal: two lock cmpxchg on a private line (both the count's increment "
        "and its consumption are RMWs). `atomic_flag_store_exchange` can sit below it because a flag is not "
        "a count (its store is a plain `mov`). libstdc++ 12's `binary_semaphore` issues a FUTEX_WAKE on "
        "every release (it does not track sleepers).",
    "completion_pingpong/cross_cpu":
        "Round trips complete → wait → complete → wait between two threads on two CPUs, back to back "
        "(batches of round trips, p50 over batches): the partner answers while the waiter is still polling "
        "(\"waiter spinning\"). Limit: `spin_cacheline_pingpong`, the same protocol spinning on one word "
        "and never sleeping (the cache-line round trip). lastref's completion polls briefly (pause only, no "
        "`sched_yield`) before it sleeps; `ref:completion_no_spin` is the same completion without that "
        "phase and `ref:raw_futex_one_word` the raw FUTEX_WAIT/WAKE ping-pong that always sleeps: together "
        "they show what the spin buys. A peer whose p50 sits near the futex reference slept on each "
        "hand-off.",
    "completion_pingpong/same_cpu":
        "The same round trip with both threads pinned to ONE CPU: nobody can answer while the waiter "
        "spins, so every hand-off is a sleep and a context switch (\"waiter blocked\") and a spin phase is "
        "pure cost — compare lastref with `ref:completion_no_spin`. Limit: the raw FUTEX_WAIT/WAKE "
        "ping-pong.",
    "completion_wake/cross_cpu":
        "One-shot wake of a *blocked* waiter on another CPU: the waiter has slept in the kernel longer than "
        "any peer's spin phase when the signal comes; sample = signal → its wait returns (`steady_clock` on "
        "both CPUs; the cross-CPU offset check is published as `clock_offset_ns` ± `clock_rtt_ns`/2). "
        "Limit: raw FUTEX_WAKE → FUTEX_WAIT return. Every primitive ends in a futex wake here, so all should "
        "sit near 1×; on a VM most of the time is the waiter's vCPU leaving idle (cpuidle haltpoll, PM QoS: "
        "`cpu_dma_latency` in the context), which drifts with load.",
    "completion_wake/cross_cpu_spinning":
        "The same rig without the settle time: the signal lands while the waiter is still in its fast path "
        "or spin phase (\"waiter spinning\"). Limit: a waiter that only spins on the word (the one-way "
        "cache-line transfer). `ref:completion_no_spin` shows what lastref's spin phase buys; "
        "`ref:raw_futex_one_word` is the always-sleeping reference.",
    "completion_wake/same_cpu":
        "Waker and waiter on ONE CPU: the waker sleeps instead of spinning, so each sample includes the "
        "switch from the waker to the woken waiter — what a wake on a busy CPU costs. Limit: raw futex "
        "wake → wait return.",
    "model_speed/1000_steps":
        "The model checker's own speed: 1000 scheduling points of a 2-thread program under the model "
        "(random schedules, sticky and uniform) against OS threads handing off 1000 times through "
        "semaphores (baseline: how a real-thread deterministic scheduler serialises threads). Limit: 1000 "
        "Boost.Context fcontext switches (a step that changes thread cannot be cheaper than one fiber "
        "switch; the model uses fcontext); `ref:ucontext_switches` is the other candidate.",
    "model_speed/kref_completion_execution":
        "One execution of a 3-thread kref + completion program: the model (random schedule) against the same "
        "program on 3 real threads (baseline: one stress-test execution). Limit: spawning and joining 3 "
        "empty threads, the floor of any OS-thread execution — for context only: the model creates no "
        "threads, so it sits far below it.",
    "model_speed/reference_bug_execution":
        "One model execution of the reference-bug scenario per variant (the buggy immediate unload, builtin "
        "release, drain residency): the cost of checking one schedule. Limit: one model execution of the "
        "kref + completion program, for scale. `failing_fraction`: the share of random schedules that hit "
        "the bug (0 for the fixed variants).",
    "model_search/find_reference_bug":
        "One search until the reference bug is found, per schedule source (random sticky / uniform, PCT, "
        "preemption-bounded DFS); counters `executions_to_find_median` / `_max`. Limit: a single execution "
        "of the scenario (no search can take less), so `× limit` is of the order of the executions a search "
        "needs.",
    "model_search/prove_clean":
        "Exhaustive search of a fixed variant (DFS under a preemption bound, or unbounded `_full`): the time "
        "to prove it clean. `schedules`: schedules explored; `complete` = 1 when the bound was exhausted; "
        "`failures` must be 0. Limit: a single execution.",
}

RELEASE_CELL = re.compile(r"^release_latency/(?P<releaser>normal|nice19|sched_idle)_(?P<hogs>none|normal|fifo)"
                          r"_k(?P<k>\d+)(?P<pinned>_pinned)?$")
RELEASER_TEXT = {"normal": "SCHED_OTHER nice 0", "nice19": "nice 19", "sched_idle": "SCHED_IDLE"}
HOGS_TEXT = {"none": "no CPU hogs", "normal": "SCHED_OTHER CPU hogs", "fifo": "duty-cycled SCHED_FIFO CPU hogs"}


def parse_cell(group):
    """'release_latency/sched_idle_normal_k2_pinned' -> {releaser, hogs, k, pinned, name}, else None."""
    m = RELEASE_CELL.match(group)
    if not m:
        return None
    return {"releaser": m["releaser"], "hogs": m["hogs"], "k": int(m["k"]), "pinned": bool(m["pinned"]),
            "name": group.split("/", 1)[1]}


def is_starved(cell):
    """Starved cells (bench/suites/README.md): a nice-19 or SCHED_IDLE releaser against normal hogs."""
    return cell["releaser"] in ("nice19", "sched_idle") and cell["hogs"] == "normal" and cell["k"] > 0


RELEASE_COMMON = (
    "Figure: p50 of (a) `put_to_teardown`, the releasing thread's last put → the unloader woke and tore the "
    "object down (`unload_*` counters: (b) unload request → module gone). Reference (named `limit:` in the "
    "benchmark, but not a limit: a futex wake can beat a timer wakeup): `timer_wakeup_unloader`, a "
    "cyclictest-style timer-wakeup lateness at the unloader's class under the same load; "
    "`ref:timer_wakeup_releaser` is the same probe at the releaser's class. `exposed`: samples in which the "
    "releaser was still in the module's text when `unload()` returned — 0 by construction for every safe "
    "strategy (anything else is a lastref bug); the UNSAFE row (reference only) shows the bug's real "
    "exposure. `ref:builtin_release_with_wait_yield` is builtin release over a completion whose wait ends its "
    "spin with `sched_yield` polls: the A/B of the yield phase lastref's completion does not have.")


def release_note(cell):
    hogs = HOGS_TEXT[cell["hogs"]] if cell["hogs"] == "none" else f"{cell['k']} {HOGS_TEXT[cell['hogs']]}"
    out = [f"Release latency, releaser {RELEASER_TEXT[cell['releaser']]}, {hogs}"
           + (", pinned (unloader on the first CPU, releaser on the last)" if cell["pinned"] else "") + "."]
    if is_starved(cell):
        out.append("Starved cell: the releaser rarely gets a CPU and can be preempted anywhere in its release, so "
                   "tails carry its scheduling delay (compare `ref:timer_wakeup_releaser`); `drain_residency` and "
                   "`complete_and_exit` also wait for it to leave the module's text after its signal, "
                   "`builtin_release` does not.")
    elif cell["hogs"] == "normal":
        out.append("Hogs of the unloader's own class: a wait that yields hands the CPU to a hog for the rest of "
                   "its slice — compare `builtin_release` with `ref:builtin_release_with_wait_yield`.")
    elif cell["hogs"] == "fifo":
        out.append("SCHED_FIFO hogs preempt every SCHED_OTHER thread, the probes included: tails follow the hog "
                   "bursts in every row, so compare with the probes rather than across cells.")
    else:
        out.append("No hogs: the cost of the release protocol itself. A low-priority releaser sharing a CPU with "
                   "the unloader can still be preempted right after its signal: the UNSAFE row's window.")
    out.append("Rows, counters and limit: see the release latency overview.")
    return " ".join(out)


def broadcast_note(n):
    return (f"`complete_all` to {n} sleeping waiters, from the broadcast to the LAST waiter returning; every "
            "waiter sleeps in the kernel first. Once N ≥ CPUs the waiters share CPUs with each other and the "
            "waker, so the figure includes wake-ups queueing for a CPU. Limit: one FUTEX_WAKE(INT_MAX) on a "
            "word every waiter sleeps on. Peers: `latch`, `shared_future`, `absl::Notification`, "
            "`atomic::notify_all`, condvar `notify_all`.")


def group_note(group):
    """The note for a benchmark group, or None for a group this report does not know."""
    if group in GROUP_NOTES:
        return GROUP_NOTES[group]
    m = re.match(r"^completion_broadcast/waiters_(\d+)$", group)
    if m:
        return broadcast_note(int(m.group(1)))
    cell = parse_cell(group)
    if cell:
        return release_note(cell)
    return None


# --------------------------------------------------------------------------- release overview

# Benchmark implementation -> (short key, column title); in column order.
RELEASE_IMPLS = (
    ("builtin_release", "builtin", "builtin"),
    ("builtin_release_with_wait_yield", "builtin_with_wait_yield", "builtin + wait yields (A/B)"),
    ("complete_and_exit", "complete_and_exit", "complete_and_exit"),
    ("module_put_and_exit", "module_put_and_exit", "module_put_and_exit"),
    ("drain_residency", "drain_residency", "drain_residency"),
    ("UNSAFE_immediate_unload", "unsafe_immediate", "UNSAFE immediate (exposed)"),
    ("timer_wakeup_unloader", "probe_unloader", "timer probe, unloader (reference)"),
    ("timer_wakeup_releaser", "probe_releaser", "timer probe, releaser"),
)
SAMPLE_KEYS = {"builtin": "builtin", "complete_and_exit": "complete_and_exit",
               "module_put_and_exit": "module_put_and_exit", "drain_residency": "drain_residency",
               "unsafe_immediate": "unsafe_immediate"}


def release_cells(rows, samples):
    """{cell name: {"cell": parsed, key: {p50_ns, p99_ns, count, exposed}}} from the release suite's
    benchmark rows and, where present, its samples file (merged over repetitions: preferred for the
    percentiles and counts). The with-wait-yield A/B is in the benchmark JSON only."""
    cells = {}
    key_of = {impl: key for impl, key, _ in RELEASE_IMPLS}
    for r in rows:
        cell = parse_cell(r["group"])
        if cell is None or r.get("error") or r["impl_base"] not in key_of:
            continue
        c = r.get("counters", {})
        mc = r.get("mean_counters", c)
        reps = max(1, r.get("reps") or 1)
        d = {"p50_ns": c["p50_us"] * 1e3 if "p50_us" in c else None,
             "p99_ns": c["p99_us"] * 1e3 if "p99_us" in c else None,
             "count": round(mc["samples"] * reps) if "samples" in mc else None,
             "exposed": round(mc["exposed"] * reps) if "exposed" in mc else None}
        cells.setdefault(cell["name"], {"cell": cell})[key_of[r["impl_base"]]] = d
    for s in samples or []:
        if str(s.get("metric")) not in ("put_to_teardown", "timer_wakeup"):
            continue
        name = str(s.get("benchmark", "")).split("/")
        cell = parse_cell("/".join(name[:2])) if len(name) >= 2 else None
        if cell is None:
            continue
        st = str(s.get("strategy"))
        key = f"probe_{s.get('probe_at')}" if st == "probe" else SAMPLE_KEYS.get(st)
        if key is None:
            continue
        num = {k: s.get(k) if isinstance(s.get(k), (int, float)) and not isinstance(s.get(k), bool) else None
               for k in ("p50_ns", "p99_ns", "count", "exposed")}
        cells.setdefault(cell["name"], {"cell": cell})[key] = num
    return cells


def cell_order(cell):
    order = {"normal": 0, "nice19": 1, "sched_idle": 2, "none": 0, "fifo": 2}
    return (cell["pinned"], order[cell["releaser"]], order[cell["hogs"]], cell["k"])


def release_overview(rows, samples, plot_dir, plots_ok):
    cells = release_cells(rows, samples)
    if not cells:
        return []
    names = sorted(cells, key=lambda n: cell_order(cells[n]["cell"]))
    cols = [(key, title) for _, key, title in RELEASE_IMPLS if any(key in cells[n] for n in names)]
    t = []
    for n in names:
        row = [f"`{n}`" + (" (starved)" if is_starved(cells[n]["cell"]) else "")]
        for key, _ in cols:
            d = cells[n].get(key)
            if not d or d.get("p50_ns") is None:
                row.append("–")
                continue
            s = (f"{fmt_pctl(d['p50_ns'], d.get('count'), 0.5)} / {fmt_pctl(d.get('p99_ns'), d.get('count'), 0.99)}"
                 f" (n = {cell(d.get('count'))})")
            if key == "unsafe_immediate" and d.get("exposed") is not None:
                s += f" (**{d['exposed']}**/{cell(d.get('count'))})" if d["exposed"] else f" (0/{cell(d.get('count'))})"
            row.append(s)
        t.append(row)
    lines = ["### Release latency overview", "",
             "p50 / p99 of `put_to_teardown` (the releasing thread's last put → the unloader tore the object "
             "down) per strategy and contention cell, beside the cell's timer-wakeup probes under the same load. "
             "`builtin + wait yields (A/B)` is builtin release over a completion whose wait ends its spin with "
             "`sched_yield` polls, which lastref's completion does not do: the difference is what yields would "
             "cost. The UNSAFE column gives its exposures: unloads that returned while the releaser was still "
             "in the module's text (the reference bug), out of its samples. Per-sample CDFs: the next section.",
             "", "Every `release_latency/<releaser>_<hogs>_k<K>[_pinned]` group: " + RELEASE_COMMON, "",
             md_table(["cell"] + [title for _, title in cols], t), ""]
    if plots_ok:
        png = plot_release_overview(cells, names, cols, plot_dir)
        if png:
            lines += [f"![release latency overview]({png})", ""]
    return lines


# One colour, marker and name per release strategy in every plot (overview and CDFs).
STRATEGY_STYLE = {"builtin": ("#1f77b4", "o", "builtin_release"),
                  "builtin_with_wait_yield": ("#ff7f0e", "o", "builtin_release + wait yields (A/B)"),
                  "complete_and_exit": ("#2ca02c", "o", "complete_and_exit"),
                  "module_put_and_exit": ("#9467bd", "o", "module_put_and_exit"),
                  "drain_residency": ("#17becf", "o", "drain_residency"),
                  "unsafe_immediate": ("#8c564b", "x", "UNSAFE immediate unload"),
                  "probe_unloader": (ROLE_COLORS["limit"], "|", "timer wakeup at the unloader (reference)"),
                  "probe_releaser": ("#7f7f7f", "|", "timer wakeup at the releaser")}


def strategy_style(key):
    return STRATEGY_STYLE.get(key, ("#bcbd22", "o", key))


def plot_release_overview(cells, names, cols, plot_dir):
    """One row per contention cell, one marker per strategy at its p50 with a line to its p99 (log x)."""
    import matplotlib.pyplot as plt
    keys = [k for k, _ in cols]
    if not any(cells[n].get(k, {}).get("p50_ns") for n in names for k in keys):
        return None
    fig, ax = plt.subplots(figsize=(9.5, 0.09 * len(names) * max(4, len(keys)) + 2.4))
    span = 0.8 / max(1, len(keys))
    for j, k in enumerate(keys):
        color, marker, label = strategy_style(k)
        for i, n in enumerate(names):
            d = cells[n].get(k)
            if not d or not d.get("p50_ns"):
                continue
            y = len(names) - 1 - i + 0.4 - span * (j + 0.5)
            # The line to p99 only where the samples support a p99.
            p99 = (d.get("p99_ns") or d["p50_ns"]) if supported(d.get("count"), 0.99) else d["p50_ns"]
            ax.plot([d["p50_ns"], max(p99, d["p50_ns"])], [y, y], color=color, linewidth=1.2,
                    linestyle="--" if k == "builtin_with_wait_yield" else "-")
            ax.scatter([d["p50_ns"]], [y], color=color, marker=marker, s=28, zorder=3,
                       label=label if i == next(ii for ii, nn in enumerate(names) if cells[nn].get(k)) else None)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(list(reversed([n + (" (starved)" if is_starved(cells[n]["cell"]) else "") for n in names])),
                       fontsize=8)
    for y in range(len(names)):
        ax.axhline(y - 0.5, color="#dddddd", linewidth=0.6)
    ax.set_xscale("log")
    time_axis(ax)
    ax.grid(True, which="major", axis="x", alpha=0.3)
    ax.set_xlabel("last put → object torn down: marker at p50, line to p99 where the samples support it (log scale)")
    ax.set_title("Release latency per strategy and contention cell", fontsize=10)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=7.5, loc="lower center", ncol=min(4, len(keys)),
               frameon=False)
    fig.tight_layout(rect=(0, 0.65 / fig.get_figheight(), 1, 1))
    name = "release_latency_overview.png"
    fig.savefig(os.path.join(plot_dir, name), dpi=110)
    plt.close(fig)
    return f"plots/{name}"


def bench_sections(results_dir, plot_dir, plots_ok):
    files = sorted(f for f in glob.glob(os.path.join(results_dir, "bench", "*.json"))
                   if not os.path.basename(f).startswith("_") and os.path.basename(f) != SAMPLES_FILE)
    lines = ["## Benchmarks", ""]
    status_path = os.path.join(results_dir, "bench", "_status.json")
    if os.path.exists(status_path):
        st = load_json(status_path, rel(status_path, os.getcwd()))
        bins = st.get("binaries", []) if isinstance(st, dict) else []
        bad = [b for b in bins if isinstance(b, dict) and b.get("status") != "ok"]
        lines.append(f"run_bench.sh: {len(bins)} binaries, {st.get('repetitions', '?')} repetitions, "
                     f"min time {st.get('min_time_s', '?')} s, budget {st.get('budget_s', '?')} s, "
                     f"took {st.get('elapsed_s', '?')} s.")
        lines.append("")
        if bad:
            lines += ["**Not all benchmarks ran:**", ""] + [f"- `{b.get('binary')}`: {b.get('status')}" for b in bad] + [""]
    if not files:
        lines += ["_Not run: no Google Benchmark JSON in `bench/` (run `bench/run_bench.sh BUILD_DIR`)._", ""]
        return lines, []
    contexts = []
    all_rows = []
    for path in files:
        ctx, rows = load_bench_file(path, rel(path, os.getcwd()))
        contexts.append((rel(path, results_dir), ctx))
        all_rows += rows
    groups = {}
    for r in all_rows:
        groups.setdefault(r["group"], []).append(r)
    # Machine and run context.
    lines.append("Medians over repetitions (`--benchmark_repetitions`, repetitions randomly "
                 "interleaved; the JSON keeps every repetition for `results/compare.py`); every group holds its baselines and its physical limit, "
                 "measured in the same binary and run. Figures: p50 of the per-event samples for "
                 "latency groups; wall time per operation for blocking and two-thread groups; the "
                 "benchmark thread's CPU time per operation for single-thread throughput (so that "
                 "other load on a shared machine does not inflate it). `× limit` = figure ÷ the group's "
                 "physical limit (1.00× = at the limit); `lastref ÷ baseline` below 1 = lastref is "
                 "faster than what people use instead.")
    lines.append("")
    ctx_rows = []
    for shown, ctx in contexts:
        extra = "; ".join(f"{k[len('lastref_'):] if k.startswith('lastref_') else k}={v}" for k, v in ctx.items()
                          if k.startswith("lastref_") or k == "cpu_dma_latency")
        ctx_rows.append([shown, ctx.get("date", "?"), ctx.get("host_name", "?"), ctx.get("num_cpus", "?"),
                         ctx.get("mhz_per_cpu", "?"),
                         " ".join(f"{x:.2f}" for x in ctx.get("load_avg", []) if isinstance(x, (int, float))),
                         ctx.get("library_build_type", "?"), extra])
    lines.append(md_table(["file", "date", "host", "CPUs", "MHz", "load avg", "libbenchmark build", "lastref context"],
                          ctx_rows))
    lines.append("")
    if any(c.get("library_build_type") == "debug" for _, c in contexts):
        lines.append("Debian's libbenchmark reports itself as a debug build; that concerns the harness "
                     "library only — the suites themselves are compiled Release (-O3).")
        lines.append("")
    summary = []
    sp = samples_path(results_dir)
    body = release_overview(all_rows, load_samples(sp)[1] if sp else [], plot_dir, plots_ok)
    for group in sorted(groups, key=lambda g: (parse_cell(g) is not None, g)):
        cell_ = parse_cell(group)
        # Release cells: the overview above plots them all; a bar plot per cell would repeat it.
        sec, limit_of = bench_group_section(group, groups[group], plots_ok and cell_ is None, plot_dir,
                                            group_note(group))
        body += sec
        if cell_ is not None:
            continue  # summarised by the overview (p50/p99 per strategy and cell), not row by row
        for r in group_rows(groups[group]):
            if r["role"] == "lastref" and metric_ns(r):
                limit = limit_of(r)
                lim = fmt_ratio(metric_ns(r) / metric_ns(limit)) if limit else "–"
                bases = [b for b in groups[group] if b["role"] == "baseline" and metric_ns(b)
                         and b["variant"] == r["variant"]]
                best = min(bases, key=metric_ns) if bases else None
                px = r.get("counters", {}).get("x_paired_limit")
                if px:
                    lim += f" (paired {fmt_ratio(px)})"
                summary.append([group, r["impl"], fmt_ns(metric_ns(r)),
                                f"{fmt_ns(metric_ns(limit))} ({limit['impl']})" if limit else "–", lim,
                                f"{best['impl']}: {fmt_ns(metric_ns(best))}" if best else "–",
                                fmt_ratio(metric_ns(r) / metric_ns(best)) if best else "–"])
    if summary:
        lines += ["### Summary: every lastref figure beside its limit and its fastest baseline", "",
                  "Figure: p50 for latency groups, else median time per operation. Release latency: see the "
                  "release latency overview below.", "",
                  md_table(["group", "lastref", "figure", "physical limit", "× limit", "fastest baseline",
                            "× baseline"], summary), ""]
    lines += body
    return lines, all_rows


# --------------------------------------------------------------------------- release samples

SAMPLES_FILE = "release_latency_samples.json"
STRATEGY_ORDER = ("builtin", "complete_and_exit", "drain_residency", "unsafe_immediate", "probe")


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


def contention_label(c):
    hogs = str(c.get("hogs", "?"))
    parts = [f"releaser {c.get('releaser', '?')}",
             "no hogs" if hogs == "none" else f"{c.get('k', '?')} {hogs} hog(s)"]
    if c.get("pinned"):
        parts.append("pinned")
    return ", ".join(parts)


def level_key(c):
    order = {"normal": 0, "nice19": 1, "sched_idle": 2, "none": 0, "fifo": 2}
    return (bool(c.get("pinned")), order.get(str(c.get("releaser")), 9), str(c.get("releaser")),
            order.get(str(c.get("hogs")), 9), c.get("k") if isinstance(c.get("k"), int) else 0)


def line_name(c):
    """A cell's strategy; the two timer probes of a cell differ in probe_at."""
    st = str(c.get("strategy", "?"))
    return f"{st} ({c['probe_at']})" if c.get("probe_at") else st


def strategy_key(name):
    name = name.split(" (")[0] if " (" in name else name
    return (STRATEGY_ORDER.index(name) if name in STRATEGY_ORDER else len(STRATEGY_ORDER), name)


METRIC_WORDS = {"put_to_teardown": "Last put → object torn down", "unload_to_gone": "Unload request → module gone",
                "timer_wakeup": "Timer wakeup lateness"}


def plot_samples_cdf(metric, cells, plot_dir):
    import matplotlib.pyplot as plt
    levels = list(dict.fromkeys(contention_label(c) for c in sorted(cells, key=level_key)))
    ncols = min(3, len(levels))
    nrows = (len(levels) + ncols - 1) // ncols
    # Shared x: the panels of one figure compare at a glance.
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols + 0.6, 3.4 * nrows + 0.9),
                             squeeze=False, sharey=True, sharex=True)
    for ax, level in zip([a for row in axes for a in row], levels):
        for c in sorted((c for c in cells if contention_label(c) == level),
                        key=lambda c: (strategy_key(line_name(c)), line_name(c))):
            pts = sorted((float(ub), float(n)) for ub, n in c["buckets"] if n > 0)
            total = sum(n for _, n in pts)
            if not total:
                continue
            xs, ys, acc = [], [], 0.0
            for ub, n in pts:
                acc += n
                xs.append(max(ub, 1.0))
                ys.append(acc / total)
            st = line_name(c)
            key = f"probe_{c['probe_at']}" if c.get("probe_at") else SAMPLE_KEYS.get(st, st)
            color, _, label = strategy_style(key)
            ax.step(xs, ys, where="post", color=color, linewidth=1.6,
                    linestyle="--" if st.startswith("unsafe") else "-", label=f"{label} (n={int(total)})")
        ax.set_xscale("log")
        time_axis(ax)
        ax.set_ylim(0, 1.02)
        ax.grid(True, which="both", alpha=0.3)
        ax.set_title(level, fontsize=8.5)
        ax.legend(fontsize=6.5, loc="lower right")
    for ax in [a for row in axes for a in row][len(levels):]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel("fraction of samples ≤ x")
    fig.suptitle(f"{METRIC_WORDS.get(metric, metric)}: share of samples at or below x, per strategy and "
                 "contention level (log x)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))  # room for the suptitle
    name = f"cdf_{slug(metric)}.png"
    fig.savefig(os.path.join(plot_dir, name), dpi=110)
    plt.close(fig)
    return f"plots/{name}"


def samples_section(results_dir, plot_dir, plots_ok):
    lines = ["## Release latency distributions (per-sample histograms)", ""]
    path = samples_path(results_dir)
    if path is None:
        return lines + [f"_Not run: no `bench/{SAMPLES_FILE}` (written by `lastref_bench_release_latency "
                        "--lastref_samples_out`, which bench/run_bench.sh passes when the binary has it)._", ""]
    ctx, cells = load_samples(path)
    if ctx:
        lines += ['<details markdown="1"><summary>Context of the release suite</summary>', "",
                  md_table(["key", "value"], [[k, str(v) if isinstance(v, str) else cell(v)] for k, v in ctx.items()]),
                  "", "</details>", ""]
    if not cells:
        return lines + ["_The samples file holds no cells._", ""]
    metrics = list(dict.fromkeys(str(c.get("metric", "latency")) for c in cells))
    for metric in metrics:
        mc = [c for c in cells if str(c.get("metric", "latency")) == metric]
        lines += [f"### `{metric}`", ""]
        t = []
        for c in sorted(mc, key=lambda c: (level_key(c), strategy_key(line_name(c)), line_name(c))):
            ns = {k: c.get(k) if isinstance(c.get(k), (int, float)) else None
                  for k in ("p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns")}
            exposed = c.get("exposed")
            n = c.get("count")
            t.append([line_name(c), contention_label(c), cell(n),
                      *(fmt_pctl(ns[k], n, q) for k, q in (("p50_ns", 0.5), ("p90_ns", 0.9), ("p99_ns", 0.99),
                                                            ("p999_ns", 0.999))),
                      fmt_ns(ns["max_ns"]),
                      "–" if exposed is None else (f"**{exposed}**" if exposed else "0")])
        lines += [md_table(["strategy", "contention", "samples", "p50", "p90", "p99", "p99.9", "max",
                            "exposed (reference bug)"], t), ""]
        if plots_ok:
            png = plot_samples_cdf(metric, mc, plot_dir)
            lines += [f"![{metric} CDF]({png})", ""]
    return lines


# --------------------------------------------------------------------------- scorecards

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


def cell(v):
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return fmt_num(v)
    if isinstance(v, (dict, list)):
        s = json.dumps(v, separators=(",", ":"))
        return s if len(s) <= 80 else s[:77] + "..."
    return str(v)


def generic_table(records, max_rows=400):
    cols = []
    for r in records:
        for k in r:
            if k not in cols:
                cols.append(k)
    rows = [[cell(r.get(c)) for c in cols] for r in records[:max_rows]]
    out = md_table(cols, rows) if cols else "_(no records)_"
    if len(records) > max_rows:
        out += f"\n\n_({len(records) - max_rows} more rows not shown)_"
    return out


def pick(keys, candidates):
    low = {k.lower(): k for k in keys}
    for c in candidates:
        if c in low:
            return low[c]
    return None


def meta_lines(meta):
    """Scalars as bullets; objects as one nested bullet list; objects of
    objects and lists of objects as tables of their own."""
    out, tables = [], []
    for k, v in meta.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            tables += [f"**{k}**", "", generic_table(v), ""]
        elif isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values()):
            tables += [f"**{k}**", "", generic_table([dict({"name": n}, **x) for n, x in v.items()]), ""]
        elif isinstance(v, dict):
            out.append(f"- **{k}**: " + "; ".join(f"{kk}={cell(vv)}" for kk, vv in v.items()))
        else:
            out.append(f"- **{k}**: {cell(v)}")
    return out + ([""] if out else []), tables


def truthy(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v > 0
    if isinstance(v, str):
        return v.strip().lower() in ("yes", "true", "found", "detected", "1", "caught")
    return False


def detection_section(results_dir, plot_dir, plots_ok):
    path = os.path.join(results_dir, "detection.json")
    lines = ["## Detection scorecard (bug zoo)", ""]
    if not os.path.exists(path):
        return lines + ["_Not run: no `detection.json`._", ""]
    shown = rel(path, os.getcwd())
    records, meta = records_of(load_json(path, shown), shown)
    bullets, tables = meta_lines(meta)
    lines += bullets
    if os.path.exists(os.path.join(results_dir, "detection.md")):
        lines += ["The scorecard's own write-up, with its notes: [detection.md](detection.md).", ""]
    if not records:
        return lines + tables + ["_The scorecard holds no records._", ""]
    keys = set().union(*(r.keys() for r in records))
    nested_k = next((k for k in records[0] if all(
        isinstance(r.get(k), dict) and r[k] and all(isinstance(x, dict) for x in r[k].values())
        for r in records)), None)
    if nested_k is not None:
        # {name: ..., results: {detector: {status, found_seeds, seeds, median_...}}}
        lines += nested_detection(records, nested_k, meta, plot_dir, plots_ok)
        return lines + tables
    rk = pick(keys, ("variant", "bug", "zoo_variant", "case", "scenario"))
    ck = pick(keys, ("detector", "tool", "oracle", "harness", "mode", "engine"))
    vk = pick(keys, ("found", "detected", "caught", "result", "status"))
    if rk and ck and vk:
        rows_k = list(dict.fromkeys(str(r.get(rk)) for r in records))
        cols_k = list(dict.fromkeys(str(r.get(ck)) for r in records))
        grid = {(str(r.get(rk)), str(r.get(ck))): r for r in records}
        xk = pick(keys, ("expected", "expect_found", "should_find", "buggy", "is_bug", "expected_found"))

        def expected(r):
            if xk is not None and r.get(xk) is not None:
                return truthy(r.get(xk))
            name = str(r.get(rk)).lower()
            return False if re.search(r"(^|[/_:. -])(correct|fixed|good|clean)", name) else None

        ek = pick(keys, ("median_execs", "execs", "median_execs_to_find", "execs_to_find", "iterations"))
        sk = pick(keys, ("median_seconds", "seconds", "median_s", "time_s", "seconds_to_find"))
        lines.append(f"Found? ({rk} × {ck}; cells: found, then median execs / seconds to find where given)")
        lines.append("")
        t = []
        for rv in rows_k:
            row = [rv]
            for cv in cols_k:
                r = grid.get((rv, cv))
                if r is None:
                    row.append("–")
                    continue
                found, want = truthy(r.get(vk)), expected(r)
                if want is False:
                    s = "✘ FALSE POSITIVE" if found else "✔ silent (correct variant)"
                else:
                    s = "✔ found" if found else "✘ missed"
                extra = [x for x in ((f"{cell(r.get(ek))} execs" if ek and r.get(ek) is not None else None),
                                     (f"{cell(r.get(sk))} s" if sk and r.get(sk) is not None else None)) if x]
                if extra:
                    s += " (" + ", ".join(extra) + ")"
                row.append(s)
            t.append(row)
        lines += [md_table([rk] + cols_k, t), ""]
        if plots_ok:
            png = plot_matrix(rows_k, cols_k, grid, vk, expected, "detection scorecard", "detection_matrix.png", plot_dir)
            lines += [f"![detection]({png})", ""]
    lines += ['<details markdown="1"><summary>All records</summary>', "", generic_table(records), "", "</details>", ""]
    return lines + tables


def nested_cell(r):
    """(text, score) of one detector's result on one variant; score 2 = found
    on every seed, 1 = on some, 0 = missed, -1 = not applicable."""
    status = str(r.get("status", "")).lower()
    if status in ("n/a", "na", "not_applicable", "skipped"):
        return "n/a", -1
    fs, sd = r.get("found_seeds"), r.get("seeds")
    if isinstance(fs, int) and isinstance(sd, int) and sd > 0:
        found = fs > 0
        frac = f"{fs}/{sd}"
        score = 2 if fs == sd else (1 if fs > 0 else 0)
    else:
        found = truthy(r.get("found", status in ("found", "detected", "caught")))
        frac = ""
        score = 2 if found else 0
    if not found:
        return f"✗ {frac}".strip(), 0
    ex, sec = r.get("median_executions"), r.get("median_seconds")
    extra = []
    if isinstance(ex, (int, float)) and not r.get("executions_unknown"):
        extra.append(f"{fmt_num(ex)} ex")
    if isinstance(sec, (int, float)):
        extra.append(fmt_ns(sec * 1e9))
    mark = "✓" if score == 2 else "~"
    return f"{mark} {frac}" + (": " + ", ".join(extra) if extra else ""), score


def nested_detection(records, nk, meta, plot_dir, plots_ok):
    lines = []
    keys = list(dict.fromkeys(k for r in records for k in r))
    namek = pick(keys, ("name", "variant", "bug", "case")) or keys[0]
    cols = list(meta.get("detectors", {}).keys()) if isinstance(meta.get("detectors"), dict) else []
    for r in records:
        cols += [c for c in r[nk] if c not in cols]
    rows, grid = [], {}
    for r in records:
        label = str(r.get(namek))
        if "item" in r:
            label = f"{r['item']}. {label}"
        rows.append(label)
        for c in cols:
            if c in r[nk]:
                grid[(label, c)] = nested_cell(r[nk][c])
    lines.append(f"Per {namek} × detector (`{nk}`): ✓ found on every seed, ~ on some, ✗ missed, with the "
                 "median executions and time to first detection.")
    lines.append("")
    lines.append(md_table([namek] + cols, [[rv] + [grid.get((rv, c), ("–", -1))[0] for c in cols] for rv in rows]))
    lines.append("")
    if plots_ok:
        lines += [f"![detection]({plot_nested(rows, cols, grid, plot_dir)})", ""]
        png = plot_time_to_detection(records, nk, rows, cols, plot_dir)
        if png:
            lines += ["Time to detection: median over the seeds that found the bug (a missing marker: "
                      "not found, not applicable, or the detector does not count executions).", "",
                      f"![time to detection]({png})", ""]
    scalar_keys = [k for k in keys if k != nk and all(
        not isinstance(r.get(k), (dict, list)) and len(str(r.get(k, ""))) <= 120 for r in records)]
    lines += ['<details markdown="1"><summary>Variants</summary>', "",
              generic_table([{k: r.get(k) for k in scalar_keys} for r in records]), "", "</details>", ""]
    return lines


def plot_time_to_detection(records, nk, rows, cols, plot_dir):
    """Median seconds and median executions to the first detection, per zoo
    variant (y) and detector (marker), on log axes."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter
    pts = {"median_seconds": [], "median_executions": []}
    for label, r in zip(rows, records):
        for j, c in enumerate(cols):
            res = r[nk].get(c)
            if not isinstance(res, dict) or not (res.get("found_seeds") or truthy(res.get("found"))
                                                 or str(res.get("status", "")).lower() == "found"):
                continue
            for k in pts:
                v = res.get(k)
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and not (
                        k == "median_executions" and res.get("executions_unknown")):
                    pts[k].append((label, c, float(v)))
    if not pts["median_seconds"] and not pts["median_executions"]:
        return None
    panels = [k for k in pts if pts[k]]
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels) + 1.5, 0.36 * len(rows) + 1.9),
                             squeeze=False, sharey=True)
    cmap = plt.get_cmap("tab10")
    markers = "os^vDP*Xh<>"
    ypos = {label: len(rows) - 1 - i for i, label in enumerate(rows)}
    off = {c: (j - (len(cols) - 1) / 2) * min(0.09, 0.8 / max(len(cols), 1)) for j, c in enumerate(cols)}
    for ax, k in zip(axes[0], panels):
        for j, c in enumerate(cols):
            mine = [(lab, v) for lab, cc, v in pts[k] if cc == c]
            if mine:
                ax.scatter([v for _, v in mine], [ypos[lab] + off[c] for lab, _ in mine], s=22,
                           marker=markers[j % len(markers)], color=cmap(j % 10), label=c, zorder=3)
        ax.set_xscale("log")
        if k == "median_seconds":
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_ns(v * 1e9)))
        ax.set_xlabel("median time to detection" if k == "median_seconds" else "median executions to detection")
        ax.grid(True, which="both", axis="x", alpha=0.3)
        for y in range(len(rows)):
            ax.axhline(y - 0.5, color="#dddddd", linewidth=0.6)
    axes[0][0].set_yticks(range(len(rows)))
    axes[0][0].set_yticklabels(list(reversed(rows)), fontsize=8)
    axes[0][0].set_ylim(-0.6, len(rows) - 0.4)
    handles, labels = axes[0][0].get_legend_handles_labels()
    for ax in axes[0][1:]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, fontsize=7.5, loc="lower center", ncol=min(len(labels), 8), frameon=False)
    fig.suptitle("time to detection per zoo variant and detector (log scale)", fontsize=10)
    fig.tight_layout(rect=(0, 0.45 / fig.get_figheight(), 1, 1))
    fig.savefig(os.path.join(plot_dir, "time_to_detection.png"), dpi=110)
    plt.close(fig)
    return "plots/time_to_detection.png"


def plot_nested(rows, cols, grid, plot_dir):
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    m = [[grid.get((r, c), ("", -1))[1] for c in cols] for r in rows]
    fig, ax = plt.subplots(figsize=(1.15 * len(cols) + 4.2, 0.34 * len(rows) + 1.6))
    cmap = ListedColormap(["#eeeeee", "#e06666", "#f1c232", "#6aa84f"])
    ax.imshow([[v + 1 for v in row] for row in m], cmap=cmap, vmin=0, vmax=3, aspect="auto")
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels(cols, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize=8)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            t = grid.get((r, c), ("–", -1))[0]
            ax.text(j, i, t.split(":")[0], ha="center", va="center", fontsize=6.5)
    ax.set_title("detection scorecard: green found on every seed, yellow on some, red missed, grey n/a",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(plot_dir, "detection_matrix.png"), dpi=110)
    plt.close(fig)
    return "plots/detection_matrix.png"


def plot_matrix(rows_k, cols_k, grid, vk, expected, title, name, plot_dir):
    """Green: the detector did the right thing (found a bug / stayed silent on
    a correct variant); red: it did not."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    words = {}

    def score(r):
        found, want = truthy(r.get(vk)), expected(r)
        if want is False:
            words[id(r)] = "false positive" if found else "silent (ok)"
            return 0 if found else 1
        words[id(r)] = "found" if found else "missed"
        return 1 if found else 0

    m = [[score(grid[(r, c)]) if (r, c) in grid else -1 for c in cols_k] for r in rows_k]
    fig, ax = plt.subplots(figsize=(1.2 * len(cols_k) + 3.5, 0.35 * len(rows_k) + 1.5))
    cmap = ListedColormap(["#eeeeee", "#e06666", "#6aa84f"])
    ax.imshow([[v + 1 for v in row] for row in m], cmap=cmap, vmin=0, vmax=2, aspect="auto")
    ax.set_xticks(range(len(cols_k)))
    ax.set_xticklabels(cols_k, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows_k)))
    ax.set_yticklabels(rows_k, fontsize=8)
    for i, row in enumerate(m):
        for j, v in enumerate(row):
            r = grid.get((rows_k[i], cols_k[j]))
            ax.text(j, i, words[id(r)] if r is not None else "–", ha="center", va="center", fontsize=7)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(plot_dir, name), dpi=110)
    plt.close(fig)
    return f"plots/{name}"


def record_label(r, name_key):
    """A record's name plus the fields that tell apart records sharing it."""
    parts = [str(r.get(k)) for k in ("build", name_key, "variant", "args", "scenario")
             if k in r and r.get(k) not in (None, "", "-")]
    seen = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    return " ".join(seen) or str(r.get(name_key))


def plot_bars(records, name_key, value_key, title, name, plot_dir, xlabel):
    import matplotlib.pyplot as plt
    data = [(record_label(r, name_key), float(r[value_key])) for r in records
            if isinstance(r.get(value_key), (int, float)) and not isinstance(r.get(value_key), bool)]
    if not data:
        return None
    data = data[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(data) + 1.4))
    ax.barh(range(len(data)), [v for _, v in data], color="#1f77b4")
    ax.set_yticks(range(len(data)))
    ax.set_yticklabels([n for n, _ in data], fontsize=8)
    for i, (_, v) in enumerate(data):
        ax.text(v, i, " " + fmt_num(v), va="center", fontsize=7)
    vals = [v for _, v in data if v > 0]
    if vals and max(vals) / min(vals) > 50:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.2)
    fig.tight_layout()
    fig.savefig(os.path.join(plot_dir, name), dpi=110)
    plt.close(fig)
    return f"plots/{name}"


def rate_key(keys, stem):
    for k in keys:
        kl = k.lower().replace(" ", "")
        if re.search(stem + r".*(/s|per_?s(ec(ond)?)?$|_s$|ps$)", kl):
            return k
    return None


def scorecard_section(results_dir, plot_dir, plots_ok, file, title, name_cands, stem, what):
    path = os.path.join(results_dir, file)
    lines = [f"## {title}", ""]
    if not os.path.exists(path):
        return lines + [f"_Not run: no `{file}`._", ""]
    shown = rel(path, os.getcwd())
    records, meta = records_of(load_json(path, shown), shown)
    bullets, tables = meta_lines(meta)
    lines += bullets + tables
    if not records:
        return lines + ["_No records._", ""]
    keys = list(dict.fromkeys(k for r in records for k in r))
    nk = pick(keys, name_cands) or keys[0]
    problems = []
    for r in records:
        why = [f"{k}={cell(r[k])}" for k in ("error", "violations", "crashes", "tsan_report", "failures")
               if k in r and r[k] not in (None, 0, False, "", [], "0")]
        if why:
            problems.append(f"- `{record_label(r, nk)}`: " + ", ".join(why))
    if problems:
        lines += [f"**{len(problems)} of {len(records)} records report a problem:**", ""] + problems + [""]
    else:
        lines += [f"No record reports an error, violation or crash ({len(records)} records).", ""]
    lines += [generic_table(records), ""]
    rk = rate_key(keys, stem)
    if plots_ok and rk:
        png = plot_bars(records, nk, rk, f"{title}: {rk}", f"{slug(file)}.png", plot_dir, f"{rk} ({what})")
        if png:
            lines += [f"![{title}]({png})", ""]
    return lines


def tsan_slowdowns(records):
    """[(harness and arguments, plain ops/s, TSan ops/s, slowdown)] for each
    stress-harness run that ran in both builds."""
    by = {}
    for r in records:
        v = r.get("ops_per_s")
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and r.get("build") in ("plain", "tsan"):
            by.setdefault(f"{r.get('harness')} {r.get('args', '')}".strip(), {})[r["build"]] = v
    return [(k, d["plain"], d["tsan"], d["plain"] / d["tsan"]) for k, d in sorted(by.items())
            if "plain" in d and "tsan" in d]


def plot_tsan_slowdown(rows, plot_dir):
    import matplotlib.pyplot as plt
    rows = rows[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 1.5))
    ax.plot([x[3] for x in rows], range(len(rows)), "o", color=ROLE_COLORS["lastref"])
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([x[0] for x in rows], fontsize=8)
    for i, x in enumerate(rows):
        ax.annotate(f" {x[3]:.1f}×", (x[3], i), va="center", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("ThreadSanitizer slowdown: operations per second plain ÷ under TSan (log scale)")
    ax.set_title("How much slower each stress harness runs under ThreadSanitizer", fontsize=10)
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.margins(x=0.15, y=0.08)
    fig.tight_layout()
    name = "tsan_slowdown_per_harness.png"
    fig.savefig(os.path.join(plot_dir, name), dpi=110)
    plt.close(fig)
    return f"plots/{name}"


def tsan_section(results_dir, plot_dir, plots_ok):
    """The TSan records as a table (no bar plot: it would repeat the ops/s
    column), then the TSan slowdown per harness, table and plot."""
    lines = scorecard_section(results_dir, plot_dir, False, "tsan.json", "TSan jobs and stress-harness throughput",
                              ("harness", "name", "job"), "ops", "operations per second")
    path = os.path.join(results_dir, "tsan.json")
    if not os.path.exists(path):
        return lines
    shown = rel(path, os.getcwd())
    records, _ = records_of(load_json(path, shown), shown)
    rows = tsan_slowdowns(records)
    if rows:
        lines += ["### ThreadSanitizer slowdown per harness", "",
                  md_table(["harness", "plain ops/s", "TSan ops/s", "slowdown"],
                           [[f"`{k}`", fmt_num(a), fmt_num(b), f"{x:.1f}×"] for k, a, b, x in rows]), ""]
        if plots_ok:
            lines += [f"![TSan slowdown per harness]({plot_tsan_slowdown(rows, plot_dir)})", ""]
    return lines


# --------------------------------------------------------------------------- headline

def find_row(rows, group, role, impl_base, threads=None):
    for r in rows:
        if (r["group"] == group and r["role"] == role and r["impl_base"] == impl_base and r["threads"] == threads
                and metric_ns(r)):
            return r
    return None


def limit_row(rows, group, threads=None):
    return next((r for r in rows if r["group"] == group and r["role"] == "limit" and r["threads"] == threads
                 and metric_ns(r)), None)


def best_peer(rows, group, threads=None):
    """The fastest baseline (what people use instead; never a ref or the UNSAFE reference) at the same
    thread count."""
    peers = [r for r in rows if r["group"] == group and r["role"] == "baseline" and r["threads"] == threads
             and metric_ns(r) and "UNSAFE" not in r["impl_base"]]
    return min(peers, key=metric_ns) if peers else None


def vs_limit_and_peer(rows, group, impl, threads=None, what="", paired=True):
    """(figure, compared with, ratio) of lastref:impl against the group's limit and best peer."""
    me = find_row(rows, group, "lastref", impl, threads)
    if me is None:
        return None
    lim, peer = limit_row(rows, group, threads), best_peer(rows, group, threads)
    m = metric_ns(me)
    against, ratio = [], []
    if lim:
        against.append(f"limit `{lim['impl_base']}` {fmt_ns(metric_ns(lim))}")
        px = me.get("counters", {}).get("x_paired_limit") if paired else None
        ratio.append(f"{fmt_ratio(m / metric_ns(lim))} limit" + (f" (paired {fmt_ratio(px)})" if px else ""))
    if peer:
        against.append(f"best peer `{peer['impl_base']}` {fmt_ns(metric_ns(peer))}")
        ratio.append(f"{fmt_ratio(m / metric_ns(peer))} best peer")
    n = me.get("counters", {}).get("samples") if is_latency(me) else None
    fig = fmt_pctl(m, n, 0.5) if n is not None else fmt_ns(m)
    fig += (f" {what}" if what else "") + (f" (n = {fmt_num(n)} per repetition × {me.get('reps') or 1})"
                                           if n is not None else "")
    return [fig, "; ".join(against) or "–", "; ".join(ratio) or "–"]


def p50_p99(d):
    n = d.get("count")
    return f"{fmt_pctl(d.get('p50_ns'), n, 0.5)} / {fmt_pctl(d.get('p99_ns'), n, 0.99)} (n = {cell(n)})"


def ratio_pair(a, b):
    def one(k):
        q = 0.99 if k == "p99_ns" else 0.5
        if not (supported(a.get("count"), q) and supported(b.get("count"), q)):
            return "n too small"
        return fmt_ratio(a[k] / b[k]) if a.get(k) and b.get(k) else "–"
    return f"{one('p50_ns')} / {one('p99_ns')}"


def headline_release(rows, samples):
    """Builtin and drain_residency in the most starved cell against the timer probes, and the
    UNSAFE strategy's exposures summed over every cell."""
    cells = release_cells(rows, samples)
    out = []
    # The most starved cell: unpinned first, SCHED_IDLE before nice 19, then the most hogs.
    rank = {"sched_idle": 0, "nice19": 1}
    starved = sorted((n for n in cells if is_starved(cells[n]["cell"])),
                     key=lambda n: (cells[n]["cell"]["pinned"], rank[cells[n]["cell"]["releaser"]],
                                    -cells[n]["cell"]["k"]))
    if starved:
        n = starved[0]
        c = cells[n]
        lim, rel_probe = c.get("probe_unloader"), c.get("probe_releaser")
        for key, label in (("builtin", "builtin_release"), ("drain_residency", "drain_residency")):
            d = c.get(key)
            if not d or d.get("p50_ns") is None:
                out.append([f"release put→teardown p50 / p99, `{label}`, starved cell `{n}`", "not run", "–",
                            "–"])
                continue
            against = []
            if lim:
                against.append(f"timer probe at the unloader (reference) {p50_p99(lim)}")
            if rel_probe:
                against.append(f"at the releaser {p50_p99(rel_probe)}")
            out.append([f"release put→teardown p50 / p99, `{label}`, starved cell `{n}`", p50_p99(d),
                        "; ".join(against) or "–", (ratio_pair(d, lim) + " reference") if lim else "–"])
    else:
        out.append(["release put→teardown p50 / p99 in a starved cell", "not run", "–", "–"])
    unsafe = [(n, cells[n]["unsafe_immediate"]) for n in cells
              if isinstance(cells[n].get("unsafe_immediate", {}).get("exposed"), (int, float))
              and isinstance(cells[n]["unsafe_immediate"].get("count"), (int, float))]
    if unsafe:
        exp = sum(d["exposed"] for _, d in unsafe)
        cnt = sum(d["count"] for _, d in unsafe)
        worst = max(unsafe, key=lambda x: (x[1]["exposed"] / x[1]["count"] if x[1]["count"] else 0, x[1]["exposed"]))
        safe = [d for n in cells for k, d in cells[n].items()
                if k in ("builtin", "builtin_with_wait_yield", "complete_and_exit", "module_put_and_exit",
                         "drain_residency") and isinstance(d.get("exposed"), (int, float))]
        safe_txt = (f"safe strategies: {sum(d['exposed'] for d in safe)} of "
                    f"{sum(d['count'] or 0 for d in safe)}") if safe else "safe strategies: –"
        out.append([f"UNSAFE immediate unload: unloads that returned with the releaser still in the module's text "
                    f"({len(unsafe)} cells)", f"{exp} of {cnt}",
                    f"{safe_txt}; worst cell `{worst[0]}` {worst[1]['exposed']}/{worst[1]['count']}",
                    fmt_pct(exp / cnt) if cnt else "–"])
    else:
        out.append(["UNSAFE immediate unload: exposures", "not run", "–", "–"])
    return out


def headline_detection(results_dir):
    path = os.path.join(results_dir, "detection.json")
    label = "bug zoo: variants found by the schedule fuzzer"
    if not os.path.exists(path):
        return [label, "not run", "–", "–"]
    shown = rel(path, os.getcwd())
    data = load_json(path, shown)
    records, meta = records_of(data, shown)
    verdict = meta.get("verdict") if isinstance(meta.get("verdict"), dict) else {}
    det = verdict.get("schedule_fuzzer_detector") or "libfuzzer"
    found, total, worst = 0, 0, None
    for r in records:
        res = r.get("results", {}).get(det) if isinstance(r.get("results"), dict) else None
        if not isinstance(res, dict):
            continue
        total += 1
        fs = res.get("found_seeds")
        hit = fs > 0 if isinstance(fs, int) else str(res.get("status", "")).lower() == "found"
        if hit:
            found += 1
            sec = res.get("median_seconds")
            if isinstance(sec, (int, float)) and (worst is None or sec > worst[1]):
                worst = (str(r.get("name", r.get("variant", "?"))), sec)
    if total == 0:
        return [label, "not run", f"no `{det}` results in detection.json", "–"]
    against = [f"detector `{det}`"]
    if worst:
        against.append(f"worst median time to detection {fmt_ns(worst[1] * 1e9)} (`{worst[0]}`)")
    correct = meta.get("correct")
    if isinstance(correct, list) and correct and all(isinstance(c, dict) for c in correct):
        reports = sum(c.get("reports", 0) or 0 for c in correct if isinstance(c.get("reports", 0), (int, float)))
        execs = sum(c.get("executions", 0) or 0 for c in correct if isinstance(c.get("executions", 0), (int, float)))
        against.append(f"{fmt_num(reports)} reports on the correct implementations in {fmt_num(execs)} executions")
    return [label, f"{found} / {total}", "; ".join(against), fmt_pct(found / total)]


def headline_fuzz(results_dir):
    path = os.path.join(results_dir, "fuzz_campaign.json")
    label = "fuzz campaign"
    if not os.path.exists(path):
        return [label, "not run", "–", "–"]
    shown = rel(path, os.getcwd())
    records, meta = records_of(load_json(path, shown), shown)
    keys = list(dict.fromkeys(k for r in records for k in r))
    ek = pick(keys, ("execs", "executions", "runs", "total_execs"))
    ck = pick(keys, ("crashes", "crash_count", "failures"))
    if not records or ek is None:
        return [label, "not run", "no executions recorded", "–"]

    def num(v):
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else 0
    execs = sum(num(r.get(ek)) for r in records)
    crashes = sum(num(r.get(ck)) for r in records) if ck else None
    budget = meta.get("budget_s")
    against = f"{len(records)} targets" + (f", {cell(budget)} s budget" if budget is not None else "")
    return [label, f"{fmt_num(execs)} executions, {'?' if crashes is None else fmt_num(crashes)} crashes", against,
            "–" if crashes is None or not execs else f"{fmt_num(crashes / execs * 1e6)} crashes per M executions"]


def headline_section(results_dir, rows, samples):
    """The top-of-report table: a few figures that say what lastref costs and what it catches, each
    beside its limit or reference and computed from this folder's data (never hard-coded)."""
    lines = ["## Headline", ""]
    t = []
    specs = (
        ("kref get+put, uncontended", "refcount_pair/uncontended", "kref", None, "per pair"),
        ("kref get+put, one shared object, 2 threads", "refcount_pair/shared_object", "kref", 2, "per pair"),
        ("completion ping-pong, cross-CPU (waiter spinning), p50", "completion_pingpong/cross_cpu", "completion", None,
         "per round trip"),
        ("completion one-shot wake of a blocked waiter, cross-CPU, p50", "completion_wake/cross_cpu", "completion",
         None, ""),
    )
    for label, group, impl, threads, what in specs:
        got = vs_limit_and_peer(rows, group, impl, threads, what)
        t.append([label] + (got if got else ["not run", "–", "–"]))
    t += headline_release(rows, samples)
    t.append(headline_detection(results_dir))
    t.append(headline_fuzz(results_dir))
    lines += ["Computed from this folder's data; each figure beside its physical limit or reference, measured in "
              "the same run. Ratios below 1 = lastref is faster. Details in the sections below.", "",
              md_table(["measure", "figure", "compared with", "ratio"], t), ""]
    return lines


# --------------------------------------------------------------------------- verdict

VERDICT_INPUTS = ("run.json", "fuzz_campaign.json", "detection.json", "tsan.json", os.path.join("junit", "tsan-ctest.xml"))


def load_verdict(results_dir):
    """The folder's verdict (results/verdict.py): verdict.json when it is
    newer than every input it reads (it holds the replayed source lines),
    else computed here without replaying crash files."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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


def figure_text(f, with_p99=True):
    """'p50 12 µs / p99 35 µs (n = 2000)', p99 replaced by 'n too small' when
    the samples do not support it."""
    if not f:
        return "not run"
    p99 = fmt_ns(f["p99_ns"]) if f.get("p99_ns") is not None else "n too small"
    return f"p50 {fmt_ns(f['p50_ns'])}" + (f" / p99 {p99}" if with_p99 else "") + f" (n = {cell(f.get('samples'))})"


def verdict_section(results_dir):
    """The first screen: the two questions a reader comes with (is my
    protocol correct? what does the last reference cost?), answered from
    this folder's data."""
    try:
        v, vmod = load_verdict(results_dir)
    except Exception as e:  # noqa: BLE001 - verdict.py's InputError is another module's class
        if type(e).__name__ != "InputError":
            raise
        # The scorecards render generically below; the verdict needs their
        # exact schema. results/verdict.py (run by ./lastref run) fails on it.
        return ["## Verdict", "", f"**Verdict not computed**: {md_escape(str(e))}", ""]
    ci = v["correct_implementations"]
    head = {"pass": "**PASS**: no bug reported in a correct implementation",
            "findings": f"**FINDINGS: {len(v['findings'])} bug report(s) in code that should be correct**",
            "stage failed": "**INCOMPLETE**: no bug reported, but a stage failed to run (below)",
            "dependency missing": "**INCOMPLETE**: no bug reported, but a stage was skipped for a missing "
                                  "dependency (below)",
            "interrupted": "**INTERRUPTED**: the run was stopped; the verdict covers what finished",
            "not checked": "**NOT CHECKED**: no correctness stage (fuzz, zoo, tsan) ran in this folder"}[v["verdict"]]
    lines = ["## Verdict", "", f"{head} (`./lastref run` exit status {v['exit_status']}; "
             "machine-readable: `verdict.json`, `findings.sarif`).", ""]
    fz = ci.get("fuzz_campaign") or {}
    lines.append(f"- **Correct implementations**: {fmt_num(ci['executions'])} executions across "
                 f"{len(ci['detectors'])} detectors ({', '.join(ci['detectors']) or 'none ran'}), "
                 f"**{len(v['findings'])} reports**"
                 + (f" — the fuzz campaign ran with zoo variant `{fz['zoo_forced']}` forced in" if fz.get("zoo_forced")
                    else "") + ".")
    for f in v["findings"]:
        loc = f"`{f['location']['file']}:{f['location']['line']}`" if f.get("location") else "no source line"
        lines.append(f"    - `{f['kind']}` in {f['target']} ({f['source']}; {f['implementation']}) at {loc}: "
                     f"{md_escape(f['message'])}. Replay: `{f['replay']}`")
    z = v.get("zoo")
    if z:
        lines.append(f"- **Bug zoo**: the schedule fuzzer (`{z['detector']}`) found **{z['found']} of {z['total']}** "
                     f"deliberately broken variants; {z['found_by_any_detector']} of {z['total']} by some detector"
                     + (f"; not found by it: {', '.join(f'`{n}`' for n in z['not_found'])}" if z["not_found"] else "")
                     + " ([scorecard](#detection-scorecard-bug-zoo)).")
    else:
        lines.append("- **Bug zoo**: not run.")
    t = v.get("tsan")
    if t:
        ct = t.get("ctest") or {}
        jobs = (f"{ct['passed']} of {ct['tests']} TSan tests passed" if "tests" in ct else
                f"TSan tests: {ct.get('status', 'not run')}")
        lines.append(f"- **ThreadSanitizer**: {jobs}; {t['harness_runs_passed']} of {t['harness_runs']} "
                     "stress-harness runs (plain and TSan builds) clean.")
    else:
        lines.append("- **ThreadSanitizer**: not run.")
    c = v.get("cost")
    if c:
        b, u, r = c.get("best_safe"), c.get("unsafe"), c.get("reference")
        txt = (f"- **What the last reference costs** (release latency in the most contended cell, `{c['cell']}`: "
               f"{c['conditions']}): ")
        if b:
            txt += (f"after the releaser's last put, the unloader waits {figure_text(b)} with `{b['strategy']}`, "
                    "the fastest safe strategy")
        if u:
            txt += (f"; the UNSAFE immediate unload {figure_text(u)}"
                    + (f", and in **{u['exposed']} of {cell(u.get('samples'))}** unloads the releaser was still "
                       "executing in the module's text" if u.get("exposed") else ""))
        if r:
            txt += (f". Reference (a timer wakeup at the unloader's scheduling class under the same load; a "
                    f"reference, not a limit: a futex wake can beat it): {figure_text(r)}")
        lines.append(txt + ".")
    else:
        lines.append("- **What the last reference costs**: the release-latency benchmark did not run.")
    st = v["stages"]
    for s_ in st["failed"] + st["missing_dependency"] + st["other"]:
        lines.append(f"- Stage `{s_['name']}` {s_['status']}" + (f": {md_escape(s_['reason'])}" if s_["reason"] else ""))
    lines += ["", "Percentiles are printed only when at least 10 samples lie beyond them (p99 needs 1000 "
              "samples); otherwise the table says \"n too small\". `n` is the number of samples behind a figure.",
              ""]
    return lines


# --------------------------------------------------------------------------- run record

RUN_FILE = "run.json"
STAGE_STATUSES = ("ok", "failed", "skipped", "interrupted")
# Which stages of run.json feed which section (scripts/run_suite.sh names).
SECTION_STAGES = {
    "bench": ("build:bench", "bench"),
    "samples": ("build:bench", "bench"),
    "detection": ("build:bench", "build:fuzz", "build:tsan", "zoo"),
    "fuzz": ("build:fuzz", "fuzz"),
    "tsan": ("build:bench", "build:tsan", "tsan:ctest", "tsan:throughput"),
}
REPORT_TIME_PACKAGES = ("g++-12", "clang-14", "cmake", "libbenchmark-dev", "libgtest-dev", "python3-matplotlib",
                        "python3-scipy")


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


def stage_callouts(run, section, not_run):
    """Quoted lines for the stages behind a section that did not pass, or,
    for a section without input, that were not part of the run."""
    if not run:
        return []
    out = []
    mine = SECTION_STAGES.get(section, ())
    for st in run.get("stages", []):
        if st["name"] in mine and st["status"] != "ok":
            why = str(st.get("reason") or "").strip()
            out.append(f"> **Stage `{st['name']}` {st['status']}**" + (f": {why}" if why else "") + "  ")
    recorded = {st["name"] for st in run.get("stages", [])}
    if not_run and not out and not any(m in recorded for m in mine if not m.startswith("build:")):
        out.append("> Not part of this run (its stages were not selected, e.g. `./lastref run --only ...`).")
    return out + [""] if out else []


def with_callouts(lines, run, section):
    extra = stage_callouts(run, section, any(x.startswith("_Not run") for x in lines))
    return lines[:2] + extra + lines[2:] if extra else lines


def report_time_versions():
    import platform
    out = {"kernel": platform.release(), "python": platform.python_version()}
    try:
        import matplotlib
        out["matplotlib"] = matplotlib.__version__
    except ImportError:
        out["matplotlib"] = "not installed"
    try:
        import subprocess
        p = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Version}\n", *REPORT_TIME_PACKAGES],
                           capture_output=True, text=True, timeout=10)
        for line in p.stdout.splitlines():
            name, _, ver = line.partition(" ")
            if ver:
                out[name] = ver
    except (OSError, ValueError, Exception):  # noqa: BLE001 - versions are a courtesy, never fatal
        pass
    return out


def duration(a, b):
    try:
        fmt = "%Y-%m-%dT%H:%M:%S"
        t0 = datetime.datetime.strptime(str(a)[:19], fmt)
        t1 = datetime.datetime.strptime(str(b)[:19], fmt)
        return f" ({int((t1 - t0).total_seconds())} s)"
    except ValueError:
        return ""


def run_section(run):
    lines = ["## Run: command, machine, versions", ""]
    if run is None:
        lines += [f"_No `{RUN_FILE}`: this folder was not written by `./lastref run`, so the command, stage "
                  "outcomes and build versions are unknown. Versions where the report was generated:_", ""]
        lines += [md_table(["what", "version"], [[k, v] for k, v in report_time_versions().items()]), ""]
        return lines
    known = set()

    def get(k):
        known.add(k)
        return run.get(k)

    if get("command"):
        lines += ["Command:", "", "```sh", str(run["command"]), "```", ""]
    facts = []
    started, finished = get("started"), get("finished")
    if started is not None or finished is not None:
        facts.append(["time (UTC)", f"{run.get('started', '?')} → {run.get('finished', '?')}"
                      + duration(run.get("started"), run.get("finished"))])
    for k, label in (("budget_s", "budget"), ("quick", "quick"), ("scorecard", "scorecard mode"),
                     ("interrupted", "interrupted"), ("git_commit", "git commit"), ("git_dirty", "uncommitted changes"),
                     ("host", "host"), ("os", "OS"), ("kernel", "kernel"), ("cpus", "CPUs"),
                     ("cpus_allowed", "CPUs allowed"), ("cpu_model", "CPU model"), ("memory_gib", "memory (GiB)"),
                     ("governor", "cpufreq governor"), ("sched_autogroup", "sched_autogroup"),
                     ("user_is_root", "run as root")):
        v = get(k)
        if v is not None:
            shown = cell(v)
            if k == "interrupted" and v:
                shown = "**yes: Ctrl-C or a signal stopped the run; the report shows what finished**"
            if k == "budget_s":
                shown += " s"
            facts.append([label, shown])
    for k in ("schema", "stages", "compilers", "packages"):
        known.add(k)
    for k, v in run.items():
        if k not in known and not isinstance(v, (dict, list)):
            facts.append([k, cell(v)])
    if facts:
        lines += [md_table(["", ""], facts), ""]
    versions = []
    for group, fmt in (("compilers", "`{} --version`"), ("packages", "{} (Debian package)")):
        if isinstance(run.get(group), dict):
            versions += [[fmt.format(k), cell(v)] for k, v in run[group].items()]
    for k, v in run.items():
        if k not in known and isinstance(v, dict):
            versions += [[f"{k}.{kk}", cell(vv)] for kk, vv in v.items()]
    if versions:
        lines += ["Versions:", "", md_table(["tool / package", "version"], versions), ""]
    stages = run.get("stages", [])
    if stages:
        bad = [st for st in stages if st["status"] != "ok"]
        lines += ["Stages" + (f" — **{len(bad)} of {len(stages)} did not pass**" if bad else " (all passed)") + ":", ""]
        t = []
        for st in stages:
            status = st["status"] if st["status"] == "ok" else f"**{st['status']}**"
            row = [f"`{st['name']}`", status, cell(st.get("seconds")), str(st.get("reason") or "")]
            if any(x.get("command") for x in stages):
                row.append(f"`{st['command']}`" if st.get("command") else "")
            t.append(row)
        header = ["stage", "status", "seconds", "reason"] + (["command"] if any(x.get("command") for x in stages) else [])
        lines += [md_table(header, t), ""]
    return lines


# --------------------------------------------------------------------------- markdown -> HTML

def anchor(title):
    """GitHub's heading anchor: lower case, punctuation other than - and _
    dropped, each space a hyphen. The HTML uses the same ids, so the table
    of contents links work in both renderings."""
    t = re.sub(r"[^\w\- ]", "", title.strip().lower().replace("`", ""))
    return t.replace(" ", "-")


def toc(sections):
    """A Markdown table of contents of the level-2 headings in sections."""
    heads = [x[3:].strip() for x in sections if x.startswith("## ")]
    return ["**Contents:** " + " · ".join(f"[{h.replace('`', '')}](#{anchor(h)})" for h in heads), ""]


HTML_STYLE = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}"
              "table{border-collapse:collapse;margin:.6em 0;font-size:.9em;display:block;overflow-x:auto;"
              "max-width:100%}"
              "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
              "th{background:#f3f3f3}img{max-width:100%}code{background:#f5f5f5;padding:0 .2em}"
              "pre{background:#f5f5f5;padding:.6em;overflow-x:auto}"
              "blockquote{border-left:4px solid #e0a000;margin:.6em 0;padding:.2em .8em;background:#fff8e5}"
              ".verdict{border:2px solid #888;padding:.2em 1em;margin:1em 0}")


def md_to_html(md, title):
    """The report's Markdown as one HTML page, by Debian's python3-markdown
    (tables, fenced code, Markdown inside <details markdown="1">, heading
    ids that match the table of contents' GitHub-style anchors). Wide tables
    scroll instead of being cut."""
    import html
    import markdown
    body = markdown.markdown(md, extensions=["tables", "fenced_code", "md_in_html", "toc"],
                             extension_configs={"toc": {"slugify": lambda value, _sep: anchor(value)}},
                             output_format="html")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{HTML_STYLE}</style></head><body>\n"
            + body + "\n</body></html>\n")


def write_atomic(path, text):
    """Writes to a temporary name in the same folder, then renames it into place."""
    import tempfile
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    mask = os.umask(0)
    os.umask(mask)
    os.fchmod(fd, 0o666 & ~mask)  # mkstemp's 0600 is not what open() would give
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --------------------------------------------------------------------------- main

MANIFEST = ".report-manifest.json"


def read_manifest(out_dir):
    """The files an earlier run of this script wrote into out_dir (relative
    paths), from its manifest; a file not listed is never deleted."""
    path = os.path.join(out_dir, MANIFEST)
    if not os.path.exists(path):
        return []
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        files = doc.get("files") if isinstance(doc, dict) else None
    except (OSError, ValueError):
        return []
    return [f for f in files or [] if isinstance(f, str) and not os.path.isabs(f) and ".." not in f.split("/")]


def main(argv):
    import shutil
    import tempfile
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=here, help="results directory (default: this script's directory)")
    ap.add_argument("--out", default=None,
                    help="report file (default: RESULTS/REPORT.md); plots go to plots/ beside it")
    ap.add_argument("--no-html", dest="html", action="store_false",
                    help="do not write the HTML version (OUT with .html) beside the Markdown")
    args = ap.parse_args(argv)
    results_dir = os.path.abspath(args.results)
    if not os.path.isdir(results_dir):
        print(f"report.py: error: {results_dir}: no such directory", file=sys.stderr)
        return 2
    out = os.path.abspath(args.out or os.path.join(results_dir, "REPORT.md"))
    out_dir = os.path.dirname(out)
    if not os.path.isdir(out_dir) or not os.access(out_dir, os.W_OK):
        print(f"report.py: error: --out {out}: folder {out_dir} does not exist or is not writable", file=sys.stderr)
        return 2
    if os.path.isdir(out):
        print(f"report.py: error: --out {out} is a directory (give the report file, e.g. {out}/report.md)",
              file=sys.stderr)
        return 2
    html_out = os.path.splitext(out)[0] + ".html" if args.html else None
    plot_dir = os.path.join(out_dir, "plots")
    plots_ok = True
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        plots_ok = False
    if html_out:
        try:
            import markdown  # noqa: F401
        except ImportError:
            print("report.py: error: the HTML report needs python3-markdown (apt-get install -y python3-markdown; "
                  "or --no-html)", file=sys.stderr)
            return 2
    # Everything is rendered first, plots into a private temporary folder:
    # a malformed input stops the report before any output is touched.
    try:
        staging = tempfile.mkdtemp(prefix=".report-plots-", dir=out_dir)
    except OSError as e:
        print(f"report.py: error: cannot write in {out_dir}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        try:
            run = load_run(results_dir)
            verdict = verdict_section(results_dir)
            runsec = run_section(run)
            bench, bench_rows = bench_sections(results_dir, staging, plots_ok)
            samples = samples_section(results_dir, staging, plots_ok)
            sp = samples_path(results_dir)
            headline = headline_section(results_dir, bench_rows, load_samples(sp)[1] if sp else [])
            detect = detection_section(results_dir, staging, plots_ok)
            # No bar plot of the campaign: it would only repeat the exec/s column.
            fuzz = scorecard_section(results_dir, staging, False, "fuzz_campaign.json", "Fuzz campaign",
                                     ("target", "name", "fuzzer"), "exec", "executions per second")
            tsan = tsan_section(results_dir, staging, plots_ok)
        except InputError as e:
            print(f"report.py: error: {e}", file=sys.stderr)
            return 2
        bench = with_callouts(bench, run, "bench")
        samples = with_callouts(samples, run, "samples")
        detect = with_callouts(detect, run, "detection")
        fuzz = with_callouts(fuzz, run, "fuzz")
        tsan = with_callouts(tsan, run, "tsan")
        if out_dir != results_dir:  # links into the results folder, relative to the report
            link = os.path.relpath(os.path.join(results_dir, "detection.md"), out_dir)
            detect = [x.replace("](detection.md)", f"]({link})") for x in detect]
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        head = ["# lastref results", "",
                f"Generated {now} by `results/report.py` from `{rel(results_dir, os.getcwd())}`"
                + (f" (`{run['command'].strip()}`, {run.get('started', '?')}, host {run.get('host', '?')})"
                   if run and run.get("command") else "") + ".", ""]
        if run and run.get("interrupted"):
            head += ["> **This run was interrupted**: sections below show what finished before it stopped.", ""]
        if not plots_ok:
            head += ["_matplotlib is not installed (Debian: python3-matplotlib): tables only, no plots._", ""]
        howto = ["## How to reproduce and compare", "",
                 "`./lastref run` (whole main job; `--quick` for a smoke run), or for the benchmarks alone "
                 "`cmake --preset bench && cmake --build --preset bench && bench/run_bench.sh build/bench && "
                 "results/report.py`. Compare two results folders, also from different machines: "
                 "`./lastref compare OLD NEW` (results/README.md).", ""]
        sections = headline + runsec + bench + samples + detect + fuzz + tsan + howto
        text = "\n".join(head + verdict + toc(verdict + sections) + sections) + "\n"
        html_text = md_to_html(text, "lastref results") if html_out else None
        # Commit: plots renamed into plots/, stale plots this script made
        # (its manifest) removed, the report files written by rename.
        try:
            os.makedirs(plot_dir, exist_ok=True)
            made = sorted(os.listdir(staging))
            for f in made:
                os.replace(os.path.join(staging, f), os.path.join(plot_dir, f))
            mine = {os.path.relpath(x, out_dir) for x in [out] + ([html_out] if html_out else [])}
            mine |= {f"plots/{f}" for f in made}
            for old in read_manifest(out_dir):
                if old not in mine and old.startswith("plots/") and os.path.isfile(os.path.join(out_dir, old)):
                    os.remove(os.path.join(out_dir, old))
            write_atomic(out, text)
            if html_out:
                write_atomic(html_out, html_text)
            write_atomic(os.path.join(out_dir, MANIFEST),
                         json.dumps({"schema": "lastref-report-manifest/1", "files": sorted(mine)}, indent=1) + "\n")
        except OSError as e:
            print(f"report.py: error: cannot write the report: {e}", file=sys.stderr)
            return 2
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"report.py: wrote {rel(out, os.getcwd())}" + (f" and {rel(html_out, os.getcwd())}" if html_out else "")
          + (f", plots in {rel(plot_dir, os.getcwd())}/" if plots_ok else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
