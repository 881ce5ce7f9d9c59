#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lastref verdict: the two answers of a results folder, for people and
pipelines. Reads what `./lastref run` left in a results folder and writes

  verdict.json     schema lastref-verdict/1 (results/README.md, "verdict.json"):
                   the findings (bugs reported in a correct implementation),
                   what ran on the correct implementations, the zoo
                   detection count, the TSan jobs, the stage outcomes, the
                   last-reference cost, and the exit status `./lastref run`
                   gives this folder
  findings.sarif   SARIF 2.1.0: one result per finding with its kind, message,
                   the primitive's file:line from the trace and the replay
                   command, so that code-scanning tools annotate the line

A finding is a report on code that is supposed to be correct: a crash of the
fuzz campaign (every target runs the correct implementations unless a zoo
variant was forced in with LASTREF_ZOO / campaign.sh --zoo, which the verdict
names), a report of the scorecard's correct-code runs (detection.json
"correct"), a violation or ThreadSanitizer report of a stress harness in
tsan.json, or a failed TSan test in the tsan:ctest JUnit file whose output
holds a ThreadSanitizer report. A stage that failed to run, or was skipped
for a missing dependency, is not a finding; it is reported separately.

Writes both files to temporary names in the folder and renames them into
place; refuses a folder without run.json (not a results folder the suite
made) unless --any-folder is given.

Exit status: 0 no finding; 1 findings; 2 bad input (a malformed file, named;
nothing written).

usage: verdict.py RESULTS_DIR [--no-replay] [--any-folder] [--print]
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lastref_report.inputs import (InputError, load_bench_file, load_json, load_samples,  # noqa: E402
                                   samples_path)
from lastref_report.naming import supported  # noqa: E402
from lastref_report.notes import HOGS_TEXT, RELEASER_TEXT, is_starved  # noqa: E402
from lastref_report.bench_sections import release_cells  # noqa: E402
from lastref_report.render import write_atomic  # noqa: E402

SCHEMA = "lastref-verdict/1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERDICT_FILE = "verdict.json"
SARIF_FILE = "findings.sarif"
TSAN_JUNIT = os.path.join("junit", "tsan-ctest.xml")
# `./lastref run` exit statuses (scripts/run_suite.sh, `./lastref help`).
EXIT_OK, EXIT_STAGE_FAILED, EXIT_USAGE, EXIT_MISSING_DEP, EXIT_FINDING, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
# At most this many crash files are replayed for their trace (each bounded
# by REPLAY_TIMEOUT_S); the others are listed without a source line.
MAX_REPLAYS = 20
REPLAY_TIMEOUT_S = 20
SAFE_STRATEGIES = ("builtin", "complete_and_exit", "module_put_and_exit", "drain_residency")
STRATEGY_WORDS = {"builtin": "builtin_release", "complete_and_exit": "complete_and_exit",
                  "module_put_and_exit": "module_put_and_exit", "drain_residency": "drain_residency",
                  "unsafe_immediate": "UNSAFE immediate unload"}
SOURCE_DIRS = ("primitives", "byo", "fuzz", "tsan", "bench")
LOCATION = re.compile(r"([\w./-]+\.(?:h|hpp|hh|cc|cpp|c)):(\d+)")


def rel(path):
    try:
        r = os.path.relpath(path)
        return path if r.startswith("../..") else r
    except ValueError:
        return path


def num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# --------------------------------------------------------------------------- sources

_index = None


def source_path(name):
    """Repository path of a source file named in a trace (basename or a path
    tail), searched under the source folders; None when not unique."""
    global _index
    if _index is None:
        _index = {}
        for top in SOURCE_DIRS:
            for d, _, files in os.walk(os.path.join(ROOT, top)):
                for f in files:
                    _index.setdefault(f, []).append(os.path.relpath(os.path.join(d, f), ROOT))
    cands = [p for p in _index.get(os.path.basename(name), []) if p.endswith(name.lstrip("./"))]
    return cands[0] if len(cands) == 1 else (sorted(cands, key=len)[0] if cands else None)


def location_in(text):
    """The first file:line of a primitive (primitives/ first) in a report or trace."""
    found = []
    for m in LOCATION.finditer(text or ""):
        p = source_path(m.group(1))
        if p:
            found.append({"file": p, "line": int(m.group(2))})
    prim = [f for f in found if f["file"].startswith(("primitives/", "byo/"))]
    return (prim or found or [None])[0]


def replay_binary():
    for b in ("fuzz", "bench", "dev", "tsan"):
        p = os.path.join(ROOT, "build", b, "fuzz", "lastref-replay")
        if os.access(p, os.X_OK):
            return p
    return None


def replay(binary, target, zoo, crash):
    """(kind, message, trace) of a crash file replayed under the model, or None."""
    cmd = [binary, "--pad", "--target", target] + (["--zoo", zoo] if zoo else []) + [crash]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=REPLAY_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"^verdict: FAIL (\S+): (.*)$", p.stdout, re.M)
    if not m:
        return None
    return m.group(1), m.group(2), p.stdout


# --------------------------------------------------------------------------- inputs

def optional_json(d, name):
    path = os.path.join(d, name)
    if not os.path.exists(path):
        return None
    return load_json(path, rel(path))


def expect(cond, msg):
    if not cond:
        raise InputError(msg)


def campaign_part(d, findings, replays):
    data = optional_json(d, "fuzz_campaign.json")
    if data is None:
        return None
    shown = rel(os.path.join(d, "fuzz_campaign.json"))
    expect(isinstance(data, dict) and isinstance(data.get("targets"), dict),
           f"{shown}: expected an object with a 'targets' object (fuzz/campaign.sh)")
    zoo = data.get("zoo") or ""
    expect(isinstance(zoo, str), f"{shown}: 'zoo' must be a string")
    execs = 0
    for t, r in sorted(data["targets"].items()):
        expect(isinstance(r, dict), f"{shown}: targets.{t} is not an object")
        for k in ("execs", "crashes"):
            expect(num(r.get(k, 0)) is not None, f"{shown}: targets.{t}.{k} must be a number")
        files = r.get("crash_files", [])
        expect(isinstance(files, list) and all(isinstance(f, str) for f in files),
               f"{shown}: targets.{t}.crash_files must be a list of paths")
        execs += r.get("execs", 0)
        # The crash count of this campaign is the authority: the crash folder
        # (and so crash_files) can keep files of earlier campaigns.
        n = int(r.get("crashes", 0))
        files = (files[-n:] if len(files) >= n else files + [None] * (n - len(files))) if n else []
        for f in files:
            cmd = (f"build/fuzz/fuzz/lastref-replay --pad --target {t}" + (f" --zoo {zoo}" if zoo else "")
                   + f" {rel(f) if f else '<crash file>'}")
            got = None
            if f and replays["binary"] and replays["left"] > 0 and os.path.exists(f):
                replays["left"] -= 1
                got = replay(replays["binary"], t, zoo, f)
            kind, msg, trace = got if got else ("fuzz_crash", f"libFuzzer reported a crash in {t}", "")
            findings.append({"source": "fuzz campaign", "kind": kind, "target": t,
                             "implementation": f"zoo variant {zoo} (forced in)" if zoo else "correct",
                             "message": msg, "location": location_in(msg + "\n" + trace),
                             "replay": cmd, "artifact": f})
    return {"executions": execs, "targets": len(data["targets"]), "zoo_forced": zoo or None,
            "crashes": sum(int(r.get("crashes", 0)) for r in data["targets"].values())}


def detection_part(d, findings):
    data = optional_json(d, "detection.json")
    if data is None:
        return None, None
    shown = rel(os.path.join(d, "detection.json"))
    expect(isinstance(data, dict) and isinstance(data.get("variants"), list),
           f"{shown}: expected an object with a 'variants' list (fuzz/scorecard/scorecard.py)")
    correct = data.get("correct") or []
    expect(isinstance(correct, list), f"{shown}: 'correct' must be a list")
    runs = []
    for i, c in enumerate(correct):
        expect(isinstance(c, dict) and num(c.get("reports", 0)) is not None
               and num(c.get("executions", 0)) is not None,
               f"{shown}: correct[{i}] must be an object with numeric 'reports' and 'executions'")
        runs.append({"detector": str(c.get("detector")), "implementation": str(c.get("implementation")),
                     "executions": c.get("executions", 0), "reports": c.get("reports", 0)})
        if c.get("reports"):
            fr = c.get("first_report") if isinstance(c.get("first_report"), dict) else {}
            msg = str(fr.get("message") or f"{c['reports']} report(s) from detector {c.get('detector')}")
            findings.append({"source": "zoo scorecard, correct-code runs", "kind": str(fr.get("kind") or "report"),
                             "target": str(c.get("implementation")), "implementation": "correct",
                             "message": msg, "location": location_in(msg),
                             "replay": fr.get("replay") if isinstance(fr.get("replay"), str) else
                             f"python3 fuzz/scorecard/scorecard.py --detectors {c.get('detector')} (seed "
                             f"{fr.get('seed', '?')})", "artifact": None})
    verdict = data.get("verdict") if isinstance(data.get("verdict"), dict) else {}
    det = str(verdict.get("schedule_fuzzer_detector") or "libfuzzer")
    total = found = found_any = 0
    missed = []
    for i, v in enumerate(data["variants"]):
        expect(isinstance(v, dict) and isinstance(v.get("results"), dict),
               f"{shown}: variants[{i}] lacks a 'results' object")
        res = v["results"]
        hit = {}
        for k, r in res.items():
            expect(isinstance(r, dict), f"{shown}: variants[{i}].results.{k} is not an object")
            fs = r.get("found_seeds")
            hit[k] = (fs > 0) if isinstance(fs, int) else str(r.get("status", "")).lower() == "found"
        total += 1
        found += bool(hit.get(det))
        found_any += any(hit.values())
        if not hit.get(det):
            missed.append(str(v.get("name")))
    zoo = {"detector": det, "found": found, "total": total, "found_by_any_detector": found_any,
           "not_found": missed, "mode": data.get("mode")}
    return zoo, runs


def tsan_part(d, findings, run):
    data = optional_json(d, "tsan.json")
    out = {"harness_runs": 0, "harness_runs_passed": 0, "ctest": None}
    if data is not None:
        shown = rel(os.path.join(d, "tsan.json"))
        expect(isinstance(data, dict) and isinstance(data.get("runs"), list),
               f"{shown}: expected an object with a 'runs' list (scripts/collect_tsan.py)")
        for i, r in enumerate(data["runs"]):
            expect(isinstance(r, dict), f"{shown}: runs[{i}] is not an object")
            expect(num(r.get("violations", 0)) is not None, f"{shown}: runs[{i}].violations must be a number")
            out["harness_runs"] += 1
            bad = r.get("violations") or r.get("tsan_report")
            if not bad and not r.get("error"):
                out["harness_runs_passed"] += 1
            if bad:
                what = ("ThreadSanitizer report" if r.get("tsan_report") else
                        f"{r.get('violations')} oracle violation(s)")
                findings.append({"source": f"stress harness ({r.get('build')} build)",
                                 "kind": "tsan_report" if r.get("tsan_report") else "violation",
                                 "target": str(r.get("harness")), "implementation": str(r.get("variant")),
                                 "message": f"{r.get('harness')} {r.get('args')}: {what}",
                                 "location": location_in(str(r.get("report") or "")),
                                 "replay": f"build/{'tsan' if r.get('build') == 'tsan' else 'bench'}/tsan/"
                                           f"{r.get('harness')} {r.get('args')} --seed {r.get('seed', 1)}",
                                 "artifact": None})
    junit = os.path.join(d, TSAN_JUNIT)
    if os.path.exists(junit):
        try:
            tree = ET.parse(junit)
        except (ET.ParseError, OSError) as e:
            raise InputError(f"{rel(junit)}: not readable JUnit XML: {e}") from e
        cases = tree.getroot().iter("testcase")
        n = passed = 0
        for tc in cases:
            n += 1
            failure = tc.find("failure")
            if failure is None and tc.get("status") not in ("fail", "failed"):
                if tc.find("skipped") is None:
                    passed += 1
                continue
            text = "".join(x.text or "" for x in tc.iter() if x.tag in ("failure", "system-out", "system-err"))
            text += failure.get("message", "") if failure is not None else ""
            if "ThreadSanitizer" in text:
                m = re.search(r"WARNING: ThreadSanitizer: ([^\n(]+)", text)
                findings.append({"source": "TSan job (ctest -L tsan)", "kind": "tsan_" + re.sub(
                    r"\W+", "_", (m.group(1) if m else "report").strip()), "target": tc.get("name"),
                    "implementation": "correct", "message": f"{tc.get('name')}: "
                    + (m.group(0) if m else "ThreadSanitizer report"), "location": location_in(text),
                    "replay": f"ctest --test-dir build/tsan -R '^{tc.get('name')}$' --output-on-failure",
                    "artifact": rel(junit)})
        out["ctest"] = {"tests": n, "passed": passed}
    st = stage(run, "tsan:ctest")
    if out["ctest"] is None and st:
        out["ctest"] = {"status": st.get("status")}
    return out if (data is not None or out["ctest"]) else None


def stage(run, name):
    return next((s for s in (run or {}).get("stages", []) if isinstance(s, dict) and s.get("name") == name), None)


def stages_part(run):
    failed, missing, other = [], [], []
    for s in (run or {}).get("stages", []):
        if not isinstance(s, dict) or s.get("status") == "ok":
            continue
        entry = {"name": s.get("name"), "status": s.get("status"), "reason": s.get("reason") or ""}
        if s.get("status") == "failed":
            failed.append(entry)
        elif s.get("status") == "skipped" and "missing" in str(s.get("reason", "")).lower():
            missing.append(entry)
        else:
            other.append(entry)
    return {"failed": failed, "missing_dependency": missing, "other": other,
            "interrupted": bool((run or {}).get("interrupted"))}


# --------------------------------------------------------------------------- cost

def cost_part(d):
    """The last-reference cost in the most contended release cell: the best
    safe strategy and the UNSAFE one, p50/p99 with sample counts, beside the
    timer-wakeup reference at the unloader's class in the same cell."""
    import glob
    rows = []
    for path in sorted(glob.glob(os.path.join(d, "bench", "*release_latency*.json"))):
        if os.path.basename(path) == "release_latency_samples.json":
            continue
        rows += load_bench_file(path, rel(path))[1]
    sp = samples_path(d)
    cells = release_cells(rows, load_samples(sp)[1] if sp else [])
    if not cells:
        return None
    rank = {"sched_idle": 0, "nice19": 1, "normal": 2}
    hog_rank = {"normal": 0, "fifo": 1, "none": 2}
    name = sorted(cells, key=lambda n: (not is_starved(cells[n]["cell"]), cells[n]["cell"]["pinned"],
                                        hog_rank[cells[n]["cell"]["hogs"]], rank[cells[n]["cell"]["releaser"]],
                                        -cells[n]["cell"]["k"]))[0]
    c = cells[name]
    cell = c["cell"]

    def fig(key):
        x = c.get(key)
        if not x or x.get("p50_ns") is None:
            return None
        n = x.get("count")
        return {"strategy": STRATEGY_WORDS.get(key, key), "p50_ns": x.get("p50_ns"),
                "p99_ns": x.get("p99_ns") if supported(n, 0.99) else None,
                "p99": "ok" if supported(n, 0.99) else "n too small", "samples": n,
                "exposed": x.get("exposed")}
    safe = [f for f in (fig(k) for k in SAFE_STRATEGIES) if f]
    best = min(safe, key=lambda f: f["p50_ns"]) if safe else None
    hogs = ("no CPU hogs" if cell["hogs"] == "none" else f"{cell['k']} {HOGS_TEXT[cell['hogs']]}")
    return {"cell": name, "conditions": f"{hogs} while the releaser runs at {RELEASER_TEXT[cell['releaser']]}"
            + (", pinned" if cell["pinned"] else ""), "best_safe": best, "unsafe": fig("unsafe_immediate"),
            "reference": dict(fig("probe_unloader") or {}, strategy="timer wakeup at the unloader's class "
                              "(reference: a futex wake can beat it)") if fig("probe_unloader") else None}


# --------------------------------------------------------------------------- verdict

def compute(d, do_replay=True):
    run = optional_json(d, "run.json")
    if run is not None and not isinstance(run, dict):
        raise InputError(f"{rel(os.path.join(d, 'run.json'))}: expected a JSON object (lastref-run/1)")
    findings = []
    replays = {"binary": replay_binary() if do_replay else None, "left": MAX_REPLAYS}
    try:
        fuzz = campaign_part(d, findings, replays)
        zoo, correct_runs = detection_part(d, findings)
        tsan = tsan_part(d, findings, run)
    except (TypeError, ValueError, AttributeError, KeyError) as e:
        raise InputError(f"{d}: an input has a value of the wrong type ({type(e).__name__}: {e})") from e
    detectors, execs = set(), 0
    if fuzz:
        detectors.add("libFuzzer campaign")
        execs += fuzz["executions"]
    for r in correct_runs or []:
        detectors.add(r["detector"])
        execs += r["executions"]
    stages = stages_part(run)
    if stages["interrupted"]:
        status = EXIT_INTERRUPTED
    elif findings:
        status = EXIT_FINDING
    elif stages["failed"]:
        status = EXIT_STAGE_FAILED
    elif stages["missing_dependency"]:
        status = EXIT_MISSING_DEP
    else:
        status = EXIT_OK
    try:
        cost = cost_part(d)
    except InputError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError) as e:
        raise InputError(f"{d}/bench: release-latency input has a value of the wrong type ({e})") from e
    return {
        "schema": SCHEMA,
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "results": os.path.basename(os.path.abspath(d)),
        "verdict": ("interrupted" if status == EXIT_INTERRUPTED else "findings" if findings else
                    "stage failed" if status == EXIT_STAGE_FAILED else
                    "dependency missing" if status == EXIT_MISSING_DEP else
                    # Nothing ran on the correct implementations (e.g. --only bench): no claim.
                    "not checked" if not execs and not (tsan and tsan["harness_runs"]) else "pass"),
        "exit_status": status,
        "findings": findings,
        "correct_implementations": {"executions": execs, "detectors": sorted(detectors),
                                    "reports": len(findings), "fuzz_campaign": fuzz,
                                    "scorecard_correct_runs": correct_runs},
        "zoo": zoo,
        "tsan": tsan,
        "stages": stages,
        "cost": cost,
    }


def sarif(v):
    rules = sorted({f["kind"] for f in v["findings"]})
    results = []
    for f in v["findings"]:
        loc = f.get("location")
        text = (f"{f['message']} [{f['source']}, implementation: {f['implementation']}]. "
                f"Replay: {f['replay']}")
        if not loc:
            text += " (no source line in the report: located at the harness)"
            guess = source_path(f"{f['target']}.cc") or source_path(f"{f['target']}.cpp")
            loc = {"file": guess or "README.md", "line": 1}
        results.append({
            "ruleId": f["kind"], "ruleIndex": rules.index(f["kind"]), "level": "error",
            "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": loc["file"], "uriBaseId": "%SRCROOT%"},
                                                "region": {"startLine": loc["line"]}}}],
            "properties": {"replay": f["replay"], "source": f["source"], "target": f["target"],
                           "implementation": f["implementation"], "artifact": f.get("artifact")},
        })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lastref", "informationUri": "https://github.com/lastref/lastref",
                                "rules": [{"id": k, "shortDescription": {"text": f"lastref finding: {k}"}}
                                          for k in rules]}},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the lastref source tree"}}},
            "results": results,
        }],
    }


def summary_lines(v):
    """The verdict in a few lines (terminal, $GITHUB_STEP_SUMMARY)."""
    ci = v["correct_implementations"]
    out = [f"lastref verdict: {v['verdict'].upper()} (./lastref run exit status {v['exit_status']})"]
    out.append(f"- correct implementations: {ci['executions']:,} executions across {len(ci['detectors'])} "
               f"detectors, {len(v['findings'])} reports")
    for f in v["findings"]:
        loc = f"{f['location']['file']}:{f['location']['line']}" if f.get("location") else "no source line"
        out.append(f"  - {f['kind']} ({f['source']}, {f['implementation']}) at {loc}: {f['message']}")
        out.append(f"    replay: {f['replay']}")
    z = v.get("zoo")
    out.append(f"- zoo: found {z['found']} of {z['total']} with {z['detector']}" if z else "- zoo: not run")
    t = v.get("tsan")
    if t:
        ct = t.get("ctest") or {}
        jobs = (f"{ct['passed']} of {ct['tests']} TSan tests passed" if "tests" in ct else
                f"TSan tests (ctest -L tsan): {ct.get('status', 'not run')}")
        out.append(f"- TSan: {jobs}; stress-harness runs {t['harness_runs_passed']} of {t['harness_runs']} clean")
    else:
        out.append("- TSan: not run")
    for s in v["stages"]["failed"] + v["stages"]["missing_dependency"]:
        out.append(f"- stage {s['name']} {s['status']}: {s['reason']}")
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="exit status: 0 no finding, 1 findings, 2 bad input")
    ap.add_argument("results", metavar="RESULTS_DIR")
    ap.add_argument("--no-replay", dest="replay", action="store_false",
                    help="do not replay crash files for their trace (no source lines in the SARIF)")
    ap.add_argument("--any-folder", action="store_true", help="accept a folder without run.json")
    ap.add_argument("--print", action="store_true", help="print the verdict summary")
    a = ap.parse_args(argv)
    d = a.results
    try:
        if not os.path.isdir(d):
            raise InputError(f"{d}: no such results folder")
        if not a.any_folder and not os.path.exists(os.path.join(d, "run.json")):
            raise InputError(f"{d}: not a results folder (no run.json; ./lastref run writes it)")
        if not os.access(d, os.W_OK):
            raise InputError(f"{d}: not writable")
        v = compute(d, a.replay)
    except InputError as e:
        print(f"verdict.py: error: {e}", file=sys.stderr)
        return 2
    write_atomic(os.path.join(d, VERDICT_FILE), json.dumps(v, indent=1) + "\n")
    write_atomic(os.path.join(d, SARIF_FILE), json.dumps(sarif(v), indent=1) + "\n")
    if a.print:
        print("\n".join(summary_lines(v)))
    return 1 if v["findings"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
