#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""lastref detection scorecard: which detector finds which zoo variant, how fast.

One command (from the repository root):

    python3 fuzz/scorecard/scorecard.py --quick --build     # CI-sized
    python3 fuzz/scorecard/scorecard.py --full --build      # the campaign

writes results/detection.json and results/detection.md. Detectors:

  libfuzzer        the coverage-guided schedule fuzzer in its default
                   configuration (as shipped: interleaving coverage off, no
                   LASTREF_* tuning variable set): the fuzz preset's
                   libFuzzer target for the variant, LASTREF_ZOO=<variant>,
                   empty corpus, the target's dictionary, -seed=S -runs=B
                   (executions to detection = libFuzzer's executed units)
  libfuzzer_il     the same with interleaving coverage on
                   (LASTREF_INTERLEAVING=1), a comparison
  bytes            random schedule bytes in the fuzz targets' encoding on the
                   variant's witness scenario (lastref-scorecard; no libFuzzer)
  random           uniform random schedules on the witness (model API)
  pct              PCT, depth 3, on the witness (model API)
  dfs              preemption-bounded exhaustive search, bounds 0..3, on the
                   witness (model API; deterministic, one "seed")
  stress           the tsan/ real-thread harness, plain build
  tsan             the same harness built with -fsanitize=thread

For every correct implementation the same detectors run the same budgets (the
libFuzzer targets without LASTREF_ZOO, the in-process ones on every zoo
witness plus random whole inputs) and the executions with zero reports are
counted; any report there is a bug in lastref and makes the exit status 1.

Exit status: 0 when every zoo variant was found by the schedule fuzzer (or,
without a fuzz build, by the bytes detector) and the correct implementations
reported nothing; 1 otherwise; 2 on a usage or build error.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "lastref-detection/1"

IN_PROCESS = ("bytes", "random", "pct", "dfs", "dpor")
FUZZERS = ("libfuzzer", "libfuzzer_il")
STRESS = ("stress", "tsan")
ALL_DETECTORS = FUZZERS + IN_PROCESS + STRESS

DESCRIPTIONS = {
    "libfuzzer": "coverage-guided schedule fuzzer, default configuration (libFuzzer, code "
                 "coverage; interleaving coverage off as shipped)",
    "libfuzzer_il": "the same with interleaving coverage on (LASTREF_INTERLEAVING=1)",
    "bytes": "random schedule bytes (fuzz targets' encoding) on the witness scenario, no feedback",
    "random": "uniform random schedules on the witness scenario",
    "pct": "PCT (depth 3) on the witness scenario",
    "dfs": "preemption-bounded exhaustive search (bounds 0..3) on the witness scenario",
    "dpor": "exhaustive search with partial-order reduction (source-DPOR + sleep sets), no "
            "preemption bound, on the witness scenario; exhausted = proven for every schedule",
    "stress": "real-thread stress harness (tsan/), plain build; one harness run per seed, "
              "executions = the operations its SUMMARY line counts",
    "tsan": "real-thread stress harness (tsan/) under ThreadSanitizer (halt_on_error=1); one run "
            "per seed, executions = operations of the run",
}

MODES = {
    # seeds, in-process budget, libFuzzer runs per seed, libFuzzer seconds cap,
    # libFuzzer runs per correct target, stress timeout (s)
    "quick": dict(seeds=3, budget=10_000, fuzz_runs=200_000, fuzz_time=30,
                  correct_fuzz_runs=50_000, stress_timeout=120),
    "full": dict(seeds=10, budget=200_000, fuzz_runs=5_000_000, fuzz_time=120,
                 correct_fuzz_runs=2_500_000, stress_timeout=300),
}

FUZZ_TARGETS = ("kref_fuzzer", "completion_fuzzer", "module_unload_fuzzer", "mixed_fuzzer")


def log(msg: str) -> None:
    print(f"[scorecard] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------- builds

def build(preset: str, targets: list[str]) -> None:
    log(f"building preset {preset}: {' '.join(targets)}")
    subprocess.run(["cmake", "--preset", preset], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", "--preset", preset, "-j2", "--target", *targets],
                   cwd=ROOT, check=True)


def find_binary(build_dir: Path | None, rel: str) -> Path | None:
    if build_dir is None:
        return None
    p = build_dir / rel
    return p if p.is_file() and os.access(p, os.X_OK) else None


# ---------------------------------------------------------- medians, cells

def median_or_none(values: list[float | None]) -> float | None:
    """Median where None (not found within budget) counts as +infinity."""
    if not values:
        return None
    inf = float("inf")
    m = statistics.median_low([inf if v is None else v for v in values])
    return None if m == inf else m


def summarise(runs: list[dict]) -> dict:
    found = [r for r in runs if r["found"]]
    kinds: dict[str, int] = {}
    for r in found:
        kinds[r.get("kind") or "?"] = kinds.get(r.get("kind") or "?", 0) + 1
    # A run that found the bug but could not count its executions (TSan halts
    # before the harness prints its SUMMARY) leaves the median unknown.
    unknown = any(r["found"] and r.get("executions") is None for r in runs)
    return {
        "status": "found" if found else "not_found",
        "found_seeds": len(found),
        "seeds": len(runs),
        "executions_unknown": unknown,
        "median_executions": None if unknown else median_or_none(
            [r["executions"] if r["found"] else None for r in runs]),
        "median_seconds": median_or_none([r["seconds"] if r["found"] else None for r in runs]),
        "kinds": kinds,
        "runs": runs,
    }


def na(why: str) -> dict:
    return {"status": "n/a", "why": why}


# ------------------------------------------------------ in-process (model)

def scorecard_tool(tool: Path, *args: str, timeout: float = 3600) -> list[dict]:
    out = subprocess.run([str(tool), *args], capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{tool.name} {' '.join(args)} failed:\n{out.stderr}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def run_in_process(tool: Path, det: str, seeds: int, budget: int) -> tuple[dict, dict]:
    """Returns ({variant: summary}, {target-or-witness: correct summary})."""
    log(f"in-process detector {det}: zoo")
    rows = scorecard_tool(tool, "detect", "--variant", "zoo", "--detector", det,
                          "--seeds", str(seeds), "--budget", str(budget))
    by_variant: dict[str, list] = {}
    for r in rows:
        # The systematic detectors' (dfs, dpor) certificate says what was covered.
        by_variant.setdefault(r["variant"], []).append(
            {k: r.get(k) for k in ("seed", "found", "executions", "seconds", "kind", "message",
                                   "dfs_bound", "exhausted", "certificate")})
    log(f"in-process detector {det}: correct implementations on every witness")
    correct_rows = scorecard_tool(tool, "detect", "--variant", "correct", "--detector", det,
                                  "--seeds", str(seeds), "--budget", str(budget))
    return ({v: summarise(rs) for v, rs in by_variant.items()}, correct_rows)


# ------------------------------------------------------------- libFuzzer

STAT_RE = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
DONE_RE = re.compile(r"Done (\d+) runs")
KIND_RE = re.compile(r"FAILURE \[(\w+)\]")


# The crash report's stack is symbolized by llvm-symbolizer, libc's frames
# (abort, raise, __libc_start_main) too; where the distribution's detached libc
# debug info is installed (Debian's libc6-dbg, which valgrind pulls in) it
# decompresses that to give them file:line inside libc: ~0.17 s of every found
# run on an idle machine, more than the search on most zoo rows, before
# libFuzzer writes the crash file. The sanitizer hands the symbolizer the
# process's initial environment, so the shipped launchers (this, the
# measurement scripts) set it, unless the user did (fuzz/README.md, "Where a
# found run's time goes"). lastref's own frames keep file:line (their debug
# info is in the binary); libc's exported names stay.
SYMBOLIZER_OPTS = "--debug-file-directory=/dev/null"


def fuzzer_options(target: str) -> list[str]:
    """The target's own libFuzzer options (fuzz/options/<target>.options, the
    OSS-Fuzz format) and dictionary: the fuzzer as it is shipped."""
    opts = []
    o = ROOT / "fuzz" / "options" / f"{target}.options"
    if o.is_file():
        section = ""
        for line in o.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("["):
                section = line.strip("[]").strip()
            elif "=" in line and section == "libfuzzer":
                k, v = (x.strip() for x in line.split("=", 1))
                opts.append(f"-{k}={v}")
    d = ROOT / "fuzz" / "dicts" / f"{target}.dict"
    if d.is_file():
        opts.append(f"-dict={d}")
    return opts


def run_libfuzzer(binary: Path, target: str, zoo: str | None, seed: int, runs: int,
                  max_time: int, interleaving: bool, corpus_kind: str = "empty") -> dict:
    env = dict(os.environ)
    for var in ("LASTREF_ZOO", "LASTREF_NO_INTERLEAVING", "LASTREF_INTERLEAVING",
                "LASTREF_INTERLEAVING_FEATURES", "LASTREF_SCHEDULES", "LASTREF_NO_CUSTOM_MUTATOR",
                "LASTREF_IMPL"):
        env.pop(var, None)  # the caller's tuning must not leak into "as shipped"
    if zoo:
        env["LASTREF_ZOO"] = zoo
    # The default configuration sets nothing: the scorecard measures the
    # targets as shipped (interleaving coverage is off by default,
    # fuzz/interleaving.h); only the comparison detector turns it on.
    if interleaving:
        env["LASTREF_INTERLEAVING"] = "1"
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    env.setdefault("LLVM_SYMBOLIZER_OPTS", SYMBOLIZER_OPTS)
    with tempfile.TemporaryDirectory(prefix="lastref-score-") as tmp:
        corpus = Path(tmp) / "corpus"
        seeds_dir = ROOT / "fuzz" / "corpus" / target
        if corpus_kind == "seed" and seeds_dir.is_dir():
            shutil.copytree(seeds_dir, corpus)
        else:
            corpus.mkdir()
        cmd = [str(binary), f"-seed={seed}", f"-runs={runs}", f"-max_total_time={max_time}",
               "-print_final_stats=1", f"-artifact_prefix={tmp}/", "-close_fd_mask=1",
               *fuzzer_options(target), str(corpus)]
        t0 = time.monotonic()
        p = subprocess.run(cmd, env=env, capture_output=True, text=True,
                           timeout=max_time * 2 + 60)
        secs = time.monotonic() - t0
    text = p.stdout + p.stderr
    crashed = "found a bug" in text or p.returncode not in (0,)
    m = STAT_RE.search(text) or DONE_RE.search(text)
    execs = int(m.group(1)) if m else None
    k = KIND_RE.search(text)
    return {"seed": seed, "found": bool(crashed), "executions": execs, "seconds": round(secs, 4),
            "kind": k.group(1) if k else ("crash" if crashed else ""),
            "exit": p.returncode}


# ------------------------------------------------------------- stress

SUMMARY_RE = re.compile(r"SUMMARY .*?operations=(\d+).*?violations=(\d+)")


def run_stress(binary: Path, args: str, seed: int, timeout: int, tsan: bool) -> dict:
    env = dict(os.environ)
    if tsan:
        env["TSAN_OPTIONS"] = "halt_on_error=1:second_deadlock_stack=1"
    cmd = [str(binary), *shlex.split(args), "--seed", str(seed)]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        secs = time.monotonic() - t0
        text, rc = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        secs = time.monotonic() - t0
        text = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        rc = "timeout"
    m = SUMMARY_RE.search(text)
    ops = int(m.group(1)) if m else None
    violations = int(m.group(2)) if m else None
    if rc == 2 and m is None:
        return {"seed": seed, "found": False, "error": text.strip().splitlines()[:3],
                "executions": None, "seconds": round(secs, 3), "kind": ""}
    tsan_report = "WARNING: ThreadSanitizer" in text
    crashed = rc not in (0, 1, "timeout") or (isinstance(rc, int) and rc < 0)
    found = bool(tsan_report or (violations or 0) > 0 or crashed or rc == 1)
    kind = ("tsan:" + (re.search(r"WARNING: ThreadSanitizer: ([\w\- ]+)", text).group(1).strip()
                       if re.search(r"WARNING: ThreadSanitizer: ([\w\- ]+)", text) else "report")
            if tsan_report else "violation" if (violations or 0) > 0
            else f"exit:{rc}" if found else "")
    if rc == "timeout":
        kind = kind or "timeout (hang?)"
    return {"seed": seed, "found": found, "executions": ops, "seconds": round(secs, 3),
            "kind": kind, "exit": rc}


# ------------------------------------------------------------------ main

def positive_int(text: str) -> int:
    """argparse type: a whole decimal number >= 1 (a negative or zero count
    used to run forever or do nothing and exit 0)."""
    if not text.isdigit() or len(text) > 12 or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 10^12, got '{text}'")
    return int(text)


def write_atomically(path: Path, text: str) -> None:
    """Writes under a temporary name in the same folder, then renames."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_const", dest="mode", const="quick",
                   help="CI-sized budgets, 3 seeds (default)")
    g.add_argument("--full", action="store_const", dest="mode", const="full",
                   help="campaign budgets, 10 seeds, >= 10^7 clean fuzzer executions")
    ap.add_argument("--build", action="store_true",
                    help="configure and build what is needed with the bench, fuzz and tsan presets")
    ap.add_argument("--plain-build", type=Path, default=None,
                    help="build dir with lastref-scorecard and the plain tsan/ harnesses "
                         "(default: build/bench, else build/dev)")
    ap.add_argument("--fuzz-build", type=Path, default=ROOT / "build" / "fuzz",
                    help="fuzz preset build dir (libFuzzer targets)")
    ap.add_argument("--tsan-build", type=Path, default=ROOT / "build" / "tsan",
                    help="tsan preset build dir (harnesses under TSan)")
    ap.add_argument("--out", type=Path, default=ROOT / "results", help="output directory")
    ap.add_argument("--seeds", type=positive_int, help="seeds per variant and detector (override)")
    ap.add_argument("--budget", type=positive_int, help="in-process executions per run (override)")
    ap.add_argument("--fuzz-runs", type=positive_int, help="libFuzzer -runs per seed (override)")
    ap.add_argument("--correct-fuzz-runs", type=positive_int, help="libFuzzer -runs per correct target (override)")
    ap.add_argument("--fuzz-time", type=positive_int,
                    help="libFuzzer -max_total_time per run, a safety cap (override; CI tests set it "
                         "high so that -runs is the bound)")
    ap.add_argument("--fuzz-corpus", choices=("empty", "seed"), default="empty",
                    help="start libFuzzer from an empty corpus (default: the harder measure) or "
                         "from a copy of the target's checked-in seed corpus")
    ap.add_argument("--detectors", default=",".join(ALL_DETECTORS),
                    help="comma-separated subset of: " + ",".join(ALL_DETECTORS))
    ap.add_argument("--variants", default=None, help="comma-separated subset of zoo variants")
    a = ap.parse_args()
    mode = a.mode or "quick"
    cfg = dict(MODES[mode])
    for k in ("seeds", "budget", "fuzz_runs", "correct_fuzz_runs", "fuzz_time"):
        if getattr(a, k) is not None:
            cfg[k] = getattr(a, k)
    detectors = [d for d in a.detectors.split(",") if d]
    bad = [d for d in detectors if d not in ALL_DETECTORS]
    if bad:
        ap.error(f"unknown detector(s): {', '.join(bad)}")
    if not detectors:
        ap.error("--detectors: no detector given")
    # Every input is checked before anything runs: a run of many minutes
    # must not end in a traceback because --out was a file.
    if a.out.exists() and not a.out.is_dir():
        ap.error(f"--out {a.out} is not a directory")
    if a.variants is not None and not [v for v in a.variants.split(",") if v]:
        ap.error("--variants: no variant given")

    harnesses = ["kref_stress", "completion_stress", "module_stress"]
    try:
        if a.build:
            build("bench", ["lastref-scorecard", *harnesses])
            if any(d in FUZZERS for d in detectors):
                build("fuzz", [t for t in FUZZ_TARGETS])
            if "tsan" in detectors:
                build("tsan", harnesses)
    except subprocess.CalledProcessError as e:
        log(f"build failed: {e}")
        return 2

    plain = a.plain_build
    if plain is None:
        plain = next((ROOT / "build" / p for p in ("bench", "dev")
                      if find_binary(ROOT / "build" / p, "fuzz/scorecard/lastref-scorecard")), None)
    tool = find_binary(plain, "fuzz/scorecard/lastref-scorecard")
    if tool is None:
        log("lastref-scorecard not found: build it (--build, or cmake --build --preset dev "
            "--target lastref-scorecard) or pass --plain-build")
        return 2
    catalog = [json.loads(l) for l in subprocess.run([str(tool), "list", "--json"], check=True,
                                                     capture_output=True, text=True).stdout.splitlines()]
    zoo = [c for c in catalog if c["zoo"]]
    if a.variants is not None:
        wanted = {v for v in a.variants.split(",") if v}
        unknown = sorted(wanted - {c["name"] for c in zoo})
        if unknown:
            ap.error(f"--variants: unknown zoo variant(s): {', '.join(unknown)} "
                     f"(known: {', '.join(c['name'] for c in zoo)})")
        zoo = [c for c in zoo if c["name"] in wanted]
    correct = [c for c in catalog if not c["zoo"]]
    seeds = list(range(1, cfg["seeds"] + 1))

    results: dict[str, dict] = {c["name"]: {} for c in zoo}
    correct_out: list[dict] = []
    detector_info: dict[str, dict] = {}
    t_start = time.monotonic()

    # In-process model detectors.
    for det in (d for d in detectors if d in IN_PROCESS):
        summaries, crow = run_in_process(tool, det, cfg["seeds"], cfg["budget"])
        detector_info[det] = {"description": DESCRIPTIONS[det], "budget_executions": cfg["budget"],
                              "seeds": 1 if det in ("dfs", "dpor") else cfg["seeds"], "binary": str(tool)}
        for c in zoo:
            results[c["name"]][det] = summaries.get(c["name"], na("not run"))
        reports = [r for r in crow if r["found"]]
        correct_out.append({"detector": det, "implementation": "correct (every target)",
                            "executions": sum(r["executions"] for r in crow),
                            "reports": len(reports),
                            "seconds": round(sum(r["seconds"] for r in crow), 3),
                            "first_report": reports[0] if reports else None,
                            "what": "every zoo witness run with the correct set of its target"})
        if det == "bytes":
            # Random whole inputs of every target (scenario and schedule).
            rows = scorecard_tool(tool, "detect", "--variant", "correct", "--detector", "input",
                                  "--seeds", str(cfg["seeds"]), "--budget", str(cfg["budget"]))
            reports = [r for r in rows if r["found"]]
            correct_out.append({"detector": "input", "implementation": "correct (every target)",
                                "executions": sum(r["executions"] for r in rows),
                                "reports": len(reports),
                                "seconds": round(sum(r["seconds"] for r in rows), 3),
                                "first_report": reports[0] if reports else None,
                                "what": "random whole fuzz inputs of every target"})

    # libFuzzer.
    for det in (d for d in detectors if d in FUZZERS):
        il = det == "libfuzzer_il"
        detector_info[det] = {"description": DESCRIPTIONS[det], "budget_executions": cfg["fuzz_runs"],
                              "max_seconds": cfg["fuzz_time"], "seeds": cfg["seeds"],
                              "corpus": a.fuzz_corpus, "build": str(a.fuzz_build)}
        for c in zoo:
            binary = find_binary(a.fuzz_build, f"fuzz/{c['target']}")
            if binary is None:
                results[c["name"]][det] = na(f"no libFuzzer build at {a.fuzz_build} (fuzz preset)")
                continue
            log(f"{det}: {c['name']} ({c['target']})")
            runs = [run_libfuzzer(binary, c["target"], c["name"], s, cfg["fuzz_runs"],
                                  cfg["fuzz_time"], il, a.fuzz_corpus) for s in seeds]
            results[c["name"]][det] = summarise(runs)
        # The clean runs belong to the fuzzer as shipped; the variant with
        # interleaving coverage is only a comparison for the detection side.
        for t in FUZZ_TARGETS if det == "libfuzzer" else ():
            binary = find_binary(a.fuzz_build, f"fuzz/{t}")
            if binary is None:
                continue
            log(f"{det}: correct implementations, {t}, {cfg['correct_fuzz_runs']} runs")
            r = run_libfuzzer(binary, t, None, 1, cfg["correct_fuzz_runs"],
                              max(cfg["fuzz_time"], cfg["correct_fuzz_runs"] // 500), il,
                              a.fuzz_corpus)
            correct_out.append({"detector": det, "implementation": f"correct ({t})",
                                "executions": r["executions"] or 0,
                                "reports": 1 if r["found"] else 0, "seconds": r["seconds"],
                                "first_report": r if r["found"] else None,
                                "what": f"libFuzzer from the {a.fuzz_corpus} corpus, no LASTREF_ZOO"})

    # Real threads.
    for det in (d for d in detectors if d in STRESS):
        bdir = a.tsan_build if det == "tsan" else plain
        detector_info[det] = {"description": DESCRIPTIONS[det], "build": str(bdir),
                              "seeds": cfg["seeds"], "timeout_seconds": cfg["stress_timeout"],
                              "executions_mean": "operations counted by the harness's SUMMARY line"}
        for c in zoo:
            spec = c[det if det == "tsan" else "plain"]
            if "harness" not in spec:
                results[c["name"]][det] = na(spec.get("why_not", "no harness"))
                continue
            binary = find_binary(bdir, f"tsan/{spec['harness']}")
            if binary is None:
                results[c["name"]][det] = na(f"{spec['harness']} not built in {bdir}")
                continue
            log(f"{det}: {c['name']} ({spec['harness']} {spec['args']})")
            runs = [run_stress(binary, spec["args"], s, cfg["stress_timeout"], det == "tsan")
                    for s in seeds]
            errors = [r for r in runs if r.get("error")]
            if errors and len(errors) == len(runs):
                results[c["name"]][det] = na(f"{spec['harness']} rejected '{spec['args']}': "
                                             + " ".join(errors[0]["error"]))
                continue
            results[c["name"]][det] = summarise(runs)
        for c in correct:
            spec = c[det if det == "tsan" else "plain"]
            if "harness" not in spec:
                continue
            binary = find_binary(bdir, f"tsan/{spec['harness']}")
            if binary is None:
                continue
            log(f"{det}: correct, {spec['harness']}")
            runs = [run_stress(binary, spec["args"], s, cfg["stress_timeout"], det == "tsan")
                    for s in seeds]
            bad = [r for r in runs if r["found"] or r.get("error")]
            correct_out.append({"detector": det, "implementation": f"correct ({spec['harness']})",
                                "executions": sum(r["executions"] or 0 for r in runs),
                                "reports": len(bad), "seconds": round(sum(r["seconds"] for r in runs), 3),
                                "first_report": bad[0] if bad else None,
                                "what": f"{spec['harness']} {spec['args']}, {len(runs)} seeds"})

    # Verdicts against the targets.
    # The schedule fuzzer: libFuzzer when it ran, else its dev-build stand-in.
    primary = None
    for cand in ("libfuzzer", "bytes"):
        if cand in detectors and any(results[c["name"]].get(cand, {}).get("status") != "n/a"
                                     for c in zoo):
            primary = cand
            break
    missed = [c["name"] for c in zoo if primary is not None
              and not any(results[c["name"]].get(d, {}).get("status") == "found" for d in ALL_DETECTORS)]
    schedule_missed = [c["name"] for c in zoo if primary is not None
                       and results[c["name"]].get(primary, {}).get("status") != "found"]
    medians = ({c["name"]: results[c["name"]].get(primary, {}).get("median_seconds") for c in zoo}
               if primary else {})
    over_10s = [n for n, m in medians.items() if m is None or m > 10]
    ref = medians.get("module_release_immediate")
    correct_reports = sum(r["reports"] for r in correct_out)
    verdict = {
        "schedule_fuzzer_detector": primary,
        "all_found_by_schedule_fuzzer": None if primary is None else not schedule_missed,
        "not_found_by_schedule_fuzzer": schedule_missed,
        "not_found_by_any_detector": missed,
        "median_seconds_over_10": over_10s,
        "reference_bug_median_seconds": ref,
        "reference_bug_within_1s": ref is not None and ref <= 1.0,
        "correct_reports": correct_reports,
        "correct_schedule_fuzzer_executions": sum(r["executions"] for r in correct_out
                                                  if r["detector"] == primary),
    }

    doc = {
        "schema": SCHEMA,
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "mode": mode,
        "seconds_total": round(time.monotonic() - t_start, 1),
        "machine": {"host": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "kernel": platform.release(), "note": "every run on one core, one at a time"},
        "config": cfg,
        "detectors": detector_info,
        "variants": [{k: c[k] for k in ("name", "item", "title", "header", "target", "expect", "witness")}
                     | {"results": results[c["name"]]} for c in zoo],
        "correct": correct_out,
        "verdict": verdict,
    }
    a.out.mkdir(parents=True, exist_ok=True)
    write_atomically(a.out / "detection.json", json.dumps(doc, indent=1) + "\n")
    write_atomically(a.out / "detection.md", markdown(doc, detectors))
    log(f"wrote {a.out / 'detection.json'} and {a.out / 'detection.md'}")
    ok = not schedule_missed and correct_reports == 0
    if not ok:
        log(f"FAIL: not found by the schedule fuzzer: {schedule_missed or 'none'}; "
            f"reports on correct implementations: {correct_reports}")
    return 0 if ok else 1


def fmt_num(x: float | None, unit: str = "") -> str:
    if x is None:
        return "—"
    if unit == "s":
        if x < 0.01:
            return f"{x * 1000:.2f} ms"
        return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"
    return f"{int(x):,}"


def cell(r: dict | None) -> str:
    if not r or r.get("status") == "n/a":
        return "n/a"
    if r["status"] == "not_found":
        return f"✗ 0/{r['seeds']}"
    frac = f"{r['found_seeds']}/{r['seeds']}"
    if r["median_seconds"] is None:
        return f"~ {frac}: median > budget"
    if r.get("executions_unknown"):
        return f"✓ {frac}: {fmt_num(r['median_seconds'], 's')}"
    return f"✓ {frac}: {fmt_num(r['median_executions'])} ex, {fmt_num(r['median_seconds'], 's')}"


def markdown(doc: dict, detectors: list[str]) -> str:
    cols = [d for d in ALL_DETECTORS if d in detectors]
    lines = [
        "# Detection scorecard",
        "",
        f"Generated {doc['generated']} by `python3 fuzz/scorecard/scorecard.py --{doc['mode']}` "
        f"({doc['seconds_total']} s). Schema `{doc['schema']}` in `results/detection.json`.",
        "",
        "Each cell: seeds on which the detector found the variant / seeds run, then the median "
        "over seeds of executions and seconds to first detection (a miss counts as infinite, so "
        "'median > budget' when half or more missed). One core, one run at a time. `n/a`: the detector "
        "cannot run that variant (see notes).",
        "",
        "| # | variant | " + " | ".join(cols) + " |",
        "|---|---|" + "---|" * len(cols),
    ]
    notes: dict[str, str] = {}
    for v in doc["variants"]:
        row = [str(v["item"]), f"`{v['name']}`"]
        for d in cols:
            r = v["results"].get(d)
            row.append(cell(r))
            if r and r.get("status") == "n/a":
                notes.setdefault(r.get("why", ""), "")
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Detectors:", ""]
    for d in cols:
        info = doc["detectors"].get(d, {})
        budget = info.get("budget_executions")
        extra = f" (budget {budget:,} executions per seed)" if budget else ""
        if "corpus" in info:
            extra += f", {info['corpus']} corpus, the target's .options and .dict"
        lines.append(f"- `{d}`: {DESCRIPTIONS[d]}{extra}")
    if notes:
        lines += ["", "Why `n/a`:", ""]
        lines += [f"- {n}" for n in notes if n]
    lines += ["", "## Correct implementations", "",
              "| detector | implementation | executions | reports | seconds | what |",
              "|---|---|---|---|---|---|"]
    for c in doc["correct"]:
        lines.append(f"| {c['detector']} | {c['implementation']} | {c['executions']:,} | {c['reports']} | "
                     f"{c['seconds']} | {c['what']} |")
    v = doc["verdict"]
    lines += ["", "## Against the targets", ""]
    if v["schedule_fuzzer_detector"] is None:
        lines.append("- the schedule fuzzer (libfuzzer or bytes) was not run: no verdict on detection")
    else:
        found = ("yes" if v["all_found_by_schedule_fuzzer"]
                 else "NO: " + ", ".join(v["not_found_by_schedule_fuzzer"]))
        lines += [f"- schedule fuzzer used for the verdict: `{v['schedule_fuzzer_detector']}`",
                  f"- every variant found by it: {found}",
                  f"- variants with median > 10 s (or not found): "
                  f"{', '.join(v['median_seconds_over_10']) or 'none'}",
                  f"- reference bug median: {fmt_num(v['reference_bug_median_seconds'], 's')} "
                  f"({'within' if v['reference_bug_within_1s'] else 'NOT within'} 1 s)"]
    if v["not_found_by_any_detector"]:
        lines.append(f"- NOT FOUND BY ANY DETECTOR: {', '.join(v['not_found_by_any_detector'])}")
    lines += [f"- reports on correct implementations: {v['correct_reports']}", ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
