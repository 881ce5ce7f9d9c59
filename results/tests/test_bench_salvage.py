#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of results/bench_salvage.py: a Google Benchmark JSON file cut
short by the end of a budget keeps its complete entries and its context; a
complete file is kept whole; a file with nothing complete is refused."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

SALVAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench_salvage.py")
DOC = {"context": {"date": "d", "host_name": "h"},
       "benchmarks": [{"name": f"g/lastref:x/repeats:{i}", "run_name": "g/lastref:x", "run_type": "iteration",
                       "real_time": 1.0 + i, "cpu_time": 1.0, "time_unit": "ns"} for i in range(3)]}


class SalvageTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.src = os.path.join(self.tmp.name, "in.json")
        self.dst = os.path.join(self.tmp.name, "out.json")

    def tearDown(self):
        self.tmp.cleanup()

    def run_on(self, text):
        with open(self.src, "w", encoding="utf-8") as f:
            f.write(text)
        return subprocess.run([sys.executable, SALVAGE, self.src, self.dst], capture_output=True, text=True,
                              timeout=60)

    def test_cut_short_keeps_complete_entries(self):
        text = json.dumps(DOC, indent=2)
        cut = text[:text.index('"real_time": 3.0')]  # inside the third entry
        p = self.run_on(cut)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("2 entries kept", p.stdout)
        with open(self.dst, encoding="utf-8") as f:
            out = json.load(f)
        self.assertEqual([e["real_time"] for e in out["benchmarks"]], [1.0, 2.0])
        self.assertEqual(out["context"]["host_name"], "h")
        self.assertIn("lastref_truncated", out["context"])

    def test_complete_file_is_kept_whole(self):
        p = self.run_on(json.dumps(DOC))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("3 entries kept", p.stdout)

    def test_nothing_complete_is_refused(self):
        p = self.run_on('{"context": {"date": "d"}, "benchmarks": [{"name": "g/l')
        self.assertEqual(p.returncode, 1)
        self.assertFalse(os.path.exists(self.dst))
        p = self.run_on("")
        self.assertEqual(p.returncode, 1)
        self.assertFalse(os.path.exists(self.dst))


if __name__ == "__main__":
    unittest.main()
