#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CTest fuzz_cflite_workflows: the ClusterFuzzLite workflows match .clusterfuzzlite/.

    cflite_workflows_test.py REPO

Checks what can be checked without GitHub or a container engine: every
.github/workflows/cflite_*.yml parses (python3-yaml); the three modes exist
(code-change on pull_request, batch on a schedule, prune on a schedule); each
job builds with google/clusterfuzzlite/actions/build_fuzzers then runs
run_fuzzers with the same sanitizer; the language is project.yaml's; every
sanitizer a job uses is listed in project.yaml; .clusterfuzzlite/build.sh
hands over to fuzz/build.sh, which the Dockerfile copies in. Exit 1 with
every mismatch listed.
"""
import sys
from pathlib import Path

import yaml

repo = Path(sys.argv[1])
errors = []
project = yaml.safe_load((repo / ".clusterfuzzlite/project.yaml").read_text())
language = project.get("language")
sanitizers = set(project.get("sanitizers") or ["address"])
modes = {}
files = sorted((repo / ".github/workflows").glob("cflite_*.yml"))
if not files:
    errors.append("no .github/workflows/cflite_*.yml")
for f in files:
    doc = yaml.safe_load(f.read_text())
    triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    if isinstance(triggers, str):
        triggers = {triggers: None}
    for name, job in (doc.get("jobs") or {}).items():
        steps = job.get("steps") or []
        uses = [s.get("uses", "") for s in steps]
        build = [s for s in steps if s.get("uses", "").startswith("google/clusterfuzzlite/actions/build_fuzzers@")]
        run = [s for s in steps if s.get("uses", "").startswith("google/clusterfuzzlite/actions/run_fuzzers@")]
        where = f"{f.name}:{name}"
        if len(build) != 1 or len(run) != 1 or uses.index(build[0]["uses"]) > uses.index(run[0]["uses"]):
            errors.append(f"{where}: needs one build_fuzzers step followed by one run_fuzzers step")
            continue
        bw, rw = build[0].get("with") or {}, run[0].get("with") or {}
        if bw.get("language") != language:
            errors.append(f"{where}: language {bw.get('language')!r}, project.yaml says {language!r}")
        matrix = ((job.get("strategy") or {}).get("matrix") or {}).get("sanitizer")
        used = set(matrix) if matrix else {bw.get("sanitizer", "address")}
        if not used <= sanitizers:
            errors.append(f"{where}: sanitizers {sorted(used - sanitizers)} not in project.yaml")
        if bw.get("sanitizer") != rw.get("sanitizer"):
            errors.append(f"{where}: build and run use different sanitizers")
        secs = rw.get("fuzz-seconds")
        if not isinstance(secs, int) or secs <= 0:
            errors.append(f"{where}: fuzz-seconds must be a positive number")
        modes.setdefault(rw.get("mode"), []).append((f.name, set(triggers or {})))
for mode, trigger in (("code-change", "pull_request"), ("batch", "schedule"), ("prune", "schedule")):
    if not any(trigger in t for _, t in modes.get(mode, [])):
        errors.append(f"no workflow runs mode {mode!r} on {trigger}")
build_sh = (repo / ".clusterfuzzlite/build.sh").read_text()
if "fuzz/build.sh" not in build_sh:
    errors.append(".clusterfuzzlite/build.sh does not run fuzz/build.sh")
docker = (repo / ".clusterfuzzlite/Dockerfile").read_text()
if "COPY .clusterfuzzlite/build.sh $SRC/build.sh" not in docker or "COPY . $SRC/lastref" not in docker:
    errors.append(".clusterfuzzlite/Dockerfile does not copy the repository and build.sh")
for e in errors:
    print("FAIL", e)
print(f"cflite_workflows_test: {len(files)} workflows, modes {sorted(m for m in modes if m)}, "
      f"{len(errors)} problems")
sys.exit(1 if errors else 0)
