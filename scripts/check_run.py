#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that a results folder written by `./lastref run` is complete: every
stage passed, every raw JSON input is there and parses, and the report has
each section and its plots. The main job's smoke test (`./lastref test`,
quick-run) runs it after `./lastref run --quick`.

usage: check_run.py RESULTS_DIR
Exit status 0 complete, 1 something is missing (each problem is listed).
"""
import json
import os
import sys

STAGES = ("build:bench", "build:fuzz", "build:tsan", "fuzz", "zoo", "tsan:ctest",
          "tsan:throughput", "bench", "report")
JSON_FILES = ("run.json", "fuzz_campaign.json", "detection.json", "tsan.json")


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    d = argv[0]
    problems = []

    def load(rel):
        path = os.path.join(d, rel)
        try:
            with open(path) as f:
                return json.load(f)
        except OSError as e:
            problems.append(f"{rel}: cannot read ({e.strerror})")
        except json.JSONDecodeError as e:
            problems.append(f"{rel}: not JSON ({e})")
        return None

    docs = {rel: load(rel) for rel in JSON_FILES}
    run = docs["run.json"]
    if run is not None:
        if not run.get("lastref_version"):
            problems.append("run.json: no lastref_version")
        seen = {s["name"]: s for s in run.get("stages", [])}
        for st in STAGES:
            if st not in seen:
                problems.append(f"run.json: stage {st} did not run")
            elif seen[st]["status"] != "ok" and st != "report":
                problems.append(f"run.json: stage {st} {seen[st]['status']}: {seen[st]['reason']}")
    bench_dir = os.path.join(d, "bench")
    bench = sorted(f for f in os.listdir(bench_dir) if f.endswith(".json")) if os.path.isdir(bench_dir) else []
    if not [f for f in bench if not f.startswith("_")]:
        problems.append("bench/: no benchmark JSON")
    for f in bench:
        load(os.path.join("bench", f))
    report = os.path.join(d, "report.md")
    if not os.path.isfile(report):
        problems.append("report.md is missing")
    else:
        with open(report) as f:
            text = f.read()
        images = [line for line in text.splitlines() if "](" in line and ".png)" in line]
        if not images:
            problems.append("report.md has no plots")
        for line in images:
            rel = line.split("](", 1)[1].split(")", 1)[0]
            if not os.path.isfile(os.path.join(d, rel)):
                problems.append(f"report.md links a missing plot: {rel}")
        if "not run" in text.lower() and run is not None and not run.get("interrupted"):
            problems.append("report.md marks a part as not run")
    for p in problems:
        print(f"check_run.py: {p}", file=sys.stderr)
    if not problems:
        print(f"check_run.py: {d} is complete ({len(bench)} benchmark files)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
