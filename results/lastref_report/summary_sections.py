# SPDX-License-Identifier: MIT
"""The sections that summarise: the headline table, the verdict block of the first
screen and the run record (what ran, on what machine)."""

import datetime
import os

from .inputs import RUN_FILE, is_latency, load_json, load_verdict, metric_ns, records_of, rel
from .naming import cell, fmt_ns, fmt_num, fmt_pct, fmt_pctl, fmt_ratio, md_escape, md_table, pick, supported
from .notes import is_starved
from .bench_sections import release_cells


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
