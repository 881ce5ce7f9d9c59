#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of what results/report.py does to its output folder and of
its first screen: a malformed input stops it before any output is touched;
it deletes only plots its own manifest lists; it leaves no temporary file;
the verdict comes first, then a table of contents whose anchors exist in the
HTML; a latency figure carries its sample count and a p99 from 39 samples
is "n too small"."""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "report.py")


def gb(name, p50_us, p99_us, samples, reps=3):
    out = []
    for i in range(reps):
        out.append({"name": name, "run_name": name, "run_type": "iteration", "repetitions": reps,
                    "repetition_index": i, "threads": 1, "iterations": 1, "real_time": p50_us,
                    "cpu_time": p50_us, "time_unit": "us", "p50_us": p50_us, "p90_us": p99_us, "p99_us": p99_us,
                    "samples": samples})
    return out


class ReportOutputTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.write("run.json", {"schema": "lastref-run/1", "command": "./lastref run --quick", "host": "h",
                                "stages": [{"name": "fuzz", "status": "ok"}]})
        self.write("fuzz_campaign.json", {"budget_s": 9, "zoo": "", "targets": {
            "kref_fuzzer": {"execs": 5000, "crashes": 0, "crash_files": []}}})
        rows = (gb("completion_pingpong/cross_cpu/lastref:completion/manual_time", 0.15, 0.3, 39)
                + gb("completion_pingpong/cross_cpu/limit:spin_cacheline_pingpong/manual_time", 0.09, 0.2, 5000))
        self.write("bench/lastref_bench_x.json", {"context": {"host_name": "h"}, "benchmarks": rows})

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, doc):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))

    def run_report(self):
        p = subprocess.run([sys.executable, REPORT, "--results", self.dir, "--out", os.path.join(self.dir, "report.md")],
                           capture_output=True, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    def tree(self):
        out = {}
        for d, _, files in os.walk(self.dir):
            for f in files:
                p = os.path.join(d, f)
                with open(p, "rb") as fh:
                    out[os.path.relpath(p, self.dir)] = fh.read()
        return out

    def test_first_screen_toc_and_sample_counts(self):
        rc, out, err = self.run_report()
        self.assertEqual(rc, 0, out + err)
        with open(os.path.join(self.dir, "report.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertLess(md.index("## Verdict"), md.index("## Headline"))
        self.assertLess(md.index("**Contents:**"), md.index("## Headline"))
        self.assertIn("**PASS**", md)
        self.assertIn("**Correct implementations**: 5000 executions across 1 detectors", md)
        # 39 samples per repetition support a p50, not a p90 or p99; the n is shown.
        self.assertRegex(md, r"\| completion \| lastref \| 150 ns \| n too small \| n too small \| [^|]+ \| 39 × 3 \|")
        self.assertIn("(n = 39 per repetition × 3)", md)
        with open(os.path.join(self.dir, "report.html"), encoding="utf-8") as f:
            html = f.read()
        ids = set(re.findall(r'id="([^"]+)"', html))
        links = re.findall(r'href="#([^"]+)"', html)
        self.assertGreater(len(links), 5)
        for a in links:
            self.assertIn(a, ids)
        self.assertIn("<table>", html)
        self.assertIn("overflow-x:auto", html)
        self.assertEqual([f for f in os.listdir(self.dir) if ".tmp" in f or f.startswith(".report-plots-")], [])

    def test_malformed_input_touches_no_output(self):
        rc, out, err = self.run_report()
        self.assertEqual(rc, 0, out + err)
        self.write("plots/mine.png", "not made by report.py")
        self.write("tsan.json", "{broken")
        before = self.tree()
        rc, out, err = self.run_report()
        self.assertEqual(rc, 2, out + err)
        self.assertIn("tsan.json", err)
        self.assertEqual(self.tree(), before)

    def test_deletes_only_plots_it_made(self):
        rc, out, err = self.run_report()
        self.assertEqual(rc, 0, out + err)
        made = set(os.listdir(os.path.join(self.dir, "plots")))
        self.assertIn("bench_completion_pingpong_cross_cpu.png", made)
        self.write("plots/users_own.png", "x")
        # The next run no longer has the benchmark: its stale plot goes, the user's file stays.
        os.remove(os.path.join(self.dir, "bench", "lastref_bench_x.json"))
        rc, out, err = self.run_report()
        self.assertEqual(rc, 0, out + err)
        left = set(os.listdir(os.path.join(self.dir, "plots")))
        self.assertNotIn("bench_completion_pingpong_cross_cpu.png", left)
        self.assertIn("users_own.png", left)


if __name__ == "__main__":
    unittest.main()
