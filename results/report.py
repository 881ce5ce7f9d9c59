#!/usr/bin/python3
"""lastref results report: reads what the main job left in a results directory
and writes REPORT.md with tables and PNG plots (plots/).

Inputs (each optional; a missing one gets a "not run" section):
  bench/*.json          Google Benchmark JSON (--benchmark_out_format=json),
                        benchmark names <group>/<role>:<impl> as described in
                        bench/suites/harness/main.h
  detection.json        bug-zoo detection scorecard (variant x detector)
  fuzz_campaign.json    per fuzz target: execs, exec/s, crashes
  tsan.json             per TSan harness: ops/s, violations
The three JSON scorecards are rendered generically from a list of records, so
their exact schema can evolve; see records_of().

A malformed input is an error that names the file (exit status 2), never a
silently wrong report.

usage: report.py [--results DIR] [--out FILE]
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
        r = {"file": shown, "run_name": run_name, "group": group, "role": role, "impl": impl,
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


ROLE_ORDER = {"lastref": 0, "baseline": 1, "ref": 2, "limit": 3, "other": 4}


def group_rows(rows):
    return sorted(rows, key=lambda r: (ROLE_ORDER.get(r["role"], 9), r["impl"]))


def bench_group_section(group, rows, plots_ok, plot_dir, notes):
    lines = [f"### `{group}`", ""]
    limits = [r for r in rows if r["role"] == "limit" and metric_ns(r)]
    limit = limits[0] if limits else None
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
        header += ["p90", "p99", "mean"]
    paired = any("x_paired_limit" in r.get("counters", {}) for r in rows)
    header += ["× limit"] + (["× paired limit"] if paired else []) + ["notes"]
    table = []
    for r in group_rows(rows):
        m = metric_ns(r)
        c = r.get("counters", {})
        row = [r["impl"], r["role"], fmt_ns(m) if not r.get("error") else "ERROR"]
        if latency:
            mean = c["mean_us"] * 1e3 if "mean_us" in c else r.get("time_ns")
            row += [fmt_ns(c.get("p90_us", float("nan")) * 1e3), fmt_ns(c.get("p99_us", float("nan")) * 1e3),
                    fmt_ns(mean)]
        ratio = (m / metric_ns(limit)) if (limit and m) else None
        row.append(fmt_ratio(ratio) if r is not limit else "1 (limit)")
        if paired:
            row.append(fmt_ratio(c.get("x_paired_limit")))
        note = []
        if r.get("error"):
            note.append(f"error: {r['error']}")
        if "items_per_second" in c and not latency:
            note.append(f"{fmt_num(c['items_per_second'])} ops/s")
        mc = r.get("mean_counters", c)
        if "violation_rate" in mc and (mc["violation_rate"] > 0 or "UNSAFE" in r["impl"]):
            note.append(f"**reference bug in {fmt_pct(mc['violation_rate'])} of unloads** (module gone while "
                        f"the releaser was in its text; mean over repetitions)")
        if r["role"] == "other":
            shown = ("p50_us", "p90_us", "p99_us", "max_us", "items_per_second")
            note += [f"{k}={fmt_num(v)}" for k, v in sorted(c.items()) if k not in shown][:5]
        if r.get("label"):
            note.append(r["label"])
        if ratio is not None and ratio < 0.8 and r is not limit and not latency and "release_latency" not in group:
            note.append("below the limit: does less than the limit models (see group notes)")
        row.append("; ".join(note))
        table.append(row)
    lines.append(md_table(header, table))
    lines.append("")
    # lastref vs each baseline.
    lrefs = [r for r in group_rows(rows) if r["role"] == "lastref" and metric_ns(r)]
    bases = [r for r in group_rows(rows) if r["role"] == "baseline" and metric_ns(r)]
    if lrefs and bases:
        lines.append(f"lastref ÷ baseline ({metric_name}; below 1 = lastref is faster):")
        lines.append("")
        t = [[l["impl"]] + [fmt_ratio(metric_ns(l) / metric_ns(b)) for b in bases] for l in lrefs]
        lines.append(md_table(["lastref \\ baseline"] + [b["impl"] for b in bases], t))
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
        png = plot_group(group, rows, limit, latency, plot_dir)
        if png:
            lines.append(f"![{group}]({png})")
            lines.append("")
    return lines, limit


def time_axis(ax):
    from matplotlib.ticker import FuncFormatter
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_ns(v) if v > 0 else "0"))


def plot_group(group, rows, limit, latency, plot_dir):
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
        upper = [max(0.0, r["counters"].get("p99_us", 0) * 1e3 - metric_ns(r)) for r in rows]
        xerr = [[0] * len(rows), upper]
    ax.barh(range(len(rows)), vals, color=colors, xerr=xerr, capsize=3,
            error_kw={"elinewidth": 1, "ecolor": "#333333"})
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r['impl']}" for r in rows], fontsize=8)
    if max(v + u for v, u in zip(vals, upper)) / max(min(vals), 1e-9) > 30:
        ax.set_xscale("log")
    if limit is not None:
        ax.axvline(metric_ns(limit), color=ROLE_COLORS["limit"], linestyle="--", linewidth=1)
    for i, (v, r) in enumerate(zip(vals, rows)):
        txt = fmt_ns(v) + (f"  (p99 {fmt_ns(v + upper[i])})" if latency else "")
        ax.text(v + upper[i], i, "  " + txt, va="center", fontsize=7)
    ax.set_xlabel(("p50 latency (whisker: p99)" if latency else "time per operation (median)")
                  + ("; dashed line: physical limit" if limit is not None else ""))
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


def plot_release(groups, plot_dir):
    """Uncontended vs starved releaser, per release scheme, on one log axis."""
    import matplotlib.pyplot as plt
    unc = {r["impl"]: r for r in groups.get("release_latency/uncontended", []) if metric_ns(r)}
    sta = {r["impl"]: r for r in groups.get("release_latency/starved_releaser", []) if metric_ns(r)}
    impls = [i for i in (r["impl"] for r in group_rows(list(unc.values()) + [
        r for r in sta.values() if r["impl"] not in unc])) if i in unc or i in sta]
    if not impls:
        return None
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(impls) + 1.8))
    y = list(range(len(impls)))[::-1]
    h = 0.38
    for off, data, color, label in ((h / 2, unc, "#8fbbd9", "uncontended"),
                                    (-h / 2, sta, "#1f4e79", "releaser starved (CPU hog)")):
        vals = [metric_ns(data[i]) if i in data else 0 for i in impls]
        upper = [max(0.0, data[i]["counters"].get("p99_us", 0) * 1e3 - metric_ns(data[i])) if i in data else 0
                 for i in impls]
        ax.barh([v + off for v in y], vals, height=h, color=color, label=label,
                xerr=[[0] * len(vals), upper], capsize=2, error_kw={"elinewidth": 0.8})
        for yy, v, u in zip(y, vals, upper):
            if v:
                ax.text(v + u, yy + off, "  " + fmt_ns(v), va="center", fontsize=7)
    roles = {r["impl"]: r["role"] for r in list(unc.values()) + list(sta.values())}

    def bug_rates(impl):
        rates = []
        for data in (unc, sta):
            mc = data[impl].get("mean_counters", data[impl].get("counters", {})) if impl in data else {}
            rates.append(fmt_pct(mc["violation_rate"]) if "violation_rate" in mc else "?")
        return " / ".join(rates)

    ax.set_yticks(y)
    ax.set_yticklabels([("physical limit:\n" if roles.get(i) == "limit" else "") + i
                        + ("\n(unloader polls)" if i == "module_put_and_exit" else "")
                        + (f"\n(fast but wrong: reference bug in\n{bug_rates(i)} of unloads)" if "UNSAFE" in i else "")
                        for i in impls], fontsize=8)
    for t, i in zip(ax.get_yticklabels(), impls):
        if "UNSAFE" in i:
            t.set_color("#b00000")
        elif roles.get(i) == "limit":
            t.set_color(ROLE_COLORS["limit"])
    ax.set_xscale("log")
    time_axis(ax)
    ax.set_xlabel("unload latency p50, last put starts -> unload returned (whisker: p99; log scale)")
    ax.set_title("release latency: releasing thread preempted right after its signal", fontsize=10)
    ax.margins(x=0.3)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.3 / fig.get_figheight(), 1, 1))
    name = "release_latency_overview.png"
    fig.savefig(os.path.join(plot_dir, name), dpi=110)
    plt.close(fig)
    return f"plots/{name}"


GROUP_NOTES = {
    "refcount_pair/contended_2threads":
        "Two threads on two CPUs, one counter. Google Benchmark divides the wall time by the "
        "operations of *both* threads, so these figures are the inverse of the pair's aggregate "
        "throughput (a single thread sees about twice as long per get+put).",
    "completion_fast/complete_then_consume":
        "The limit is the floor of a *counting* signal (two locked RMWs). "
        "`atomic_flag_store_exchange` is below it because a flag is not a count: its store is a "
        "plain `mov`. `binary_semaphore` pays a FUTEX_WAKE syscall on every release in "
        "libstdc++ 12 (it does not track sleepers).",
    "completion_pingpong/round_trip_2cpus":
        "Round trip A: signal, wait; B: wait, signal. Batches of 16 back-to-back round trips "
        "alternate with batches of the limit; p50 over batches (a few preempted rounds on a "
        "loaded machine drag the mean). The limit sleeps on every hand-off (raw FUTEX_WAIT/"
        "FUTEX_WAKE), and so does lastref::completion (no spin phase). libstdc++'s "
        "`binary_semaphore` and `latch` spin briefly (a few pauses and sched_yields) before "
        "sleeping: when the partner answers inside that window they never sleep and beat the "
        "blocking limit (`ref:spin_no_sleep` is the floor of that regime); when their p50 sits "
        "at the limit, as a sleeping hand-off, they missed it.",
    "completion_wake/latency_2cpus":
        "Per sample: the waiter is asleep in the kernel (50 µs settle) before the signal. "
        "Wall time from the signal to the waiter's return; the figure is the p50 of the "
        "samples, the mean is Google Benchmark's manual time. On a VM most of a cross-CPU "
        "wake is the waiter's vCPU leaving idle (halt or halt-polling), which depends on the "
        "machine's other load: read the paired column.",
    "release_latency/uncontended":
        "Sample: the releasing thread starts its last put -> unload() returned (module gone). "
        "`module_put_and_exit` is measured with an unloader that polls the module refcount "
        "(delete_module is non-blocking), so it pays no wake-up but burns the unloader's CPU. "
        "`violations`: iterations where the module was gone while the releaser was still in "
        "its text (the reference bug).",
    "release_latency/starved_releaser":
        "A CPU hog shares the releaser's CPU and is kicked right after the releaser's signal "
        "(step 5 of the reference bug). Schemes whose unload must wait for the starved thread "
        "(drain_residency) pay the hog's burst, like the limit (futex wake-to-run of a thread "
        "on that CPU); the others finish without it. UNSAFE is fast because it does not wait: "
        "its violations show what that costs.",
}


def bench_sections(results_dir, plot_dir, plots_ok):
    files = sorted(f for f in glob.glob(os.path.join(results_dir, "bench", "*.json"))
                   if not os.path.basename(f).startswith("_"))
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
        lines += ["_Not run: no Google Benchmark JSON in `bench/` (run `results/run_bench.sh BUILD_DIR`)._", ""]
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
    lines.append("Medians over repetitions (`--benchmark_repetitions`, aggregates only, repetitions "
                 "randomly interleaved); every group holds its baselines and its physical limit, "
                 "measured in the same binary and run. Figures: p50 of the per-event samples for "
                 "latency groups; wall time per operation for blocking and two-thread groups; the "
                 "benchmark thread's CPU time per operation for single-thread throughput (so that "
                 "other load on a shared machine does not inflate it). `× limit` = figure ÷ the group's "
                 "physical limit (1.00× = at the limit); `lastref ÷ baseline` below 1 = lastref is "
                 "faster than what people use instead.")
    lines.append("")
    ctx_rows = []
    for shown, ctx in contexts:
        extra = "; ".join(f"{k[len('lastref_'):]}={v}" for k, v in ctx.items() if k.startswith("lastref_"))
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
    body = []
    if plots_ok and ("release_latency/uncontended" in groups or "release_latency/starved_releaser" in groups):
        png = plot_release(groups, plot_dir)
        if png:
            body += ["### Release latency overview", "", f"![release latency]({png})", ""]
    for group in sorted(groups):
        sec, limit = bench_group_section(group, groups[group], plots_ok, plot_dir, GROUP_NOTES.get(group))
        body += sec
        for r in group_rows(groups[group]):
            if r["role"] == "lastref" and metric_ns(r):
                lim = fmt_ratio(metric_ns(r) / metric_ns(limit)) if limit else "–"
                bases = [b for b in groups[group] if b["role"] == "baseline" and metric_ns(b)]
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
                  "Figure: p50 for latency groups, else median time per operation.", "",
                  md_table(["group", "lastref", "figure", "physical limit", "× limit", "fastest baseline",
                            "× baseline"], summary), ""]
    lines += body
    return lines, all_rows


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
    lines += ["<details><summary>All records</summary>", "", generic_table(records), "", "</details>", ""]
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
    scalar_keys = [k for k in keys if k != nk and all(
        not isinstance(r.get(k), (dict, list)) and len(str(r.get(k, ""))) <= 120 for r in records)]
    lines += ["<details><summary>Variants</summary>", "",
              generic_table([{k: r.get(k) for k in scalar_keys} for r in records]), "", "</details>", ""]
    return lines


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


# --------------------------------------------------------------------------- main

def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=here, help="results directory (default: this script's directory)")
    ap.add_argument("--out", default=None, help="report file (default: RESULTS/REPORT.md)")
    args = ap.parse_args(argv)
    results_dir = os.path.abspath(args.results)
    if not os.path.isdir(results_dir):
        print(f"report.py: error: {results_dir}: no such directory", file=sys.stderr)
        return 2
    out = args.out or os.path.join(results_dir, "REPORT.md")
    plot_dir = os.path.join(results_dir, "plots")
    os.makedirs(plot_dir, exist_ok=True)
    plots_ok = True
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        plots_ok = False
    for old in glob.glob(os.path.join(plot_dir, "*.png")):
        os.remove(old)  # this script owns plots/: no stale figure survives a new run
    try:
        bench, _ = bench_sections(results_dir, plot_dir, plots_ok)
        detect = detection_section(results_dir, plot_dir, plots_ok)
        fuzz = scorecard_section(results_dir, plot_dir, plots_ok, "fuzz_campaign.json", "Fuzz campaign",
                                 ("target", "name", "fuzzer"), "exec", "executions per second")
        tsan = scorecard_section(results_dir, plot_dir, plots_ok, "tsan.json", "TSan jobs and stress-harness throughput",
                                 ("harness", "name", "job"), "ops", "operations per second")
    except InputError as e:
        print(f"report.py: error: {e}", file=sys.stderr)
        return 2
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = ["# lastref results", "",
            f"Generated {now} by `results/report.py` from the files in `{rel(results_dir, os.getcwd())}`.",
            "Reproduce: `./lastref run` (whole main job), or for the benchmarks alone "
            "`cmake --preset bench && cmake --build --preset bench && results/run_bench.sh build/bench "
            "&& results/report.py`.", ""]
    if not plots_ok:
        head += ["_matplotlib is not installed (Debian: python3-matplotlib): tables only, no plots._", ""]
    text = "\n".join(head + bench + detect + fuzz + tsan) + "\n"
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"report.py: wrote {rel(out, os.getcwd())}" + (f" and plots in {rel(plot_dir, os.getcwd())}/" if plots_ok else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
