#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Tests of the run plan (scripts/plan.py): the main job's stage budgets for
the default and the quick run are the figures the shell scripts computed
before the plan existed, and the bench plan, on stand-in benchmark binaries
named as the suites are, gives each its declared wall factor, the release
suite its capped share and flags, and the model bench its short mode."""

import os
import stat
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import plan  # noqa: E402

# A stand-in benchmark binary: Google Benchmark's --help, ROWS rows of which
# MANUAL are /manual_time; the release suite's flags when named so.
STUB = r"""#!/bin/bash
rows=%d manual=%d
for a in "$@"; do
  case "$a" in
    --help) echo "--benchmark_filter"; %s exit 0;;
    --benchmark_list_tests=true)
      for ((i = 0; i < rows; i++)); do
        if [ $i -lt $manual ]; then echo "g/r$i/manual_time"; else echo "g/r$i"; fi
      done; exit 0;;
  esac
done
exit 1
"""
RELEASE_HELP = 'echo "--lastref_matrix --lastref_cap_ms --lastref_samples_out";'
BINARIES = {  # name: (folder, rows, manual)
    "lastref_bench_refcount": ("suites", 60, 0),
    "lastref_bench_completion_fast": ("suites", 20, 0),
    "lastref_bench_completion_pingpong": ("suites", 8, 8),
    "lastref_bench_completion_wake": ("suites", 15, 15),
    "lastref_bench_completion_broadcast": ("suites", 18, 18),
    "lastref_bench_release_latency": ("suites", 96, 96),
    "lastref_bench_model": ("", 30, 0),
    "lastref_bench_harness_test": ("suites", 0, 0),  # a GoogleTest binary: not a benchmark
}


def make_build(tmp):
    for name, (sub, rows, manual) in BINARIES.items():
        d = os.path.join(tmp, "bench", sub)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, name)
        with open(p, "w") as f:
            if name.endswith("_test"):
                f.write("#!/bin/sh\necho --gtest_filter benchmark_filter\n")
            else:
                f.write(STUB % (rows, manual, RELEASE_HELP if "release" in name else ""))
        os.chmod(p, os.stat(p).st_mode | stat.S_IXUSR)
    return tmp


class StagePlan(unittest.TestCase):
    ALL = ["fuzz", "zoo", "tsan", "bench", "report"]

    def test_default_run(self):
        # 600 s - (15 reserve + 20 TSan tests + 28 TSan runs + 90 scorecard)
        # = 447: a third to the campaign, the rest to the benchmarks.
        p = plan.stage_plan(False, None, None, self.ALL, set())
        self.assertEqual((p["budget"], p["scorecard"], p["tsan_ms"]), (600, "quick", 2000))
        self.assertEqual((p["fuzz_budget"], p["bench_budget"], p["bench_quick"]), (149, 298, 0))
        self.assertEqual(p["estimate"]["bench"], 357)
        self.assertEqual(p["limit"]["fuzz"], 449)
        self.assertEqual(p["limit"]["zoo"], 570)
        self.assertEqual(p["limit"]["tsan:throughput"], 340)
        self.assertEqual(p["order"], ["build:bench", "build:fuzz", "build:tsan", "fuzz", "zoo", "tsan:ctest",
                                      "tsan:throughput", "bench", "report"])

    def test_quick_run(self):
        p = plan.stage_plan(True, None, None, self.ALL, {"bench", "fuzz", "tsan"})
        self.assertEqual((p["budget"], p["scorecard"], p["tsan_ms"]), (60, "smoke", 300))
        self.assertEqual((p["fuzz_budget"], p["bench_budget"], p["bench_quick"]), (8, 30, 1))
        self.assertIn("--variants", p["zoo_args"])
        self.assertEqual(p["estimate"]["build:bench"], 30)

    def test_builds_follow_what_each_stage_needs(self):
        self.assertEqual(plan.stage_plan(True, None, None, ["tsan", "report"], set())["builds"], ["bench", "tsan"])
        self.assertEqual(plan.stage_plan(True, None, None, ["fuzz"], set())["builds"], ["fuzz"])
        self.assertEqual(plan.stage_plan(True, None, None, ["report"], set())["builds"], [])
        p = plan.stage_plan(True, None, None, self.ALL, set())
        self.assertEqual(p["needs"]["zoo"], ["bench", "fuzz", "tsan"])
        self.assertEqual(p["needs"]["tsan:throughput"], ["bench", "tsan"])

    def test_bench_alone_gets_the_rest(self):
        p = plan.stage_plan(False, 200, None, ["bench", "report"], set())
        self.assertEqual((p["bench_budget"], p["bench_quick"]), (185, 0))
        self.assertEqual(p["order"], ["build:bench", "bench", "report"])

    def test_full_scorecard_is_outside_the_budget(self):
        a = plan.stage_plan(False, 600, "full", self.ALL, set())
        b = plan.stage_plan(False, 600, "skip", self.ALL, set())
        self.assertEqual(a["fuzz_budget"], b["fuzz_budget"])
        self.assertNotIn("zoo", b["order"])

    def test_bench_budget_override(self):
        p = plan.stage_plan(True, None, None, self.ALL, set(), bench_budget_env=5)
        self.assertEqual((p["bench_budget"], p["bench_quick"]), (10, 0))

    def test_shell_output_and_bad_input(self):
        r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "plan.py"), "run", "--quick", "1",
                            "--stages", "bench,report"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("bench_budget=30\n", r.stdout)
        self.assertIn("limit[bench]=360\n", r.stdout)
        r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "plan.py"), "run", "--stages", "fuz"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--stages", r.stderr)


class BenchPlan(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.build = make_build(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def by_name(self, p):
        return {b["name"]: b for b in p["binaries"]}

    def test_default_budget(self):
        p = plan.bench_plan(self.build, "/out")
        names = [b["name"] for b in p["binaries"]]
        self.assertNotIn("lastref_bench_harness_test", names)
        self.assertEqual(names[0], "lastref_bench_release_latency")  # declared first
        # 600 s * 0.35 over 96 rows at 5/6 of the cap: 2625 ms, above the
        # default matrix's 1200 ms.
        self.assertEqual((p["matrix"], p["cap_ms"], p["capped_s"]), ("default", 1200, 101))
        self.assertEqual(p["min_time_text"], "0.110")
        b = self.by_name(p)
        self.assertEqual(b["lastref_bench_completion_wake"]["wall_factor"], 40)
        self.assertEqual(b["lastref_bench_refcount"]["wall_factor"], 3)
        step = plan.bench_step(p, 0, 600)
        self.assertEqual(step["share"], 101 + 50 + 5)
        self.assertIn("--lastref_cap_ms=1200", step["args"])
        self.assertIn("--lastref_samples_out=/out/.release_latency_samples.json.part", step["args"])
        self.assertEqual(step["side_file"], "release_latency_samples.json")
        # The model bench's long mode: searches capped at 5 s, no filter.
        i = names.index("lastref_bench_model")
        step = plan.bench_step(p, i, 300)
        self.assertEqual(step["env"], ["LASTREF_MODEL_BENCH_CAP_SECONDS=5"])
        self.assertFalse(any(a.startswith("--benchmark_filter") for a in step["args"]))

    def test_shares_follow_the_weights(self):
        p = plan.bench_plan(self.build, "/out")
        names = [b["name"] for b in p["binaries"]]
        # Cheapest first; the wake suites (40x wall factor) take the most.
        self.assertEqual(names[-2:], ["lastref_bench_completion_wake", "lastref_bench_completion_broadcast"])
        shares = [plan.bench_step(p, i, 400)["share"] for i in range(1, len(names))]
        self.assertEqual(shares[-1], 400)  # the last binary may use all that is left
        self.assertLess(shares[0], shares[-2])
        self.assertEqual(plan.bench_step(p, 1, 3)["skip"], 1)

    def test_quick(self):
        p = plan.bench_plan(self.build, "/out", quick=True)
        self.assertEqual((p["budget"], p["repetitions"], p["min_time_text"]), (30, 1, "0.005"))
        self.assertEqual((p["matrix"], p["cap_ms"]), ("quick", 131))
        i = [b["name"] for b in p["binaries"]].index("lastref_bench_model")
        step = plan.bench_step(p, i, 20)
        self.assertEqual(step["env"], ["LASTREF_MODEL_BENCH_CAP_SECONDS=1"])
        self.assertIn("--benchmark_filter=-(flat_over_1e6|dfs_full|kref_n_[345])", step["args"])
        self.assertEqual(step["min_time"], "0.005")  # given: used as it is

    def test_filter_given_by_hand_wins(self):
        p = plan.bench_plan(self.build, "/out", budget=60, flt="r1")
        i = [b["name"] for b in p["binaries"]].index("lastref_bench_model")
        self.assertFalse(any(a.startswith("--benchmark_filter") for a in plan.bench_step(p, i, 20)["args"]))

    def test_no_binaries(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "bench"))
            with self.assertRaises(plan.UsageError):
                plan.bench_plan(d, "/out")


if __name__ == "__main__":
    unittest.main()
