#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every test runs under the preset it was written for.

Reads the tests of one configured build (ctest --show-only=json-v1) and the
test preset of the same name in CMakePresets.json, and fails when
  - a test has no label (gtest_discover_tests used to flatten a LABELS list,
    leaving tests with only their first label);
  - a test's labels say it is meant for this preset and the preset's label
    filter does not select it;
  - a label the preset's filter refers to selects no test of this build
    (only for `include` filters: an excluded label may be absent here), or a
    label any preset refers to selects no test at all in the dev build
    (which builds every test);
  - in the dev build, a test whose labels say it is meant for another
    preset and that preset's filter would leave it out.
What each label is meant for (MEANT_FOR below): `unit` tests are plain
correctness tests: dev and every sanitizer preset; `tsan` tests exist for
ThreadSanitizer (and run plain in dev); `fuzz`, `model`, `zoo` under dev and
ASan+UBSan; `bench` under dev and bench. `byo` and `kernel` say whose test it is,
not where it runs: such a test carries one of the others too.

usage: label_test.py --root REPO --build BUILD_DIR --preset NAME
Prints, per label, how many tests this preset selects of how many it has.
Exit status: 0 fine, 1 a rule is broken, 2 usage error, 77 the build is
not a preset's (skipped).
"""
import argparse
import json
import re
import subprocess
import sys

MEANT_FOR = {
    "unit": {"dev", "fuzz", "tsan"},
    "tsan": {"dev", "tsan"},
    "fuzz": {"dev", "fuzz"},
    "model": {"dev", "fuzz"},
    "zoo": {"dev", "fuzz"},
    "bench": {"dev", "bench"},
    "cmake": {"dev", "fuzz"},
    "byo": set(),
    "kernel": set(),
}


def preset_filter(presets, name):
    for p in presets.get("testPresets", []):
        if p["name"] == name:
            f = p.get("filter", {})
            inc = f.get("include", {}).get("label")
            exc = f.get("exclude", {}).get("label")
            return inc, exc
    return None


def labels_in(regex):
    """The labels a filter regex names (the presets use plain alternations)."""
    return [x for x in regex.split("|") if x] if regex else []


def selected(labels, inc, exc):
    # ctest: a test is included when one of its labels matches the include
    # regex, excluded when one matches the exclude regex.
    if inc and not any(re.search(inc, lab) for lab in labels):
        return False
    if exc and any(re.search(exc, lab) for lab in labels):
        return False
    return True


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--preset", required=True)
    a = ap.parse_args(argv)
    try:
        presets = json.load(open(f"{a.root}/CMakePresets.json"))
    except (OSError, ValueError) as e:
        print(f"label_test.py: {a.root}/CMakePresets.json: {e}", file=sys.stderr)
        return 2
    flt = preset_filter(presets, a.preset)
    if flt is None:
        print(f"label_test.py: {a.build} is not a preset's build (no test preset {a.preset!r}): skipped")
        return 77
    inc, exc = flt
    p = subprocess.run(["ctest", "--test-dir", a.build, "--show-only=json-v1"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f"label_test.py: ctest --show-only failed in {a.build}: {p.stderr.strip()}", file=sys.stderr)
        return 2
    tests = json.loads(p.stdout).get("tests", [])
    problems = []
    per_label = {}
    for t in tests:
        labels = []
        for prop in t.get("properties", []):
            if prop["name"] == "LABELS":
                labels = prop["value"]
        name = t["name"]
        if not labels:
            problems.append(f"{name}: no label")
            continue
        unknown = [lab for lab in labels if lab not in MEANT_FOR]
        if unknown:
            problems.append(f"{name}: label(s) {unknown} not in label_test.py's table: say where they run")
        meant = set().union(*(MEANT_FOR.get(lab, set()) for lab in labels))
        if not meant:
            problems.append(f"{name}: labels {labels} name no preset it is meant for")
        sel = selected(labels, inc, exc)
        for lab in labels:
            n, s = per_label.get(lab, (0, 0))
            per_label[lab] = (n + 1, s + (1 if sel else 0))
        if a.preset in meant and not sel:
            problems.append(f"{name}: labels {labels} mean it runs under {a.preset}, "
                            f"whose filter (include {inc!r}, exclude {exc!r}) leaves it out")
    for lab in labels_in(inc):
        if per_label.get(lab, (0, 0))[0] == 0:
            problems.append(f"preset {a.preset} includes label {lab!r}, which no test of this build has")
    if a.preset == "dev":
        # dev builds every test: check the other presets' filters by labels
        # (a test a preset does not build is that preset's build's concern).
        for t in tests:
            labels = next((pr["value"] for pr in t.get("properties", []) if pr["name"] == "LABELS"), [])
            meant = set().union(*(MEANT_FOR.get(lab, set()) for lab in labels)) if labels else set()
            for other in sorted(meant - {"dev"}):
                oflt = preset_filter(presets, other)
                if oflt is not None and not selected(labels, *oflt):
                    problems.append(f"{t['name']}: labels {labels} mean it runs under {other}, "
                                    f"whose filter (include {oflt[0]!r}, exclude {oflt[1]!r}) leaves it out")
        for tp in presets.get("testPresets", []):
            f = tp.get("filter", {})
            for key in ("include", "exclude"):
                for lab in labels_in(f.get(key, {}).get("label")):
                    if lab not in per_label:
                        problems.append(f"preset {tp['name']} refers to label {lab!r}, which no test has")
    print(f"preset {a.preset} (include {inc!r}, exclude {exc!r}), {len(tests)} tests in {a.build}:")
    for lab, (n, s) in sorted(per_label.items()):
        print(f"  {lab:8} {s:4} of {n:4} selected")
    for pr in problems:
        print("FAIL " + pr)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
