#!/usr/bin/python3
"""Self-test of results/report.py: missing inputs, malformed inputs, ratio
arithmetic and plots, on small fixtures written to a temporary directory."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report.py")


def gb_entry(name, real, cpu, agg="median", unit="ns", **counters):
    e = {"name": f"{name}_{agg}", "run_name": name, "run_type": "aggregate", "repetitions": 3,
         "threads": 1, "aggregate_name": agg, "aggregate_unit": "time", "iterations": 3,
         "real_time": real, "cpu_time": cpu, "time_unit": unit}
    e.update(counters)
    return e


def run(results):
    p = subprocess.run([sys.executable, REPORT, "--results", results], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, rel, obj):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(obj if isinstance(obj, str) else json.dumps(obj))

    def report(self):
        with open(os.path.join(self.dir, "REPORT.md"), encoding="utf-8") as f:
            return f.read()

    def test_missing_inputs_are_reported_not_run(self):
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        text = self.report()
        for section in ("## Benchmarks", "## Detection scorecard", "## Fuzz campaign", "## TSan jobs"):
            self.assertIn(section, text)
        self.assertEqual(text.count("_Not run"), 4)

    def test_malformed_scorecard_names_the_file(self):
        self.write("tsan.json", '{"harnesses": [')
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("tsan.json", err)
        self.assertIn("malformed JSON", err)

    def test_wrong_shape_names_the_file(self):
        self.write("detection.json", '"just a string"')
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("detection.json", err)

    def test_non_benchmark_json_names_the_file(self):
        self.write("bench/x.json", {"context": {}})
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("x.json", err)

    def test_ratios_against_limit_and_baseline(self):
        g = "grp/sub"
        self.write("bench/a.json", {"context": {"date": "d", "host_name": "h", "num_cpus": 2},
                                    "benchmarks": [
            gb_entry(f"{g}/lastref:prim", 99.0, 20.0),
            gb_entry(f"{g}/lastref:prim", 1.0, 1.0, agg="mean"),  # ignored: not the median
            gb_entry(f"{g}/baseline:other", 99.0, 40.0),
            gb_entry(f"{g}/limit:floor", 99.0, 10.0),
            gb_entry("lat/g/lastref:x/manual_time", 5.0, 1.0, unit="us", p50_us=4.0, p99_us=8.0, x_paired_limit=2.0),
            gb_entry("lat/g/limit:y/manual_time", 5.0, 1.0, unit="us", p50_us=2.0, p99_us=3.0),
        ]})
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        text = self.report()
        # CPU time for a single-thread throughput benchmark: 20 / 10 and 20 / 40.
        self.assertIn("| prim | lastref | 20 ns | 2.00× |", text)
        self.assertIn("| prim | 0.50× |", text)
        # p50 for latency groups: 4 µs / 2 µs, and the paired ratio column.
        self.assertIn("| x | lastref | 4 µs | 8 µs |", text.replace("| – |", "|"))
        self.assertIn("2.00×", text)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "plots", "bench_grp_sub.png")))

    def test_run_status_lists_binaries_that_did_not_run(self):
        self.write("bench/_status.json", {"budget_s": 10, "repetitions": 5, "min_time_s": 0.5, "elapsed_s": 10,
                                          "binaries": [{"binary": "a", "status": "ok"},
                                                       {"binary": "b", "status": "stopped at the end of the budget"}]})
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        self.assertIn("- `b`: stopped at the end of the budget", self.report())

    def test_formats_of_the_other_parts(self):
        # fuzz/campaign.sh --json, scripts/collect_tsan.py, fuzz/scorecard/scorecard.py shapes.
        self.write("fuzz_campaign.json", {"budget_s": 60, "jobs": 2, "zoo": "", "interleaving": True, "targets": {
            "kref_fuzzer": {"seconds": 15, "execs": 300000, "exec_per_s": 20000, "crashes": 0,
                            "corpus_files": 12, "crash_files": []}}})
        self.write("tsan.json", {"duration_ms": 2000, "runs": [
            {"build": "plain", "harness": "kref_stress", "args": "--scenario pair", "operations": 10,
             "violations": 0, "ops_per_s": 5000, "exit_code": 0, "tsan_report": False},
            {"build": "tsan", "harness": "kref_stress", "args": "--scenario pair", "error": "not built: x"}]})
        self.write("detection.json", {"schema": "lastref-detection/1", "detectors": {"pct": {"seeds": 3}},
                                      "variants": [{"name": "bug1", "item": 1, "results": {
                                          "pct": {"status": "found", "found_seeds": 2, "seeds": 3,
                                                  "median_executions": 5, "median_seconds": 0.001},
                                          "tsan": {"status": "n/a"}}}],
                                      "correct": [{"detector": "pct", "reports": 0}]})
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        text = self.report()
        self.assertIn("| kref_fuzzer | 15 | 300000 | 20000 | 0 | 12 | [] |", text)
        self.assertIn("not built: x", text)
        self.assertIn("**1 of 2 records report a problem:**", text)
        self.assertIn("| 1. bug1 | ~ 2/3: 5 ex, 1 ms | n/a |", text)
        self.assertIn("**correct**", text)
        for png in ("fuzz_campaign_json.png", "tsan_json.png", "detection_matrix.png"):
            self.assertTrue(os.path.exists(os.path.join(self.dir, "plots", png)), png)

    def test_group_without_limit_says_so(self):
        self.write("bench/a.json", {"benchmarks": [gb_entry("g/lastref:p", 1.0, 1.0)]})
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        self.assertIn("No physical limit in this group", self.report())

    def test_scorecards_render_generically(self):
        self.write("detection.json", {"results": [
            {"variant": "zoo/bug", "detector": "model", "found": True, "median_execs": 10},
            {"variant": "correct/x", "detector": "model", "found": False}]})
        self.write("fuzz_campaign.json", {"targets": {"t1": {"execs": 5, "exec_per_sec": 2.5, "crashes": 0}}})
        self.write("tsan.json", [{"harness": "h", "ops_per_sec": 100.0, "violations": 0}])
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        text = self.report()
        self.assertIn("✔ found (10 execs)", text)
        self.assertIn("✔ silent (correct variant)", text)
        self.assertIn("| t1 | 5 | 2.5 | 0 |", text)
        self.assertIn("| h | 100 | 0 |", text)


if __name__ == "__main__":
    unittest.main()
