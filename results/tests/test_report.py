#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of results/report.py: missing inputs, malformed inputs, ratio
arithmetic and plots, on small fixtures written to a temporary directory."""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report.py")

# Every benchmark group the suites write today (bench/suites/README.md), with
# examples of the parameterised ones. Each must get a note in the report.
KNOWN_GROUPS = (
    "refcount_pair/uncontended", "refcount_pair/shared_object", "refcount_pair/per_thread_padded",
    "refcount_pair/per_thread_packed", "get_unless_zero/uncontended", "get_unless_zero/shared_object",
    "completion_fast/wait_on_done", "completion_fast/complete_then_consume",
    "completion_pingpong/cross_cpu", "completion_pingpong/same_cpu",
    "completion_wake/cross_cpu", "completion_wake/cross_cpu_spinning", "completion_wake/same_cpu",
    "completion_broadcast/waiters_2", "completion_broadcast/waiters_4", "completion_broadcast/waiters_16",
    "model_speed/1000_steps", "model_speed/kref_completion_execution", "model_speed/reference_bug_execution",
    "model_search/find_reference_bug", "model_search/prove_clean",
    "release_latency/normal_none_k0", "release_latency/normal_normal_k2", "release_latency/nice19_normal_k4",
    "release_latency/sched_idle_fifo_k2_pinned", "release_latency/sched_idle_none_k0",
)
# Names of the suites before the rework: no note may stay keyed to them.
OLD_GROUPS = ("refcount_pair/contended_2threads", "completion_pingpong/round_trip_2cpus",
              "completion_wake/latency_2cpus", "release_latency/uncontended", "release_latency/starved_releaser")


def report_module():
    spec = importlib.util.spec_from_file_location("lastref_report", REPORT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def gb_entry(name, real, cpu, agg="median", unit="ns", **counters):
    e = {"name": f"{name}_{agg}", "run_name": name, "run_type": "aggregate", "repetitions": 3,
         "threads": 1, "aggregate_name": agg, "aggregate_unit": "time", "iterations": 3,
         "real_time": real, "cpu_time": cpu, "time_unit": unit}
    e.update(counters)
    return e


def run(results, *extra):
    p = subprocess.run([sys.executable, REPORT, "--results", results, *extra], capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def samples_file():
    cells = []
    for hogs, k in (("none", 0), ("fifo", 2)):
        for strategy, base in (("builtin", 20000), ("drain_residency", 2000000 if k else 18000),
                               ("unsafe_immediate", 15000)):
            cells.append({"benchmark": f"release_latency/{hogs}/{strategy}", "strategy": strategy,
                          "releaser": "normal", "hogs": hogs, "k": k, "pinned": True, "metric": "put_to_teardown",
                          "count": 10, "exposed": 3 if strategy == "unsafe_immediate" else 0,
                          "p50_ns": base, "p90_ns": base * 2, "p99_ns": base * 3, "p999_ns": base * 3,
                          "max_ns": base * 3, "buckets": [[base // 2, 2], [base, 4], [base * 2, 3], [base * 3, 1]]})
    return {"schema": "lastref-release-samples/1", "context": {"contention_mode": "sched_fifo_hog"}, "cells": cells}


RUN_JSON = {"schema": "lastref-run/1", "started": "2026-11-21T10:00:00Z", "finished": "2026-11-21T10:01:00Z",
            "command": "./lastref run --quick", "budget_s": 60, "quick": True, "interrupted": True, "host": "vm",
            "kernel": "6.1.0-test", "cpus": 2, "git_commit": "0123abc", "compilers": {"g++": "g++ (Debian 12.2.0) 12.2.0"},
            "packages": {"libbenchmark-dev": "1.7.1-1"},
            "stages": [{"name": "build:bench", "status": "ok", "seconds": 30, "reason": ""},
                       {"name": "zoo", "status": "skipped", "seconds": 0,
                        "reason": "missing Debian packages: clang-14"},
                       {"name": "bench", "status": "interrupted", "seconds": 3, "reason": "stopped by a signal"}]}


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
        for section in ("## Benchmarks", "## Release latency distributions", "## Detection scorecard",
                        "## Fuzz campaign", "## TSan jobs", "## Run:"):
            self.assertIn(section, text)
        self.assertEqual(text.count("_Not run"), 5)
        self.assertIn("No `run.json`", text)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "REPORT.html")))

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
        self.assertTrue(os.path.exists(os.path.join(self.dir, "plots", "detection_matrix.png")))
        # Plots that would only repeat the table beside them are not drawn.
        made = sorted(os.listdir(os.path.join(self.dir, "plots")))
        self.assertFalse([p for p in made if p.startswith(("fuzz", "tsan_jobs", "tsan_json"))], made)

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

    def test_out_file_html_and_plots_beside_it(self):
        out = os.path.join(self.dir, "sub", "report.md")
        os.makedirs(os.path.dirname(out))
        self.write("bench/a.json", {"benchmarks": [gb_entry("g/lastref:p", 1.0, 1.0), gb_entry("g/limit:q", 1.0, 1.0)]})
        rc, _, err = run(self.dir, "--out", out)
        self.assertEqual(rc, 0, err)
        self.assertTrue(os.path.exists(out))
        with open(os.path.join(self.dir, "sub", "report.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertIn("<table>", page)
        self.assertIn('<img alt="g" src="plots/bench_g.png">', page)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "sub", "plots", "bench_g.png")))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "REPORT.md")))

    def test_run_record_commands_versions_and_stage_outcomes(self):
        self.write("run.json", RUN_JSON)
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        text = self.report()
        self.assertIn("./lastref run --quick", text)
        self.assertIn("| kernel | 6.1.0-test |", text)
        self.assertIn("| libbenchmark-dev (Debian package) | 1.7.1-1 |", text)
        self.assertEqual(text.count("2026-11-21T10:01:00Z"), 1)
        self.assertIn("| `zoo` | **skipped** | 0 | missing Debian packages: clang-14 |", text)
        self.assertIn("This run was interrupted", text)
        # The sections behind the stages say why they are empty.
        det = text[text.index("## Detection scorecard"):]
        self.assertIn("> **Stage `zoo` skipped**: missing Debian packages: clang-14", det[:400])
        bench = text[text.index("## Benchmarks"):]
        self.assertIn("> **Stage `bench` interrupted**: stopped by a signal", bench[:400])
        fuzz = text[text.index("## Fuzz campaign"):]
        self.assertIn("Not part of this run", fuzz[:400])

    def test_malformed_run_record_names_the_file(self):
        self.write("run.json", {"stages": [{"name": "bench", "status": "maybe"}]})
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("run.json", err)
        self.assertIn("maybe", err)

    def test_release_samples_table_and_cdf(self):
        self.write("bench/release_latency_samples.json", samples_file())
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        text = self.report()
        # 10 samples support no percentile.
        self.assertIn("| unsafe_immediate | releaser normal, 2 fifo hog(s), pinned | 10 | n too small | n too small "
                      "| n too small | n too small | 45 µs | **3** |", text)
        self.assertIn("**3**", text)
        self.assertIn("![Last put → object torn down: CDF](plots/release_latency_cdf_last_put_object_torn_down.png)",
                      text)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "plots",
                                                    "release_latency_cdf_last_put_object_torn_down.png")))
        # The samples file is not mistaken for Google Benchmark output.
        self.assertNotIn("release_latency_samples.json: not Google Benchmark", err)

    def test_malformed_samples_name_the_file(self):
        bad = samples_file()
        bad["cells"][0]["buckets"] = [[1, 2, 3]]
        self.write("bench/release_latency_samples.json", bad)
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("release_latency_samples.json", err)
        self.assertIn("buckets", err)

    def test_thread_sweep_ratios_per_thread_count_and_plot(self):
        rows = []
        for t in (1, 2, 4):
            rows += [gb_entry(f"sw/g/lastref:k/real_time/threads:{t}", 10.0 * t, 1.0, items_per_second=1e8 / t),
                     gb_entry(f"sw/g/baseline:b/real_time/threads:{t}", 20.0 * t, 1.0, items_per_second=5e7 / t),
                     gb_entry(f"sw/g/limit:l/real_time/threads:{t}", 5.0 * t, 1.0, items_per_second=2e8 / t)]
        self.write("bench/a.json", {"benchmarks": rows})
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        text = self.report()
        # Each thread count against the limit and baseline at the same count.
        for t in (1, 2, 4):
            self.assertIn(f"| k (threads:{t}) | lastref | {10 * t} ns | 2.00× |", text)
            self.assertIn(f"| k (threads:{t}) | 0.50× |", text)
        self.assertIn("plots/threads_sw_g.png", text)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "plots", "threads_sw_g.png")))

    def test_time_to_detection_plot(self):
        self.write("detection.json", {"schema": "lastref-detection/1", "variants": [
            {"name": "bug1", "results": {"pct": {"status": "found", "found_seeds": 3, "seeds": 3,
                                                 "median_executions": 5, "median_seconds": 0.001},
                                         "dfs": {"status": "not_found", "found_seeds": 0, "seeds": 1}}}]})
        rc, _, err = run(self.dir)
        self.assertEqual(rc, 0, err)
        self.assertIn("plots/time_to_detection.png", self.report())
        self.assertTrue(os.path.exists(os.path.join(self.dir, "plots", "time_to_detection.png")))

    # ------------------------------------------------------------------ group notes, headline, release overview

    def test_every_known_group_has_a_note_and_no_note_is_stale(self):
        mod = report_module()
        for g in KNOWN_GROUPS:
            self.assertTrue(mod.group_note(g), f"no note for {g}")
        for key in mod.GROUP_NOTES:
            self.assertIn(key, KNOWN_GROUPS, f"note keyed to {key}, not a known group (renamed? add it above)")
        for g in OLD_GROUPS:
            self.assertIsNone(mod.group_note(g), f"a note still answers to the old group {g}")
        # Cell notes follow the cell: starved, own-class hogs (the wait-yield A/B), fifo, none.
        self.assertIn("Starved cell", mod.group_note("release_latency/nice19_normal_k4"))
        self.assertIn("builtin_release_with_wait_yield", mod.group_note("release_latency/normal_normal_k2"))
        self.assertIn("pinned", mod.group_note("release_latency/sched_idle_fifo_k2_pinned"))
        self.assertIn("No hogs", mod.group_note("release_latency/normal_none_k0"))

    def test_every_known_group_section_shows_its_note(self):
        mod = report_module()
        rows = []
        for g in KNOWN_GROUPS:
            rows += [gb_entry(f"{g}/lastref:x", 2.0, 2.0), gb_entry(f"{g}/limit:y", 1.0, 1.0)]
        self.write("bench/a.json", {"benchmarks": rows})
        rc, _, err = run(self.dir, "--no-html")
        self.assertEqual(rc, 0, err)
        text = self.report()
        for g in KNOWN_GROUPS:
            start = text.index(f"### `{g}`")
            end = text.find("\n### ", start + 1)
            self.assertIn(mod.group_note(g), text[start:end if end > 0 else len(text)], g)

    def headline_fixture(self):
        u, s = "refcount_pair/uncontended", "refcount_pair/shared_object"
        pp, wk = "completion_pingpong/cross_cpu", "completion_wake/cross_cpu"
        rows = [gb_entry(f"{u}/lastref:kref", 99.0, 20.0), gb_entry(f"{u}/lastref:refcount", 99.0, 5.0),
                gb_entry(f"{u}/baseline:shared_ptr_copy", 99.0, 30.0),
                gb_entry(f"{u}/baseline:boost_intrusive_ptr", 99.0, 25.0),
                gb_entry(f"{u}/ref:lock_add_x2_asm", 99.0, 1.0),
                gb_entry(f"{u}/limit:atomic_fetch_add_sub_relaxed", 99.0, 10.0)]
        for t, kref, lim, base in ((1, 5.0, 4.0, 6.0), (2, 40.0, 20.0, 50.0), (4, 3.0, 0.5, 1.0)):
            rows += [gb_entry(f"{s}/lastref:kref/real_time/threads:{t}", kref, 1.0),
                     gb_entry(f"{s}/limit:atomic_fetch_add_sub_relaxed/real_time/threads:{t}", lim, 1.0),
                     gb_entry(f"{s}/baseline:shared_ptr_copy/real_time/threads:{t}", base, 1.0)]
        rows += [gb_entry(f"{s}/baseline:atomic_seq_cst/real_time/threads:4", 0.1, 1.0)]
        for name, p50, extra in ((f"{pp}/lastref:completion", 0.2, {"x_paired_limit": 1.5}),
                                 (f"{pp}/limit:spin_cacheline_pingpong", 0.1, {}),
                                 (f"{pp}/baseline:binary_semaphore", 0.4, {}),
                                 (f"{pp}/baseline:mutex_condvar", 0.8, {}),
                                 (f"{pp}/ref:raw_futex_one_word", 0.05, {}),
                                 (f"{pp}/ref:completion_no_spin", 0.06, {}),
                                 (f"{wk}/lastref:completion", 20.0, {"x_paired_limit": 1.1}),
                                 (f"{wk}/limit:raw_futex_one_word", 10.0, {}),
                                 (f"{wk}/baseline:atomic_wait_notify", 25.0, {})):
            rows.append(gb_entry(f"{name}/manual_time", p50, 1.0, unit="us", p50_us=p50, p99_us=p50 * 2, **extra))
        self.write("bench/a.json", {"benchmarks": rows})
        cells = []

        def add(cell, benchmark, strategy, metric, p50, p99, count, exposed, probe_at=None):
            releaser, hogs, k = cell.split("_k")[0].rsplit("_", 1)[0], cell.split("_k")[0].rsplit("_", 1)[1], 0
            c = {"benchmark": f"release_latency/{cell}/{benchmark}/iterations:1/manual_time", "strategy": strategy,
                 "releaser": releaser, "hogs": hogs, "k": k, "pinned": cell.endswith("_pinned"), "metric": metric,
                 "count": count, "exposed": exposed, "p50_ns": p50, "p90_ns": p99, "p99_ns": p99, "p999_ns": p99,
                 "max_ns": p99, "buckets": [[p50, count // 2], [p99, count - count // 2]]}
            if probe_at:
                c["probe_at"] = probe_at
            cells.append(c)

        c = "sched_idle_normal_k2"  # the most starved unpinned cell: the headline's
        add(c, "lastref:builtin_release", "builtin", "put_to_teardown", 20000, 400000, 1000, 0)
        add(c, "lastref:builtin_release", "builtin", "unload_to_gone", 1, 2, 100, 0)  # other metric: ignored
        add(c, "lastref:drain_residency", "drain_residency", "put_to_teardown", 30000, 3000000, 100, 0)
        add(c, "baseline:UNSAFE_immediate_unload", "unsafe_immediate", "put_to_teardown", 10000, 20000, 50, 40)
        add(c, "ref:timer_wakeup_unloader", "probe", "timer_wakeup", 10000, 100000, 1000, None, "unloader")
        add(c, "ref:timer_wakeup_releaser", "probe", "timer_wakeup", 2000000, 5000000, 1000, None, "releaser")
        for c, unsafe_n, unsafe_x in (("nice19_normal_k4", 100, 1), ("sched_idle_normal_k4_pinned", 10, 9),
                                      ("normal_normal_k4", 40, 0)):
            add(c, "lastref:builtin_release", "builtin", "put_to_teardown", 999000, 999000, 100, 0)
            add(c, "baseline:UNSAFE_immediate_unload", "unsafe_immediate", "put_to_teardown", 1000, 2000,
                unsafe_n, unsafe_x)
            add(c, "ref:timer_wakeup_unloader", "probe", "timer_wakeup", 1, 1, 100, None, "unloader")
        self.write("bench/release_latency_samples.json",
                   {"schema": "lastref-release-samples/1", "context": {}, "cells": cells})

        def det(found, seeds, sec):
            return {"status": "found" if found else "not_found", "found_seeds": found, "seeds": seeds,
                    "median_executions": 10, "median_seconds": sec}
        self.write("detection.json", {
            "schema": "lastref-detection/1", "verdict": {"schedule_fuzzer_detector": "libfuzzer"},
            "variants": [{"name": "v1", "results": {"libfuzzer": det(10, 10, 0.5), "pct": det(10, 10, 100.0)}},
                         {"name": "v2", "results": {"libfuzzer": det(3, 10, 2.0), "pct": det(10, 10, 100.0)}},
                         {"name": "v3", "results": {"libfuzzer": det(0, 10, None), "pct": det(10, 10, 100.0)}}],
            "correct": [{"detector": "libfuzzer", "executions": 1000, "reports": 0},
                        {"detector": "pct", "executions": 2000000, "reports": 0}]})
        self.write("fuzz_campaign.json", {"budget_s": 60, "targets": {
            "t1": {"seconds": 30, "execs": 1000000, "exec_per_s": 33333, "crashes": 0},
            "t2": {"seconds": 30, "execs": 500000, "exec_per_s": 16666, "crashes": 3}}})

    def test_headline_picks_the_right_rows(self):
        self.headline_fixture()
        rc, _, err = run(self.dir, "--no-html")
        self.assertEqual(rc, 0, err)
        text = self.report()
        self.assertLess(text.index("## Headline"), text.index("## Run:"))
        head = text[text.index("## Headline"):text.index("## Run:")]
        for row in (
                # kref, not the faster refcount; the fastest *baseline*, not the ref row.
                "| kref get+put, uncontended | 20 ns per pair | limit `atomic_fetch_add_sub_relaxed` 10 ns; "
                "best peer `boost_intrusive_ptr` 25 ns | 2.00× limit; 0.80× best peer |",
                # Threads:2 against threads:2 only.
                "| kref get+put, one shared object, 2 threads | 40 ns per pair | limit "
                "`atomic_fetch_add_sub_relaxed` 20 ns; best peer `shared_ptr_copy` 50 ns | 2.00× limit; "
                "0.80× best peer |",
                "| completion ping-pong, cross-CPU (waiter spinning), p50 | 200 ns per round trip | limit "
                "`spin_cacheline_pingpong` 100 ns; best peer `binary_semaphore` 400 ns | 2.00× limit (paired "
                "1.50×); 0.50× best peer |",
                "| completion one-shot wake of a blocked waiter, cross-CPU, p50 | 20 µs | limit "
                "`raw_futex_one_word` 10 µs; best peer `atomic_wait_notify` 25 µs | 2.00× limit (paired 1.10×); "
                "0.80× best peer |",
                # The most starved cell: unpinned, SCHED_IDLE before nice 19; put_to_teardown only.
                "| release put→teardown p50 / p99, `builtin_release`, starved cell `sched_idle_normal_k2` | "
                "20 µs / 400 µs (n = 1000) | timer probe at the unloader (reference) 10 µs / 100 µs (n = 1000); "
                "at the releaser 2 ms / 5 ms (n = 1000) | 2.00× / 4.00× reference |",
                "| release put→teardown p50 / p99, `drain_residency`, starved cell `sched_idle_normal_k2` | "
                # 100 samples support a p50, not a p99.
                "30 µs / n too small (n = 100) | timer probe at the unloader (reference) 10 µs / 100 µs (n = 1000); "
                "at the releaser 2 ms / 5 ms (n = 1000) | 3.00× / n too small reference |",
                # Exposures summed over every cell; the worst cell by rate.
                "| UNSAFE immediate unload: unloads that returned with the releaser still in the module's text "
                "(4 cells) | 50 of 200 | safe strategies: 0 of 1400; worst cell `sched_idle_normal_k4_pinned` "
                "9/10 | 25% |",
                # The schedule fuzzer's column only, not the other detectors'.
                "| bug zoo: variants found by the schedule fuzzer | 2 / 3 | detector `libfuzzer`; worst median "
                "time to detection 2 s (`v2`); 0 reports on the correct implementations in 2 M executions | 67% |",
                "| fuzz campaign | 1.5 M executions, 3 crashes | 2 targets, 60 s budget | 2 crashes per M "
                "executions |"):
            self.assertIn(row, head)
        self.assertNotIn("not run", head)

    def test_headline_without_inputs_says_not_run(self):
        rc, _, err = run(self.dir, "--no-html")
        self.assertEqual(rc, 0, err)
        text = self.report()
        head = text[text.index("## Headline"):text.index("## Run:")]
        self.assertEqual(head.count("| not run |"), 8)

    def test_release_overview_from_new_rows_with_the_yield_ab(self):
        g = "release_latency/normal_normal_k2"
        rows = []
        for role_impl, p50, p99, extra in (("lastref:builtin_release", 11.0, 17.0, {"exposed": 0, "samples": 1000}),
                                           ("ref:builtin_release_with_wait_yield", 32.0, 7800.0,
                                            {"exposed": 0, "samples": 1000}),
                                           ("lastref:drain_residency", 12.0, 20.0, {"exposed": 0, "samples": 1000}),
                                           ("baseline:UNSAFE_immediate_unload", 3.0, 22.0,
                                            {"exposed": 5, "samples": 1000}),
                                           ("ref:timer_wakeup_unloader", 15.0, 400.0, {"samples": 1000})):
            e = gb_entry(f"{g}/{role_impl}/iterations:1/manual_time", p50, p50, unit="us", p50_us=p50, p99_us=p99,
                         **extra)
            e["repetitions"] = 1
            rows.append(e)
        self.write("bench/lastref_bench_release_latency.json", {"benchmarks": rows})
        self.write("bench/other.json",
                   {"benchmarks": [gb_entry("g/lastref:p", 2.0, 2.0), gb_entry("g/limit:q", 1.0, 1.0)]})
        rc, _, err = run(self.dir, "--no-html")
        self.assertEqual(rc, 0, err)
        text = self.report()
        self.assertIn("### Release latency overview", text)
        self.assertIn("| cell | builtin | builtin + wait yields (A/B) | drain_residency | UNSAFE immediate (exposed) "
                      "| timer probe, unloader (reference) |", text)
        self.assertIn("| `normal_normal_k2` | 11 µs / 17 µs (n = 1000) | 32 µs / 7.8 ms (n = 1000) | 12 µs / 20 µs (n = 1000) "
                      "| 3 µs / 22 µs (n = 1000) (**5**/1000) | 15 µs / 400 µs (n = 1000) |", text)
        self.assertIn("**reference bug exposed in 5 of 1000 unloads**", text)
        self.assertIn("plots/release_latency_overview.png", text)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "plots", "release_latency_overview.png")))
        # The release rows are summarised by the overview, not repeated in the summary table.
        summary = text[text.index("### Summary"):text.index("### Release latency overview")]
        self.assertIn("| g | p |", summary)
        self.assertNotIn("release_latency/", summary)
        # No per-cell bar plot: the overview covers the cells.
        self.assertFalse(os.path.exists(os.path.join(self.dir, "plots", "bench_release_latency_normal_normal_k2.png")))

    def test_release_cells_are_divided_by_a_reference_not_a_limit(self):
        # The timer-wakeup probe is a reference (a futex wake can beat it):
        # the cell's table says so, under its current name and under the
        # name of runs made before the rename (limit:timer_wakeup_unloader).
        for probe in ("ref:timer_wakeup_unloader", "limit:timer_wakeup_unloader"):
            g = "release_latency/normal_none_k0"
            rows = [gb_entry(f"{g}/{ri}/iterations:1/manual_time", p50, p50, unit="us", p50_us=p50, p99_us=p50,
                             samples=1000) for ri, p50 in (("lastref:builtin_release", 30.0), (probe, 15.0))]
            self.write("bench/lastref_bench_release_latency.json", {"benchmarks": rows})
            rc, _, err = run(self.dir, "--no-html")
            self.assertEqual(rc, 0, err)
            text = self.report()
            section = text[text.index(f"### `{g}`"):]
            self.assertIn("| × reference |", section)
            self.assertIn("| 2.00× |", section)
            self.assertIn("| 1 (reference) |", section)
            self.assertNotIn("No physical limit", section)
            self.assertNotIn("× limit", section[:section.index("\n\n", section.index("| implementation"))])

    def test_include_bench_rows_appear_with_role_byo(self):
        # A user's Google Benchmark JSON (tests/fixtures/byo_user): given to
        # the report directly, and as ./lastref run leaves it (byo_bench/).
        user = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "byo_user")
        for how in ("option", "folder"):
            if how == "option":
                rc, _, err = run(self.dir, "--no-html", "--include-bench", user)
            else:
                p = subprocess.run([sys.executable, os.path.join(os.path.dirname(REPORT), "include_bench.py"), user,
                                    "--into", self.dir], capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, p.stderr)
                rc, _, err = run(self.dir, "--no-html")
            self.assertEqual(rc, 0, err)
            text = self.report()
            byo = text[text.index("## Your benchmarks (role byo)"):]
            self.assertIn("### `byo/my_kref/uncontended`", byo)
            # The user's row, their baseline and their limit, with the ratio to it.
            self.assertRegex(byo, r"\| my_kref_get_put \| byo \| 24(\.\d+)? ns \| 2\.0\d×")
            self.assertIn("| relaxed_fetch_add_sub | limit |", byo)
            self.assertIn("| shared_ptr_copy | baseline |", byo)
            self.assertIn("### `byo/my_kref_bench`", byo)  # a plain name: one group per file
            self.assertIn("| BM_MyCompletionWait | byo |", byo)
            self.assertTrue(os.path.exists(os.path.join(self.dir, "plots", "bench_byo_my_kref_uncontended.png")))

    def test_include_bench_bad_input_names_it(self):
        rc, _, err = run(self.dir, "--include-bench", os.path.join(self.dir, "nope"))
        self.assertEqual(rc, 2)
        self.assertIn("--include-bench", err)
        os.makedirs(os.path.join(self.dir, "mine"))
        self.write("mine/bad.json", '{"benchmarks": 3}')
        rc, _, err = run(self.dir, "--include-bench", os.path.join(self.dir, "mine"))
        self.assertEqual(rc, 2)
        self.assertIn("bad.json", err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "REPORT.md")))
        p = subprocess.run([sys.executable, os.path.join(os.path.dirname(REPORT), "include_bench.py"),
                            os.path.join(self.dir, "mine"), "--into", self.dir], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad.json", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "byo_bench")))

    def test_model_baselines_are_references(self):
        # model_search's `ref:one_execution` is a scale, not a physical
        # limit (bench/model.suite.toml [[bases]]); model_speed/1000_steps
        # keeps its limit (no step that changes thread beats a fiber switch).
        self.write("bench/lastref_bench_model.json", {"benchmarks": [
            gb_entry("model_search/prove_clean/lastref:dfs", 400.0, 400.0),
            gb_entry("model_search/prove_clean/ref:one_execution", 4.0, 4.0),
            gb_entry("model_speed/1000_steps/lastref:model_random_sticky", 90.0, 90.0),
            gb_entry("model_speed/1000_steps/limit:fcontext_switches", 30.0, 30.0)]})
        rc, _, err = run(self.dir, "--no-html")
        self.assertEqual(rc, 0, err)
        text = self.report()
        search = text[text.index("### `model_search/prove_clean`"):]
        search = search[:search.index("\n### ")]
        self.assertIn("1 (reference)", search)
        self.assertNotIn("1 (limit)", search)
        speed = text[text.index("### `model_speed/1000_steps`"):]
        self.assertIn("1 (limit)", speed[:speed.index("\n### ") if "\n### " in speed else None])


if __name__ == "__main__":
    unittest.main()
