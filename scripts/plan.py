#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The main job's run plan, in one place.

Every budget, estimate, limit and per-binary share of `./lastref run` is
computed here, from what each stage declares about itself
(scripts/stages.toml) and what each benchmark suite declares about itself
(bench/**/*.suite.toml: its wall-time factor, a capped-rows budget, its
flags, its short/long modes). The shell scripts ask; they know no stage's
or binary's numbers:

  plan.py run   --quick 0|1 [--budget S] [--scorecard M] --stages LIST
                [--built LIST]
      scripts/run_suite.sh: the stage budgets (fuzz, bench, TSan run length,
      scorecard arguments), the build presets to make and which each stage
      needs, each stage's estimate and wall limit. --built: the presets
      whose build folder exists (a rebuild is quicker).
  plan.py bench --build DIR --plan FILE [--quick] [--budget S]
                [--repetitions N] [--filter RE] [--min-time S]
                [--release-matrix M]
      bench/run_bench.sh: finds the benchmark binaries, writes the bench
      plan (JSON) to FILE: order, weights, min_time, per-binary arguments.
  plan.py bench-step FILE INDEX LEFT
      bench/run_bench.sh, before each binary: its share of the LEFT seconds,
      its min_time and its command line.

Output for the shell: `name=value` lines, values quoted with shlex (the
scripts `eval` them), arrays as `name=(...)`, associative entries as
`name[key]=value`. Usage errors: a message naming the option, exit 2.

Arithmetic follows the shell scripts this replaced (integer division
truncating toward zero), so a run's budgets and figures are unchanged.
"""

import argparse
import glob
import json
import os
import shlex
import signal
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES_FILE = os.path.join(ROOT, "scripts", "stages.toml")
SUITE_GLOB = os.path.join(ROOT, "bench", "**", "*.suite.toml")
STAGE_ORDER = ("fuzz", "zoo", "tsan", "bench", "report")

# Bench policy (what the runner does with the suites' declarations).
# Estimated wall ms per repetition of a row: a benchmark that times itself
# (/manual_time: wake-ups, hand-offs, sleeps between samples) about 200 ms
# whatever min_time says, any other about 20 ms plus min_time.
MANUAL_ROW_MS = 200
ROW_MS = 20
DEFAULT_WALL_FACTOR = 3
# A budget under this many seconds runs the suites' short modes (the quick
# release matrix, the model bench's short searches).
SHORT_BELOW_S = 120
QUICK = dict(budget=30, repetitions=1, min_time=0.005)
FULL = dict(budget=600, repetitions=5)


class UsageError(Exception):
    pass


def tdiv(a, b):
    """Integer division truncating toward zero, as bash's `/`."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def sh(name, value):
    if isinstance(value, (list, tuple)):
        return f"{name}=(" + " ".join(shlex.quote(str(v)) for v in value) + ")"
    return f"{name}={shlex.quote(str(value))}"


def load_toml(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: cannot be read ({e})")


def suites():
    """binary name -> its declaration (bench/**/*.suite.toml)."""
    out = {}
    for path in sorted(glob.glob(SUITE_GLOB, recursive=True)):
        d = load_toml(path)
        if "binary" not in d:
            raise UsageError(f"{path}: no 'binary' key")
        d["_file"] = os.path.relpath(path, ROOT)
        out[d["binary"]] = d
    return out


# --------------------------------------------------------------------------- stages

def stage_plan(quick, budget, scorecard, stages, built, bench_budget_env=None):
    """The main job's budgets, estimates and limits (a dict)."""
    decl = load_toml(STAGES_FILE)
    run, st = decl["run"], decl["stages"]
    mode = "quick" if quick else "full"
    if budget is None:
        budget = run["budget"][mode]
    if scorecard is None:
        scorecard = "smoke" if quick else "quick"
    want = set(stages)
    if scorecard == "skip":
        want.discard("zoo")
    tp = st["tsan:throughput"]
    tsan_ms = tp["run_ms"][mode]
    zoo = st["zoo"]
    zoo_est = zoo["estimate"][scorecard]
    fixed = run["reserve"]
    if "tsan" in want:
        fixed += st["tsan:ctest"]["budget"] + tdiv(tp["runs"] * tsan_ms, 1000)
    if "zoo" in want and zoo["counts_in_budget"][scorecard]:
        fixed += zoo_est
    rest = budget - fixed
    sharing = [s for s in ("fuzz", "bench") if s in want]
    total = sum(st[s]["share"] for s in sharing)
    got = {s: rest for s in ("fuzz", "bench")}
    if len(sharing) > 1:
        left = rest
        for s in sharing[:-1]:
            got[s] = tdiv(rest * st[s]["share"], total)
            left -= got[s]
        got[sharing[-1]] = left
    fuzz_budget = max(got["fuzz"], st["fuzz"]["min"])
    bench = st["bench"]
    bench_quick = 0
    if bench_budget_env is not None:
        bench_budget = max(bench_budget_env, bench["min"])
    else:
        bench_budget = max(got["bench"], bench["min"])
        if quick or bench_budget < run["bench_quick_below"]:
            bench_budget, bench_quick = bench["quick_budget"], 1

    order, est, limit = [], {}, {}
    needs = {k: v["needs"] for k, v in st.items() if "needs" in v}
    builds = builds_for(want, st["build"]["presets"], needs)
    for b in builds:
        order.append(f"build:{b}")
        est[f"build:{b}"] = st["build"]["estimate"]["built" if b in built else "fresh"]
        limit[f"build:{b}"] = st["build"]["limit"]
    if "fuzz" in want:
        order.append("fuzz")
        est["fuzz"] = fuzz_budget + st["fuzz"]["estimate_extra"]
        limit["fuzz"] = fuzz_budget + st["fuzz"]["limit_extra"]
    if "zoo" in want:
        order.append("zoo")
        est["zoo"] = zoo_est
        limit["zoo"] = zoo_est * zoo["limit_factor"] + zoo["limit_extra"]
    if "tsan" in want:
        order += ["tsan:ctest", "tsan:throughput"]
        est["tsan:ctest"] = st["tsan:ctest"]["estimate"]
        limit["tsan:ctest"] = st["tsan:ctest"]["limit"]
        est["tsan:throughput"] = tdiv(tp["runs"] * tsan_ms, 1000) + tp["estimate_extra"]
        limit["tsan:throughput"] = tdiv(tp["limit_runs"] * tsan_ms, 1000) + tp["limit_extra"]
    if "bench" in want:
        order.append("bench")
        est["bench"] = bench_budget + int(bench_budget * bench["estimate_fraction"])
        limit["bench"] = bench_budget * bench["limit_factor"] + bench["limit_extra"]
    if "report" in want:
        order.append("report")
        est["report"] = st["report"]["estimate"]
        limit["report"] = st["report"]["limit"]
    return dict(budget=budget, scorecard=scorecard, tsan_ms=tsan_ms, fuzz_budget=fuzz_budget,
                bench_budget=bench_budget, bench_quick=bench_quick, zoo_args=zoo["args"].get(scorecard, []),
                builds=builds, needs=needs, order=order, estimate=est, limit=limit)


def builds_for(want, presets, needs):
    """The build presets the wanted stages need (`needs` of each stage; the
    tsan stage is tsan:ctest and tsan:throughput), in build order."""
    stages = {s for w in want for s in needs if s == w or s.startswith(w + ":")}
    got = {b for s in stages for b in needs[s]}
    return [b for b in presets if b in got]


def print_stage_plan(p):
    for k in ("budget", "scorecard", "tsan_ms", "fuzz_budget", "bench_budget", "bench_quick"):
        print(sh(k, p[k]))
    print(sh("zoo_args", p["zoo_args"]))
    print(sh("builds", p["builds"]))
    print(sh("plan", p["order"]))
    for k, v in p["needs"].items():
        print(f"needs[{shlex.quote(k)}]={shlex.quote(' '.join(v))}")
    for k, v in p["estimate"].items():
        print(f"estimate[{shlex.quote(k)}]={v}")
    for k, v in p["limit"].items():
        print(f"limit[{shlex.quote(k)}]={v}")


# --------------------------------------------------------------------------- bench

def probe(path, args, stderr=True, timeout=20):
    """(exit status, output) of a binary's --help or listing; (None, "") if it cannot run."""
    try:
        p = subprocess.run([path, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None, ""
    return p.returncode, p.stdout + (p.stderr if stderr else "")


def find_binaries(build):
    root = os.path.join(build, "bench")
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != "CMakeFiles"]
        for f in files:
            p = os.path.join(d, f)
            if ".so" in f or f.endswith(".a") or not os.access(p, os.X_OK) or not os.path.isfile(p):
                continue
            out.append(p)
    return sorted(out)


def bench_plan(build, out, budget=None, reps=None, flt="", min_time_arg=None, quick=False, matrix=None):
    """The bench plan: binaries in run order with their weights and flags."""
    min_time = None if min_time_arg is None else float(min_time_arg)
    mode = QUICK if quick else FULL
    budget = mode["budget"] if budget is None else budget
    reps = mode["repetitions"] if reps is None else reps
    min_time_given = min_time is not None or quick
    if min_time is None and quick:
        min_time = QUICK["min_time"]
    short = budget < SHORT_BELOW_S
    matrix = matrix or ("quick" if short else "default")
    decls = suites()
    bins = []
    for path in find_binaries(build):
        rc, help_text = probe(path, ["--help"])
        if "gtest_" in help_text or "benchmark_filter" not in help_text:
            continue
        name = os.path.basename(path)
        d = decls.get(name, {})
        capped = d.get("capped")
        own, flags = [], set()
        if capped:
            for k in ("matrix_flag", "cap_flag", "samples_out_flag"):
                if capped.get(k) and capped[k] in help_text:
                    flags.add(k)
            if "matrix_flag" in flags:
                own = [f"{capped['matrix_flag']}={matrix}"]
        rc, listing = probe(path, [*own, "--benchmark_list_tests=true",
                                   *([f"--benchmark_filter={flt}"] if flt else [])], stderr=False)
        if rc != 0:
            continue
        rows = [x for x in listing.splitlines() if x.strip()]
        if not rows:
            continue
        manual = sum("/manual_time" in x for x in rows)
        bins.append(dict(path=path, name=name, count=len(rows), manual=manual, decl=d, flags=sorted(flags),
                         cost=manual * MANUAL_ROW_MS + (len(rows) - manual) * ROW_MS + 1,
                         capped=bool(capped and "matrix_flag" in flags),
                         wall_factor=d.get("wall_factor", DEFAULT_WALL_FACTOR)))
    if not bins:
        raise UsageError(f"no benchmark binaries under {os.path.join(build, 'bench')}")

    # A capped suite (the release matrix) samples each row until its cap: its
    # declared fraction of the budget, within the matrix's own cap.
    cap_ms, capped_s = 0, 0
    capped_rows = sum(b["count"] for b in bins if b["capped"])
    other = sum(b["count"] for b in bins if not b["decl"].get("capped"))
    for b in bins:
        if b["capped"]:
            c = b["decl"]["capped"]
            num, den = c["row_fraction"]
            cap_ms = int(budget * c["budget_fraction"] * 1000 * den / (b["count"] * num))
            cap_ms = max(min(cap_ms, c["cap_ms_max"][matrix]), c["cap_ms_min"])
            capped_s = tdiv(capped_rows * num * cap_ms, den * 1000) + 5
            b["cap_ms"], b["capped_s"] = cap_ms, capped_s
    # Then every other benchmark spends about min_time per repetition
    # (about the default wall factor times that): the total near half of
    # what is left. A derived min_time is lowered per binary at its step.
    # The text the scripts print and pass: as given, or "%.3f" when derived.
    min_time_text = min_time_arg
    if min_time is None:
        left = max(budget - capped_s, budget * 0.3)
        t = left * 0.5 / (max(other, 1) * reps * DEFAULT_WALL_FACTOR)
        min_time_text = f"{min(max(t, 0.005), 0.5):.3f}"
        min_time = float(min_time_text)
    elif min_time_text is None:
        min_time_text = f"{min_time:g}"
    samples = min(max(int(budget / 15), 3), 40)
    # Fair shares: the capped suites first, then cheapest first, so the time
    # a binary does not use goes to the costlier ones.
    order = sorted(range(len(bins)), key=lambda i: (0 if bins[i]["decl"].get("first") else bins[i]["cost"], i))
    bins = [bins[i] for i in order]
    for b in bins:
        b["weight"] = int(b["cost"] + b["count"] * min_time * 1000 * b["wall_factor"])
        mode_decl = b["decl"].get("modes", {}).get("short" if short else "long", {})
        b["env"] = [f"{k}={v}" for k, v in mode_decl.get("env", {}).items()]
        b["args"] = []
        if mode_decl.get("filter") and not flt:
            b["args"].append(f"--benchmark_filter={mode_decl['filter']}")
        c = b["decl"].get("capped")
        b["side_file"] = ""
        if c:
            if b["capped"]:
                b["args"] += [f"{c['matrix_flag']}={matrix}", f"{c['cap_flag']}={cap_ms}"]
            elif c.get("samples_flag"):
                b["args"].append(f"{c['samples_flag']}={samples}")
            if "samples_out_flag" in b["flags"]:
                b["side_file"] = c["samples_file"]
    files = [b["side_file"] for b in bins if b["side_file"]]
    return dict(out=out, budget=budget, repetitions=reps, min_time=min_time, min_time_text=min_time_text, min_time_given=min_time_given,
                matrix=matrix, cap_ms=cap_ms, capped_s=capped_s, capped_rows=capped_rows,
                total=sum(b["count"] for b in bins), side_files=files, binaries=bins)


def bench_step(p, i, left):
    """Binary i's share of the `left` seconds, its min_time and its argv."""
    b = p["binaries"][i]
    if b["capped"] and p["capped_s"] > 0:
        share = b["capped_s"] + tdiv(b["capped_s"], 2) + 5
    else:
        to_come = sum(x["weight"] for x in p["binaries"][i:] if not x["capped"])
        share = max(tdiv(left * b["weight"], to_come if to_come > 0 else 1), 3)
    share = min(share, left)
    mt = p["min_time_text"]
    if not p["min_time_given"] and not b["decl"].get("capped"):
        t = share * 0.7 / (p["repetitions"] * b["count"] * b["wall_factor"])
        mt = f"{max(min(t, p['min_time']), 0.002):.4f}"
    args = list(b["args"])
    part = ""
    if b["side_file"]:
        part = f".{b['side_file']}.part"
        c = b["decl"]["capped"]
        args.append(f"{c['samples_out_flag']}={os.path.join(p['out'], part)}")
    return dict(name=b["name"], path=b["path"], count=b["count"], share=share, skip=int(left <= 3),
                min_time=mt, env=b["env"], args=args, side_part=part, side_file=b["side_file"])


# --------------------------------------------------------------------------- command line

class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def nonneg_int(name, lo, hi):
    def conv(v):
        if not v.isdigit() or not (lo <= int(v) <= hi):
            raise argparse.ArgumentTypeError(f"{name} takes whole seconds, {lo} to {hi} (got '{v}')")
        return int(v)
    return conv


def main(argv):
    ap = Parser(prog="plan.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--quick", type=int, choices=(0, 1), default=0)
    r.add_argument("--budget", type=nonneg_int("--budget", 1, 999999))
    r.add_argument("--scorecard", choices=("smoke", "quick", "full", "skip"))
    r.add_argument("--stages", required=True)
    r.add_argument("--built", default="")
    r.add_argument("--format", choices=("sh", "json"), default="sh")
    b = sub.add_parser("bench")
    b.add_argument("--build", required=True)
    b.add_argument("--plan", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--quick", action="store_true")
    b.add_argument("--budget", type=nonneg_int("--budget", 1, 999999))
    b.add_argument("--repetitions", type=int)
    b.add_argument("--filter", default="")
    b.add_argument("--min-time")
    b.add_argument("--release-matrix", choices=("quick", "default", "full"))
    s = sub.add_parser("bench-step")
    s.add_argument("plan")
    s.add_argument("index", type=int)
    s.add_argument("left", type=int)
    a = ap.parse_args(argv)
    if a.cmd in ("run", "bench-step"):
        # Pure arithmetic, well under a second: a Ctrl-C to the caller's
        # process group is the caller's to handle (run_bench.sh starts no
        # further binary), not a reason to lose this step's answer.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)

    if a.cmd == "run":
        stages = [x for x in a.stages.split(",") if x]
        bad = [x for x in stages if x not in STAGE_ORDER]
        if bad:
            raise UsageError(f"--stages: unknown stage '{bad[0]}' ({', '.join(STAGE_ORDER)})")
        env = os.environ.get("LASTREF_BENCH_BUDGET")
        if env is not None and not env.isdigit():
            raise UsageError(f"LASTREF_BENCH_BUDGET takes whole seconds (got '{env}')")
        p = stage_plan(bool(a.quick), a.budget, a.scorecard, stages, set(a.built.split(",")),
                       int(env) if env is not None else None)
        if a.format == "json":
            print(json.dumps(p, indent=1))
        else:
            print_stage_plan(p)
    elif a.cmd == "bench":
        p = bench_plan(a.build, a.out, a.budget, a.repetitions, a.filter, a.min_time, a.quick, a.release_matrix)
        with open(a.plan, "w") as f:
            json.dump(p, f, indent=1)
        print(sh("bench_count", len(p["binaries"])))
        print(sh("bench_names", [x["name"] for x in p["binaries"]]))
        print(sh("bench_total", p["total"]))
        print(sh("bench_budget", p["budget"]))
        print(sh("bench_reps", p["repetitions"]))
        print(sh("bench_min_time", p["min_time_text"]))
        print(sh("bench_side_files", p["side_files"]))
        summary = []
        if p["cap_ms"]:
            summary.append(f"release suite: matrix {p['matrix']}, {p['capped_rows']} rows, cap {p['cap_ms']} ms "
                           f"per row (about {p['capped_s']}s)")
        print(sh("bench_summary", summary))
    else:
        with open(a.plan) as f:
            p = json.load(f)
        if not 0 <= a.index < len(p["binaries"]):
            raise UsageError(f"bench-step: no binary {a.index} in {a.plan}")
        st = bench_step(p, a.index, a.left)
        for k in ("name", "path", "count", "share", "skip", "min_time", "side_part", "side_file"):
            print(sh(f"step_{k}", st[k]))
        print(sh("step_env", st["env"]))
        print(sh("step_args", st["args"]))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        print(f"plan.py: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
