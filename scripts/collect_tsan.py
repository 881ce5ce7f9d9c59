#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs every real-thread stress harness for a fixed duration in a plain and
a TSan build and writes their SUMMARY lines as results/tsan.json.

usage: collect_tsan.py OUT.json --plain BUILD_DIR --tsan BUILD_DIR [--ms N]
A build dir that lacks the harnesses is recorded as not run, with the reason.
"""
import argparse
import json
import os
import subprocess
import sys

# (harness, arguments): one run per protocol scenario of tsan/README.md.
RUNS = [
    ("kref_stress", ["--scenario", "table", "--threads", "4"]),
    ("kref_stress", ["--scenario", "pair", "--threads", "4"]),
    ("kref_stress", ["--scenario", "lookup_race", "--threads", "2"]),
    ("completion_stress", ["--scenario", "mixed", "--threads", "4"]),
    ("completion_stress", ["--scenario", "handoff", "--threads", "4"]),
    ("module_stress", ["--variant", "builtin", "--threads", "4"]),
    ("module_stress", ["--variant", "drain", "--threads", "4"]),
]


def parse_summary(text):
    for line in text.splitlines():
        if line.startswith("SUMMARY harness="):
            fields = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
            for k, v in fields.items():
                try:
                    fields[k] = int(v)
                except ValueError:
                    pass
            return fields
    return None


def run_build(kind, build, ms):
    rows = []
    tsan_dir = os.path.join(build, "tsan")
    for harness, args in RUNS:
        exe = os.path.join(tsan_dir, harness)
        row = {"build": kind, "harness": harness, "args": " ".join(args)}
        if not os.access(exe, os.X_OK):
            row["error"] = f"not built: {exe}"
            rows.append(row)
            continue
        env = dict(os.environ, TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1")
        cmd = [exe, *args, "--seed", "1", "--duration-ms", str(ms), "--iterations", "100000000"]
        print(f"  [{kind}] {harness} {' '.join(args)}", flush=True)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=ms / 1000 + 120)
        except subprocess.TimeoutExpired:
            row["error"] = "timed out"
            rows.append(row)
            continue
        summary = parse_summary(p.stdout)
        if summary is None:
            row["error"] = f"exit {p.returncode}, no SUMMARY line; stderr: {p.stderr[-400:]}"
        else:
            row.update(summary)
            row["exit_code"] = p.returncode
            row["tsan_report"] = "WARNING: ThreadSanitizer" in p.stderr
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--plain", required=True)
    ap.add_argument("--tsan", required=True)
    ap.add_argument("--ms", type=int, default=2000)
    a = ap.parse_args()
    rows = run_build("plain", a.plain, a.ms) + run_build("tsan", a.tsan, a.ms)
    with open(a.out, "w") as f:
        json.dump({"duration_ms": a.ms, "runs": rows}, f, indent=1)
    bad = [r for r in rows if r.get("error") or r.get("violations") or r.get("tsan_report")]
    for r in bad:
        print(f"  problem: {r}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
