# SPDX-License-Identifier: MIT
"""The scorecard sections: the bug-zoo detection scorecard, the fuzz campaign and
the TSan jobs, rendered from lists of records."""

import os
import re

from .inputs import load_json, records_of, rel
from .naming import cell, fmt_ns, fmt_num, generic_table, md_table, meta_lines, pick, rate_key, record_label, slug, truthy
from .plots import plot_bars, plot_matrix, plot_nested, plot_time_to_detection, plot_tsan_slowdown


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
        png = plot_bars(records, nk, rk, f"{title}: {rk}", f"{slug(title).lower()}_{slug(rk)}.png", plot_dir, f"{rk} ({what})")
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
