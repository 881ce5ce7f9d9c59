#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of results/compare.py on the hand-made result folders in
fixtures/ (five repetitions a side unless the folder says otherwise): a
significant regression fails, noise and improvements pass, a lost detection
and a new false positive fail, too few repetitions claim nothing, and bad
input exits 2 without writing anything."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, "..", "compare.py")
FIX = os.path.join(HERE, "fixtures")


def run(old, new, *extra, json_out=None):
    cmd = [sys.executable, COMPARE, os.path.join(FIX, old), os.path.join(FIX, new), *extra]
    if json_out:
        cmd += ["--json", json_out]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class CompareTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.json = os.path.join(self.tmp.name, "cmp.json")

    def tearDown(self):
        self.tmp.cleanup()

    def doc(self):
        with open(self.json, encoding="utf-8") as f:
            return json.load(f)

    def test_same_folder_is_no_change(self):
        rc, out, err = run("base", "base")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("RESULT: no significant regression", out)
        self.assertNotIn("REGRESSION", out)

    def test_significant_regression_exits_1(self):
        rc, out, err = run("base", "regressed", json_out=self.json)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("REGRESSION", out)
        self.assertIn("grp/x/lastref:fast: cpu_time +30.0%", out)
        d = self.doc()
        self.assertEqual(len(d["regressions"]), 1)
        row = next(r for r in d["benchmarks"] if r["benchmark"] == "grp/x/lastref:fast" and r["gating"])
        self.assertLess(row["p"], 0.05)
        self.assertEqual((row["old_n"], row["new_n"]), (5, 5))

    def test_regression_below_the_threshold_passes(self):
        rc, out, err = run("base", "regressed", "--threshold", "50")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("significant, within threshold", out)

    def test_noise_within_threshold_exits_0(self):
        # The folders also differ in /iterations:N (another budget): still matched.
        rc, out, err = run("base", "noise", json_out=self.json)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("no significant change", out)
        self.assertNotIn("only in", out)
        self.assertEqual(self.doc()["regressions"], [])

    def test_improvement_exits_0(self):
        rc, out, err = run("base", "improved")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("improvement", out)
        self.assertNotIn("REGRESSION", out)

    def test_improvement_the_other_way_round_is_a_regression(self):
        rc, out, _ = run("improved", "base")
        self.assertEqual(rc, 1, out)

    def test_latency_counter_regression_exits_1(self):
        rc, out, err = run("base", "latency_regressed")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("lat/y/lastref:release/manual_time: p50_us +300.0%", out)

    def test_limit_regression_is_context_unless_gate_all(self):
        # The physical limit got 50 % slower: the machine changed, not lastref.
        rc, out, err = run("base", "limit_regressed")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("REGRESSION (limit: context, not gating)", out)
        rc, out, err = run("base", "limit_regressed", "--gate-all")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("grp/x/limit:floor: cpu_time +50.0%", out)

    def test_detection_loss_is_reported_and_exits_1(self):
        rc, out, err = run("base", "detection_lost", json_out=self.json)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("LOST: no longer found", out)
        self.assertIn("module_release_immediate x random", out)
        lost = [r for r in self.doc()["detection"] if r.get("regression")]
        self.assertEqual([(r["variant"], r["detector"], r["old"], r["new"]) for r in lost],
                         [("module_release_immediate", "random", "5/5", "0/5")])

    def test_detection_gain_exits_0(self):
        rc, out, err = run("detection_lost", "base")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("gained: now found", out)

    def test_false_positive_on_correct_implementation_exits_1(self):
        rc, out, err = run("base", "false_positive")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("FALSE POSITIVE", out)

    def test_too_few_repetitions_claims_nothing(self):
        # +50 %, but with 3 repetitions a side the smallest possible p is 0.1.
        rc, out, err = run("few_repetitions_base", "few_repetitions")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("not enough repetitions", out)
        self.assertNotIn("REGRESSION", out)

    def test_malformed_input_exits_2_and_writes_nothing(self):
        for old, new in (("base", "malformed"), ("malformed", "base")):
            rc, out, err = run(old, new, json_out=self.json)
            self.assertEqual(rc, 2, out + err)
            self.assertEqual(out, "")
            self.assertIn("lastref_bench_fixture.json", err)
            self.assertIn("malformed JSON", err)
            self.assertFalse(os.path.exists(self.json))
            self.assertEqual(os.listdir(self.tmp.name), [])

    def test_wrong_shape_exits_2_naming_the_file(self):
        rc, out, err = run("base", "wrong_shape", json_out=self.json)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("detection.json", err)
        self.assertEqual(out, "")
        self.assertFalse(os.path.exists(self.json))

    def test_missing_folder_and_bad_options_exit_2(self):
        rc, out, err = run("base", "no_such_folder", json_out=self.json)
        self.assertEqual(rc, 2)
        self.assertIn("no_such_folder", err)
        self.assertFalse(os.path.exists(self.json))
        rc, _, err = run("base", "base", "--alpha", "2")
        self.assertEqual(rc, 2, err)

    def test_empty_folder_is_bad_input(self):
        p = subprocess.run([sys.executable, COMPARE, os.path.join(FIX, "base"), self.tmp.name],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("nothing to compare", p.stderr)


if __name__ == "__main__":
    unittest.main()
