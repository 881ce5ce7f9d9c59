# SPDX-License-Identifier: MIT
"""Names, formats and table helpers shared by every section: how a figure, a ratio,
a percentile (only when its samples support it), a strategy and a table are written."""

import json
import math
import re


ROLE_COLORS = {"lastref": "#1f77b4", "baseline": "#9a9a9a", "limit": "#d62728", "ref": "#c5b0d5",
               "other": "#bcbd22", "byo": "#2ca02c"}


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


ROLE_ORDER = {"byo": 0, "lastref": 0, "baseline": 1, "ref": 2, "limit": 3, "other": 4}


def group_rows(rows):
    return sorted(rows, key=lambda r: (ROLE_ORDER.get(r["role"], 9), r["impl"]))


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


def cell_order(cell):
    order = {"normal": 0, "nice19": 1, "sched_idle": 2, "none": 0, "fifo": 2}
    return (cell["pinned"], order[cell["releaser"]], order[cell["hogs"]], cell["k"])


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


STRATEGY_ORDER = ("builtin", "complete_and_exit", "drain_residency", "unsafe_immediate", "probe")


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


def record_label(r, name_key):
    """A record's name plus the fields that tell apart records sharing it."""
    parts = [str(r.get(k)) for k in ("build", name_key, "variant", "args", "scenario")
             if k in r and r.get(k) not in (None, "", "-")]
    seen = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    return " ".join(seen) or str(r.get(name_key))


def rate_key(keys, stem):
    for k in keys:
        kl = k.lower().replace(" ", "")
        if re.search(stem + r".*(/s|per_?s(ec(ond)?)?$|_s$|ps$)", kl):
            return k
    return None
