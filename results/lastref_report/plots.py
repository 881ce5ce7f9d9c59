# SPDX-License-Identifier: MIT
"""Every plot of the report (matplotlib, Agg backend selected by main()). Each
function writes one PNG into plot_dir and returns its relative path."""

import math
import os

from .inputs import is_latency, metric_ns
from .naming import METRIC_WORDS, ROLE_COLORS, ROLE_ORDER, SAMPLE_KEYS, contention_label, fmt_ns, fmt_num, group_rows, level_key, line_name, record_label, slug, strategy_key, strategy_style, supported, truthy
from .notes import is_starved


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


def plot_group(group, rows, limit_of, latency, plot_dir, word="limit"):
    """Per-row figures of a group. A thread sweep has one limit per thread
    count: each row gets its own limit tick (a dashed segment at its
    thread count's limit), never one line for all. On a log axis the
    figures are points, not bars (a bar's length means nothing there).
    word: "limit", or "reference" where the suite declares the row it
    divides by is not a physical limit (notes.group_basis)."""
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
                  + (("; dashed tick: the physical limit at the row's thread count" if word == "limit" else
                      f"; dashed tick: the {word} (not a limit: something may beat it)") if limit is not None else ""))
    time_axis(ax)
    ax.set_title(group, fontsize=10)
    names = {"lastref": "lastref", "baseline": "baseline (used instead)",
             "limit": "physical limit" if word == "limit" else "reference (named limit:)", "ref": "reference",
             "byo": "your implementation (byo)"}
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
    styles = {"lastref": ("-", "o"), "byo": ("-", "o"), "baseline": ("--", "s"), "limit": (":", "^"), "ref": ("-.", "d")}
    units = set()
    palette = [plt.get_cmap("tab10")(i) for i in (0, 1, 2, 4, 5, 6, 7, 8, 9)]  # red is the limit's
    for n, ((role, impl), pts) in enumerate(sorted(lines.items(),
                                                   key=lambda kv: (ROLE_ORDER.get(kv[0][0], 9), kv[0][1]))):
        pts.sort()
        units |= {u for _, _, u in pts}
        ls, mk = styles.get(role, ("-", "x"))
        ax.plot([t for t, _, _ in pts], [v for _, v, _ in pts], linestyle=ls, marker=mk,
                linewidth=2.2 if role in ("lastref", "byo") else 1.2,
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
    # File names in words, as the titles: release_latency_cdf_last_put_object_torn_down.png.
    name = f"release_latency_cdf_{slug(METRIC_WORDS.get(metric, metric)).lower()}.png"
    fig.savefig(os.path.join(plot_dir, name), dpi=110)
    plt.close(fig)
    return f"plots/{name}"


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
