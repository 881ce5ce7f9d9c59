#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of results/compare.py on the hand-made result folders in
fixtures/ (five repetitions a side unless the folder says otherwise): a
significant regression fails, noise and improvements pass, a lost detection
and a new false positive fail, too few repetitions claim nothing, and bad
input exits 2 without writing anything."""

import glob
import json
import os
import shutil
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
        self.assertIn("grp/x/lastref:fast: cpu_time ratio to limit:floor +30.0%", out)
        self.assertIn("absolute +30.0%", out)
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
        # No limit in its group: gated on the absolute change, and it says so.
        self.assertIn("lat/y/lastref:release/manual_time: p50_us absolute (no same-run limit or reference) +300.0%",
                      out)

    def test_limit_regression_is_context_unless_gate_all(self):
        # The physical limit got 50 % slower: the machine changed, not lastref;
        # lastref's ratio to it improved. (limit_regressed has no detection.json.)
        rc, out, err = run("base", "limit_regressed", "--allow-missing")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("REGRESSION (limit: context, not gating)", out)
        rc, out, err = run("base", "limit_regressed", "--gate-all", "--allow-missing")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("grp/x/limit:floor: cpu_time absolute +50.0%", out)

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



def scaled_copy(src, dst, factor, only_lastref):
    """Copies fixture folder src to dst with every time (or only those of
    lastref's rows) multiplied by factor, and a run.json of another machine."""
    shutil.copytree(os.path.join(FIX, src), dst)
    for path in glob.glob(os.path.join(dst, "bench", "*.json")):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for e in doc.get("benchmarks", []):
            if only_lastref and "/lastref:" not in e["name"]:
                continue
            for k in ("real_time", "cpu_time", "p50_us", "p90_us", "p99_us"):
                if k in e:
                    e[k] *= factor
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
    with open(os.path.join(dst, "run.json"), "w", encoding="utf-8") as f:
        json.dump({"schema": "lastref-run/1", "host": "other-vm", "cpu_model": "Slower CPU", "kernel": "6.1.0"}, f)


class MachineChangeTest(unittest.TestCase):
    """Runs from different machines: gated on the ratio to the same run's limit."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def cmp(self, new, *extra):
        p = subprocess.run([sys.executable, COMPARE, os.path.join(FIX, "base"), new, "--threshold", "5", *extra],
                           capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def test_slower_machine_is_no_regression(self):
        new = os.path.join(self.tmp.name, "slower")
        scaled_copy("base", new, 1.1, only_lastref=False)
        rc, out, err = self.cmp(new)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("RESULT: no significant regression", out)
        # The absolute change is shown as context, and the machines are named.
        self.assertIn("+10.0%", out)
        self.assertIn("Machines: DIFFERENT (host", out)
        self.assertIn("other-vm", out)
        self.assertIn("machines differ, no same-run reference: context, not gating", out)
        # Gating on absolute times would have failed: the test can fail.
        rc, out, err = self.cmp(new, "--gate", "absolute")
        self.assertEqual(rc, 1, out + err)

    def test_only_lastref_slower_is_flagged(self):
        new = os.path.join(self.tmp.name, "lastref_slower")
        scaled_copy("base", new, 1.1, only_lastref=True)
        rc, out, err = self.cmp(new)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("grp/x/lastref:fast: cpu_time ratio to limit:floor +10.0%", out)


def release_run(folder, probe, lastref_us, probe_us):
    """A results folder with one release cell: lastref's builtin release, the
    wait-yield A/B (a `ref:` row whose name sorts first) and the timer probe
    under the name `probe`; five repetitions each."""
    g = "release_latency/normal_none_k0"
    rows = []
    for ri, us in (("lastref:builtin_release", lastref_us), ("ref:builtin_release_with_wait_yield", 3 * lastref_us),
                   (probe, probe_us)):
        name = f"{g}/{ri}/iterations:1/manual_time"
        for i in range(5):
            v = us * (1 + 0.002 * i)
            rows.append({"name": name, "run_name": name, "run_type": "iteration", "repetitions": 5,
                         "repetition_index": i, "threads": 1, "iterations": 1, "real_time": v, "cpu_time": v,
                         "time_unit": "us", "p50_us": v, "p99_us": 2 * v, "samples": 1000})
    os.makedirs(os.path.join(folder, "bench"))
    with open(os.path.join(folder, "bench", "lastref_bench_release_latency.json"), "w", encoding="utf-8") as f:
        json.dump({"context": {"host_name": "vm"}, "benchmarks": rows}, f)
    return folder


class MadeFoldersTest(unittest.TestCase):
    """Base of the tests that build their result folders in a temporary
    directory and compare two of them at a 5 % threshold."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def cmp(self, old, new):
        p = subprocess.run([sys.executable, COMPARE, old, new, "--threshold", "5"], capture_output=True, text=True,
                           timeout=120)
        return p.returncode, p.stdout, p.stderr


class ReleaseReferenceTest(MadeFoldersTest):
    """The release cells are gated on their ratio to the timer-wakeup
    reference the suite declares (not on the first `ref:` row), and a run
    made before the probe's rename (limit:timer_wakeup_unloader) still
    compares with one made after (ref:timer_wakeup_unloader)."""

    def test_old_name_compares_and_the_reference_is_the_probe(self):
        old = release_run(os.path.join(self.tmp.name, "old"), "limit:timer_wakeup_unloader", 30.0, 15.0)
        same = release_run(os.path.join(self.tmp.name, "same"), "ref:timer_wakeup_unloader", 30.0, 15.0)
        rc, out, err = self.cmp(old, same)
        self.assertEqual(rc, 0, out + err)
        self.assertNotIn("MISSING", out)
        # lastref 20 % slower on the same machine (the probe unchanged): flagged,
        # on its ratio to the probe.
        slower = release_run(os.path.join(self.tmp.name, "slower"), "ref:timer_wakeup_unloader", 36.0, 15.0)
        rc, out, err = self.cmp(old, slower)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("ratio to ref:timer_wakeup_unloader +20.0%", out)
        self.assertNotIn("ratio to ref:builtin_release_with_wait_yield", out)


def model_run(folder, bug_us, ref_us):
    """A results folder with one model_speed/reference_bug_execution row and
    its suite-declared reference (ref:kref_completion_execution, itself model
    code: bench/model.suite.toml gates the group on absolute change)."""
    g = "model_speed/reference_bug_execution"
    rows = []
    for ri, us in (("lastref:builtin_release", bug_us), ("ref:kref_completion_execution", ref_us)):
        name = f"{g}/{ri}"
        for i in range(5):
            v = us * (1 + 0.002 * i)
            rows.append({"name": name, "run_name": name, "run_type": "iteration", "repetitions": 5,
                         "repetition_index": i, "threads": 1, "iterations": 1000, "real_time": v,
                         "cpu_time": v, "time_unit": "us"})
    os.makedirs(os.path.join(folder, "bench"))
    with open(os.path.join(folder, "bench", "lastref_bench_model.json"), "w", encoding="utf-8") as f:
        json.dump({"context": {"host_name": "vm"}, "benchmarks": rows}, f)
    return folder


class OwnCodeReferenceTest(MadeFoldersTest):
    """A group whose suite declares gate = "absolute" (its reference row is
    lastref's own code) gates on the rows' own change: a reference that got
    faster is not read as the row's slow-down, a row that got slower is."""

    def test_faster_reference_is_no_regression(self):
        old = model_run(os.path.join(self.tmp.name, "old"), 10.0, 5.0)
        ref_faster = model_run(os.path.join(self.tmp.name, "ref_faster"), 10.0, 3.5)
        rc, out, err = self.cmp(old, ref_faster)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("the suite's reference is lastref's own code", out)
        slower = model_run(os.path.join(self.tmp.name, "slower"), 12.0, 5.0)
        rc, out, err = self.cmp(old, slower)
        self.assertEqual(rc, 1, out + err)


def byo_run(folder, factor_mine, factor_limit):
    """The base fixture plus the user's fixture JSON (fixtures/byo_user) as
    `./lastref run --include-bench` leaves it (byo_bench/), with the user's
    own rows and their limit scaled."""
    shutil.copytree(os.path.join(FIX, "base"), folder)
    os.makedirs(os.path.join(folder, "byo_bench"))
    with open(os.path.join(FIX, "byo_user", "my_kref_bench.json"), encoding="utf-8") as f:
        doc = json.load(f)
    for e in doc["benchmarks"]:
        k = factor_limit if "/limit:" in e["name"] else 1.0 if "/baseline:" in e["name"] else factor_mine
        e["real_time"] *= k
        e["cpu_time"] *= k
    with open(os.path.join(folder, "byo_bench", "my_kref_bench.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return folder


class IncludeBenchTest(unittest.TestCase):
    """A user's rows (role byo) gate regressions as lastref's do: on the
    ratio to their own limit when their group has one, else absolute."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.json = os.path.join(self.tmp.name, "cmp.json")

    def tearDown(self):
        self.tmp.cleanup()

    def cmp(self, old, new):
        p = subprocess.run([sys.executable, COMPARE, old, new, "--threshold", "5", "--json", self.json],
                           capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def test_byo_regression_is_flagged_and_noise_is_not(self):
        old = byo_run(os.path.join(self.tmp.name, "old"), 1.0, 1.0)
        rc, out, err = self.cmp(old, byo_run(os.path.join(self.tmp.name, "same"), 1.0, 1.0))
        self.assertEqual(rc, 0, out + err)
        with open(self.json, encoding="utf-8") as f:
            rows = json.load(f)["benchmarks"]
        mine = next(r for r in rows if r["benchmark"] == "byo/my_kref/uncontended/byo:my_kref_get_put" and r["gating"])
        self.assertEqual(mine["role"], "byo")
        self.assertEqual(mine["basis"], "ratio to limit:relaxed_fetch_add_sub")
        # The user's kref 30 % slower, their limit unchanged: a regression.
        rc, out, err = self.cmp(old, byo_run(os.path.join(self.tmp.name, "slower"), 1.3, 1.0))
        self.assertEqual(rc, 1, out + err)
        self.assertIn("byo/my_kref/uncontended/byo:my_kref_get_put: cpu_time ratio to limit:relaxed_fetch_add_sub "
                      "+30.0%", out)
        self.assertIn("byo/BM_MyCompletionWait: cpu_time absolute (no same-run limit or reference) +30.0%", out)
        # Everything of theirs 30 % slower with their limit: the machine, not a regression of
        # the row that has a limit.
        rc, out, err = self.cmp(old, byo_run(os.path.join(self.tmp.name, "machine"), 1.3, 1.3))
        self.assertNotIn("byo:my_kref_get_put: cpu_time ratio", out)


class MissingAndBadInputTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def cmp(self, old, new, *extra):
        p = subprocess.run([sys.executable, COMPARE, old, new, *extra], capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def test_benchmark_missing_in_new_fails_unless_allowed(self):
        new = os.path.join(self.tmp.name, "cut")
        shutil.copytree(os.path.join(FIX, "base"), new)
        path = os.path.join(new, "bench", "lastref_bench_fixture.json")
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        doc["benchmarks"] = [e for e in doc["benchmarks"] if not e["name"].startswith("lat/")]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        rc, out, err = self.cmp(os.path.join(FIX, "base"), new)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("lat/y/lastref:release/manual_time: MISSING in NEW", out)
        rc, out, err = self.cmp(os.path.join(FIX, "base"), new, "--allow-missing")
        self.assertEqual(rc, 0, out + err)

    def test_benchmark_file_and_zoo_variant_missing_in_new_fail(self):
        new = os.path.join(self.tmp.name, "crashed")
        shutil.copytree(os.path.join(FIX, "base"), new)
        os.rename(os.path.join(new, "bench", "lastref_bench_fixture.json"), os.path.join(new, "bench", "other.json"))
        det = os.path.join(new, "detection.json")
        with open(det, encoding="utf-8") as f:
            doc = json.load(f)
        doc["variants"] = doc["variants"][1:]
        with open(det, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        rc, out, err = self.cmp(os.path.join(FIX, "base"), new)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("benchmark file lastref_bench_fixture.json: in OLD, MISSING in NEW", out)
        self.assertRegex(out, r"x (pct|random): MISSING in NEW")
        rc, out, err = self.cmp(os.path.join(FIX, "base"), new, "--allow-missing")
        self.assertEqual(rc, 0, out + err)

    def test_wrong_typed_json_is_exit_2_naming_the_file(self):
        for mangle in (lambda d: d.__setitem__("correct", 5),
                       lambda d: d["variants"][0].__setitem__("results", {"pct": {"runs": 3, "found_seeds": "x"}}),
                       lambda d: d.__setitem__("variants", {"a": 1})):
            new = os.path.join(self.tmp.name, "typed")
            shutil.rmtree(new, ignore_errors=True)
            shutil.copytree(os.path.join(FIX, "base"), new)
            det = os.path.join(new, "detection.json")
            with open(det, encoding="utf-8") as f:
                doc = json.load(f)
            mangle(doc)
            with open(det, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            rc, out, err = self.cmp(os.path.join(FIX, "base"), new)
            self.assertEqual(rc, 2, out + err)
            self.assertIn("detection.json", err)
            self.assertNotIn("Traceback", err)
        new = os.path.join(self.tmp.name, "typed_bench")
        shutil.copytree(os.path.join(FIX, "base"), new)
        path = os.path.join(new, "bench", "lastref_bench_fixture.json")
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        doc["benchmarks"][0]["time_unit"] = ["ns"]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        rc, out, err = self.cmp(os.path.join(FIX, "base"), new)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("lastref_bench_fixture.json", err)
        self.assertNotIn("Traceback", err)

    def test_unreadable_file_is_exit_2_naming_it(self):
        if os.geteuid() == 0:
            self.skipTest("root reads every file")
        new = os.path.join(self.tmp.name, "unreadable")
        shutil.copytree(os.path.join(FIX, "base"), new)
        os.chmod(os.path.join(new, "detection.json"), 0)
        rc, out, err = self.cmp(os.path.join(FIX, "base"), new)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("detection.json: cannot read", err)

    def test_json_to_a_directory_is_exit_2_and_leaves_no_tmp(self):
        target = os.path.join(self.tmp.name, "out")
        os.mkdir(target)
        rc, out, err = self.cmp(os.path.join(FIX, "base"), os.path.join(FIX, "base"), "--json", target)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("is a directory", err)
        self.assertEqual(sorted(os.listdir(self.tmp.name)), ["out"])
        self.assertEqual(os.listdir(target), [])
        good = os.path.join(self.tmp.name, "cmp.json")
        rc, out, err = self.cmp(os.path.join(FIX, "base"), os.path.join(FIX, "base"), "--json", good)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(sorted(os.listdir(self.tmp.name)), ["cmp.json", "out"])


if __name__ == "__main__":
    unittest.main()
