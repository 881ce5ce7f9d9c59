#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes run.json for a results folder: what `./lastref run` ran, how each
stage ended, and the machine and tool versions the figures belong to.

usage: run_record.py --out RUN.json --started T --finished T --command CMD
                     --budget S --quick 0|1 --scorecard MODE --interrupted 0|1
                     --root REPO  < stage lines

Each stdin line is `name<TAB>status<TAB>seconds<TAB>reason`, status one of
ok, failed, skipped, interrupted. Schema `lastref-run/1`; results/report.py
reads it.
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

PACKAGES = ("g++", "clang-14", "cmake", "ninja-build", "libbenchmark-dev", "libgtest-dev",
            "libboost-context-dev", "libboost-dev", "liburcu-dev", "libabsl-dev",
            "python3-matplotlib", "python3-scipy")


def run(cmd, cwd=None):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20, cwd=cwd)
        return p.stdout.strip() if p.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def first_line(text):
    return text.splitlines()[0] if text else None


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def cpu_model():
    info = read("/proc/cpuinfo") or ""
    for line in info.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or None


def mem_gib():
    for line in (read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return None


def package_versions():
    out = {}
    for p in PACKAGES:
        v = run(["dpkg-query", "-W", "-f=${Version}", p]) if shutil.which("dpkg-query") else None
        out[p] = v or "not installed"
    return out


def lastref_version(root):
    """The project VERSION in CMakeLists.txt, lastref's one version string."""
    m = re.search(r"^project\(lastref VERSION ([0-9][0-9.]*)", read(os.path.join(root, "CMakeLists.txt")) or "",
                  re.M)
    return m.group(1) if m else None


def os_release():
    for line in (read("/etc/os-release") or "").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return None


def parse_stages(stream):
    stages = []
    for n, line in enumerate(stream, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != 4 or parts[1] not in ("ok", "failed", "skipped", "interrupted"):
            raise ValueError(f"stage line {n} is malformed: {line!r}")
        stages.append({"name": parts[0], "status": parts[1], "seconds": int(parts[2]),
                       "reason": parts[3]})
    return stages


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--started", required=True)
    ap.add_argument("--finished", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--budget", type=int, required=True)
    ap.add_argument("--quick", type=int, choices=(0, 1), required=True)
    ap.add_argument("--scorecard", required=True)
    ap.add_argument("--interrupted", type=int, choices=(0, 1), required=True)
    ap.add_argument("--signal", default=None, help="the signal that interrupted the run")
    ap.add_argument("--root", required=True)
    a = ap.parse_args(argv)
    try:
        stages = parse_stages(sys.stdin)
    except ValueError as e:
        print(f"run_record.py: {e}", file=sys.stderr)
        return 2
    commit = run(["git", "rev-parse", "HEAD"], cwd=a.root)
    clang = os.environ.get("LASTREF_CLANG") or "clang++-14"
    dirty = run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=a.root)
    doc = {
        "schema": "lastref-run/1",
        "lastref_version": lastref_version(a.root),
        "started": a.started,
        "finished": a.finished,
        "command": a.command,
        "budget_s": a.budget,
        "quick": bool(a.quick),
        "scorecard": a.scorecard,
        "interrupted": bool(a.interrupted),
        "interrupted_by": a.signal if a.interrupted else None,
        "host": socket.gethostname(),
        "os": os_release(),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "memory_gib": mem_gib(),
        "governor": read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor") or "unavailable",
        "sched_autogroup": read("/proc/sys/kernel/sched_autogroup_enabled"),
        "user_is_root": os.geteuid() == 0,
        "git_commit": commit,
        "git_dirty": bool(dirty) if commit else None,
        "compilers": {"g++": first_line(run(["g++", "--version"])),
                      # the clang the presets used: scripts/deps.sh exports it
                      clang: first_line(run([clang, "--version"]))},
        "packages": package_versions(),
        "stages": stages,
    }
    # A temporary name in the same folder, renamed into place: a reader sees
    # the old run.json or the new one, never half of one.
    fd, tmp = tempfile.mkstemp(prefix=".run.json.", suffix=".tmp",
                               dir=os.path.dirname(os.path.abspath(a.out)))
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, a.out)
    except BaseException:
        os.unlink(tmp)
        raise
    return 0


if __name__ == "__main__":
    # It runs in the main job's foreground after a Ctrl-C: a second one must
    # neither leave a half-written run.json nor print a traceback. The job
    # takes well under a second (each probe it runs is bounded at 20 s).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    sys.exit(main(sys.argv[1:]))
