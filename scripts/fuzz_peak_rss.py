#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Peak RSS of each campaign fuzz target over a long run (opt-in; not part
of any test or of `./lastref run`: ten minutes per target by default).

  scripts/fuzz_peak_rss.py [--seconds 600] [--build build/fuzz]
                           [--targets "kref_fuzzer ..."] [--out DIR]

Each target runs alone, one process (no -fork: the process that keeps the
corpus in memory is the one that grows), with the campaign's flags
(fuzz/campaign.sh: -rss_limit_mb=2048 -malloc_limit_mb=1024 -len_control=0
-max_len=128 -timeout=10, its dictionary and seed corpus) into a fresh
corpus, for --seconds. Every 5 s the script reads the process's VmRSS and
VmHWM (/proc/PID/status); at the end libFuzzer's own -print_final_stats
peak (stat::peak_rss_mb). Written to DIR (default results/fuzz-rss/):
<date>-<host>.json (per target: peak_rss_mb, rss_mb at the first and last
sample, executions, exec/s, the samples) and .md (a table).

Bounded: each target is stopped 60 s after its --seconds if libFuzzer has
not stopped it. Ctrl-C (SIGINT/SIGTERM) stops the running target (its
process group), skips the rest and still writes what finished, marked
interrupted; exit status 130. Exit 2 on a usage error (a missing build, an
unknown target), naming it.
"""

import argparse
import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ("kref_fuzzer", "completion_fuzzer", "module_unload_fuzzer", "mixed_fuzzer")
SAMPLE_S = 5
stop = {"signal": None}


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def run_target(build, target, seconds, work):
    corpus = os.path.join(work, target)
    os.makedirs(corpus)
    cmd = [os.path.join(build, "fuzz", target), "-rss_limit_mb=2048", "-malloc_limit_mb=1024",
           f"-max_total_time={seconds}", "-len_control=0", "-max_len=128", "-timeout=10",
           "-print_final_stats=1", f"-dict={os.path.join(ROOT, 'fuzz', 'dicts', target + '.dict')}",
           f"-artifact_prefix={work}/", corpus, os.path.join(ROOT, "fuzz", "corpus", target)]
    log = open(os.path.join(work, target + ".log"), "w+")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    t0 = time.monotonic()
    samples, hwm = [], 0
    while p.poll() is None:
        el = time.monotonic() - t0
        rss, peak = status_kb(p.pid, "VmRSS"), status_kb(p.pid, "VmHWM")
        if rss is not None:
            samples.append([round(el), round(rss / 1024)])
            hwm = max(hwm, peak or 0)
        if stop["signal"] or el > seconds + 60:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
            break
        if samples and len(samples) % 12 == 0:
            print(f"[{target}] {round(el)} s of {seconds}: rss {samples[-1][1]} MB, peak so far {hwm // 1024} MB",
                  flush=True)
        for _ in range(SAMPLE_S * 10):
            if p.poll() is not None or stop["signal"]:
                break
            time.sleep(0.1)
    p.wait()
    log.seek(0)
    text = log.read()
    log.close()
    stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", text, re.M))
    peak = max(int(stats.get("peak_rss_mb", 0)), hwm // 1024)
    return {"seconds": round(time.monotonic() - t0), "exit_status": p.returncode,
            "peak_rss_mb": peak, "libfuzzer_peak_rss_mb": int(stats["peak_rss_mb"]) if "peak_rss_mb" in stats else None,
            "rss_mb_first": samples[0][1] if samples else None, "rss_mb_last": samples[-1][1] if samples else None,
            "executions": int(stats["number_of_executed_units"]) if "number_of_executed_units" in stats else None,
            "exec_per_s": int(stats["average_exec_per_sec"]) if "average_exec_per_sec" in stats else None,
            "samples": samples}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "fuzz"))
    ap.add_argument("--targets", default=" ".join(TARGETS))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "fuzz-rss"))
    a = ap.parse_args(argv)
    if not 1 <= a.seconds <= 86400:
        ap.error(f"--seconds takes 1 to 86400 (got {a.seconds})")
    targets = list(dict.fromkeys(a.targets.split()))
    for t in targets:
        if t not in TARGETS:
            ap.error(f"--targets: unknown target '{t}' ({', '.join(TARGETS)})")
        if not os.access(os.path.join(a.build, "fuzz", t), os.X_OK):
            ap.error(f"--build {a.build}: no fuzz/{t} (cmake --preset fuzz && cmake --build --preset fuzz --target {t})")
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, lambda n, _f: stop.__setitem__("signal", signal.Signals(n).name))
    os.makedirs(a.out, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    doc = {"schema": "lastref-fuzz-rss/1", "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "host": socket.gethostname(), "seconds_per_target": a.seconds, "interrupted": False, "targets": {}}
    with tempfile.TemporaryDirectory(prefix="lastref-fuzz-rss.") as work:
        for t in targets:
            if stop["signal"]:
                break
            print(f"== {t}: {a.seconds} s, one process", flush=True)
            doc["targets"][t] = run_target(a.build, t, a.seconds, work)
            r = doc["targets"][t]
            print(f"-- {t}: peak RSS {r['peak_rss_mb']} MB (first sample {r['rss_mb_first']} MB, last "
                  f"{r['rss_mb_last']} MB), {r['exec_per_s']} exec/s", flush=True)
    doc["interrupted"] = bool(stop["signal"])
    base = os.path.join(a.out, f"{started.strftime('%Y-%m-%d')}-{doc['host']}")
    with open(base + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    rows = ["| target | seconds | peak RSS (MB) | RSS first / last sample (MB) | executions | exec/s |",
            "|---|---|---|---|---|---|"]
    for t, r in doc["targets"].items():
        rows.append(f"| {t} | {r['seconds']} | {r['peak_rss_mb']} | {r['rss_mb_first']} / {r['rss_mb_last']} "
                    f"| {r['executions']} | {r['exec_per_s']} |")
    with open(base + ".md", "w") as f:
        f.write(f"# Fuzz target peak RSS ({doc['started']}, {doc['host']}, {a.seconds} s per target, one process"
                + (", INTERRUPTED" if doc["interrupted"] else "") + ")\n\nscripts/fuzz_peak_rss.py; "
                "flags as fuzz/campaign.sh (-rss_limit_mb=2048 -malloc_limit_mb=1024).\n\n" + "\n".join(rows) + "\n")
    print(f"fuzz_peak_rss.py: wrote {base}.json and .md")
    return 130 if doc["interrupted"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
