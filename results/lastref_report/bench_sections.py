# SPDX-License-Identifier: MIT
"""The benchmark sections: one table (and plot) per group, the release latency
overview and the release samples' CDFs."""

import glob
import os

from .inputs import BYO_DIR, SAMPLES_FILE, InputError, is_latency, load_bench_file, load_json, load_samples, metric_ns, rel, samples_path
from .naming import METRIC_WORDS, RELEASE_IMPLS, SAMPLE_KEYS, SHOWN_COUNTERS, cell, cell_order, contention_label, fmt_ns, fmt_num, fmt_pctl, fmt_ratio, group_rows, level_key, line_name, md_table, strategy_key
from .notes import RELEASE_COMMON, group_basis, group_note, is_basis, is_starved, parse_cell
from .plots import plot_group, plot_release_overview, plot_samples_cdf, plot_threads


def bench_group_section(group, rows, plots_ok, plot_dir, notes):
    lines = [f"### `{group}`", ""]
    # The row the figures are divided by: the physical limit, or the
    # reference the suite declares (a limit only when nothing may beat it).
    basis = group_basis(group)
    word = basis["word"]
    limits = [r for r in rows if is_basis(r, basis) and metric_ns(r)]
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
    elif limit is None and group.startswith("byo/"):
        lines.append("_No `limit:` row in this group of yours: figures only (a row named `<group>/limit:X` "
                     "gives the others a ratio to it)._")
        lines.append("")
    elif limit is None and basis["row"] is None:
        lines.append("> **No physical limit in this group** (expected exactly one `limit:` entry); "
                     "ratios against the limit are omitted.")
        lines.append("")
    elif limit is None:
        lines.append(f"> **No `{basis['row']}` row in this group**: ratios against its {word} are omitted.")
        lines.append("")
    header = ["implementation", "role", metric_name]
    if latency:
        header += ["p90", "p99", "mean", "n (samples per repetition × repetitions)"]
    paired = any("x_paired_limit" in r.get("counters", {}) for r in rows)
    header += [f"× {word}"] + (["× paired limit"] if paired else []) + ["notes"]
    table = []
    for r in group_rows(rows):
        m = metric_ns(r)
        c = r.get("counters", {})
        # A `limit:` row the suite declares is no physical limit shows as what it is.
        role = word if (r["role"] == "limit" and word != "limit") else r["role"]
        row = [r["impl"], role, fmt_ns(m) if not r.get("error") else "ERROR"]
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
        row.append(fmt_ratio(ratio) if r is not lim else f"1 ({word})")
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
        if ratio is not None and ratio < 0.8 and r is not lim and not latency and word == "limit":
            note.append("below the limit: does less than the limit models (see group notes)")
        row.append("; ".join(note))
        table.append(row)
    lines.append(md_table(header, table))
    lines.append("")
    # lastref vs each baseline.
    lrefs = [r for r in group_rows(rows) if r["role"] in ("lastref", "byo") and metric_ns(r)]
    who = "yours" if group.startswith("byo/") else "lastref"
    bases = [r for r in group_rows(rows) if r["role"] == "baseline" and metric_ns(r)]
    if lrefs and bases:
        lines.append(f"{who} ÷ baseline ({metric_name}; below 1 = {who} is faster"
                     + ("; at the same thread count" if len(by_variant) > 1 else "") + "):")
        lines.append("")
        cols = list(dict.fromkeys(b["impl_base"] for b in bases))
        bmap = {(b["impl_base"], b["variant"]): b for b in bases}
        t = [[l["impl"]] + [fmt_ratio(metric_ns(l) / metric_ns(bmap[(c, l["variant"])]))
                            if (c, l["variant"]) in bmap else "–" for c in cols] for l in lrefs]
        lines.append(md_table([f"{who} \\ baseline"] + cols, t))
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
        png = plot_group(group, rows, limit_of, latency, plot_dir, word)
        if png:
            lines.append(f"![{group}]({png})")
            lines.append("")
        png = plot_threads(group, rows, plot_dir)
        if png:
            lines += [f"![{group}: throughput vs threads]({png})", ""]
    return lines, limit_of, word


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
                 "physical limit (1.00× = at the limit); `× reference` where the suite declares the row it "
                 "divides by a reference that something may beat (the release cells' timer-wakeup probe, the "
                 "model's speed baselines); `lastref ÷ baseline` below 1 = lastref is "
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
        sec, limit_of, word = bench_group_section(group, groups[group], plots_ok and cell_ is None, plot_dir,
                                            group_note(group))
        body += sec
        if cell_ is not None:
            continue  # summarised by the overview (p50/p99 per strategy and cell), not row by row
        for r in group_rows(groups[group]):
            if r["role"] == "lastref" and metric_ns(r):
                limit = limit_of(r)
                lim = fmt_ratio(metric_ns(r) / metric_ns(limit)) + ("" if word == "limit" else f" {word}") \
                    if limit else "–"
                bases = [b for b in groups[group] if b["role"] == "baseline" and metric_ns(b)
                         and b["variant"] == r["variant"]]
                best = min(bases, key=metric_ns) if bases else None
                px = r.get("counters", {}).get("x_paired_limit")
                if px:
                    lim += f" (paired {fmt_ratio(px)})"
                summary.append([group, r["impl"], fmt_ns(metric_ns(r)),
                                f"{fmt_ns(metric_ns(limit))} ({limit['impl']}"
                                + ("" if word == "limit" else f", a {word}") + ")" if limit else "–", lim,
                                f"{best['impl']}: {fmt_ns(metric_ns(best))}" if best else "–",
                                fmt_ratio(metric_ns(r) / metric_ns(best)) if best else "–"])
    if summary:
        lines += ["### Summary: every lastref figure beside its limit (or reference) and its fastest baseline", "",
                  "Figure: p50 for latency groups, else median time per operation. Release latency: see the "
                  "release latency overview below.", "",
                  "A reference is named so where it is not a physical limit: something may beat it.", "",
                  md_table(["group", "lastref", "figure", "physical limit or reference", "× limit", "fastest baseline",
                            "× baseline"], summary), ""]
    lines += body
    return lines, all_rows


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
            lines += [f"![{METRIC_WORDS.get(metric, metric)}: CDF]({png})", ""]
    return lines


def byo_section(results_dir, include_dirs, plot_dir, plots_ok):
    """A user's own benchmarks (role byo): RESULTS/byo_bench/*.json (what
    `./lastref run --include-bench DIR` copied there) and any --include-bench
    DIR given to the report itself, one table (and plot) per group, as
    lastref's groups. Empty when there are none."""
    files = sorted(glob.glob(os.path.join(results_dir, BYO_DIR, "*.json")))
    for d in include_dirs:
        if not os.path.isdir(d):
            raise InputError(f"--include-bench {d}: no such directory")
        found = sorted(glob.glob(os.path.join(d, "*.json")))
        if not found:
            raise InputError(f"--include-bench {d}: no *.json file in it")
        files += found
    if not files:
        return []
    shown = [rel(f, results_dir) if f.startswith(results_dir + os.sep) else f for f in files]
    rows = []
    for f, sh in zip(files, shown):
        rows += load_bench_file(f, sh, byo=True)[1]
    groups = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    lines = ["## Your benchmarks (role byo)", "",
             f"Google Benchmark JSON given with `--include-bench` ({len(files)} file(s): "
             + ", ".join(f"`{x}`" for x in shown) + "). Rows named "
             "`<group>/baseline:X`, `limit:X` or `ref:X` keep those roles; every other row is your implementation "
             "(role `byo`). `× limit` divides by your group's `limit:` row when it has one. "
             "`./lastref compare` gates regressions of the `byo` rows as it gates lastref's.", ""]
    for group in sorted(groups):
        sec, _, _ = bench_group_section(group, groups[group], plots_ok, plot_dir, None)
        lines += sec
    return lines
