#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of results/verdict.py on results folders built here from small
JSON documents: a clean run passes; a campaign crash, a report of the
scorecard's correct-code runs, a stress-harness violation and a failed TSan
test with a ThreadSanitizer report are each a finding (verdict exit 1,
`./lastref run` exit status 4) with a SARIF 2.1.0 result carrying the kind,
the message, the primitive's file:line and the replay command; a failed
stage or a missing dependency is not a finding (exit statuses 1 and 3);
bad input exits 2 and writes nothing."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
VERDICT = os.path.join(HERE, "..", "verdict.py")

RUN = {"schema": "lastref-run/1", "interrupted": False, "host": "fixture",
       "stages": [{"name": n, "status": "ok", "seconds": 1, "reason": ""}
                  for n in ("build:bench", "fuzz", "zoo", "tsan:ctest", "tsan:throughput", "bench")]}
CAMPAIGN = {"budget_s": 10, "jobs": 2, "zoo": "", "interleaving": True,
            "targets": {"kref_fuzzer": {"seconds": 5, "execs": 1000, "exec_per_s": 200, "crashes": 0,
                                        "corpus_files": 3, "crash_files": []}}}
DETECTION = {"schema": "lastref-detection/1", "mode": "quick",
             "variants": [{"name": "module_release_immediate",
                           "results": {"libfuzzer": {"status": "found", "found_seeds": 1, "seeds": 1}}},
                          {"name": "relaxed_put_kref",
                           "results": {"libfuzzer": {"status": "not found", "found_seeds": 0, "seeds": 1},
                                       "pct": {"status": "found", "found_seeds": 1, "seeds": 1}}}],
             "correct": [{"detector": "pct", "implementation": "correct (every target)", "executions": 500,
                          "reports": 0, "first_report": None}],
             "verdict": {"schedule_fuzzer_detector": "libfuzzer"}}
TSAN = {"duration_ms": 100, "runs": [{"build": "tsan", "harness": "kref_stress", "args": "--scenario pair",
                                      "variant": "correct", "seed": 1, "violations": 0, "tsan_report": False,
                                      "exit_code": 0}]}


def write(d, name, doc):
    path = os.path.join(d, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc))


def folder(root, name, **override):
    d = os.path.join(root, name)
    os.makedirs(d)
    docs = {"run.json": RUN, "fuzz_campaign.json": CAMPAIGN, "detection.json": DETECTION, "tsan.json": TSAN}
    docs.update({k.replace("_json", ".json"): v for k, v in override.items()})
    for k, v in docs.items():
        if v is not None:
            write(d, k, v)
    return d


def verdict(d, *extra):
    p = subprocess.run([sys.executable, VERDICT, d, "--no-replay", "--print", *extra],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def load(d, name):
    with open(os.path.join(d, name), encoding="utf-8") as f:
        return json.load(f)


class VerdictTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def check_sarif(self, d, n):
        s = load(d, "findings.sarif")
        self.assertEqual(s["version"], "2.1.0")
        results = s["runs"][0]["results"]
        self.assertEqual(len(results), n)
        rules = [r["id"] for r in s["runs"][0]["tool"]["driver"]["rules"]]
        for r in results:
            self.assertEqual(rules[r["ruleIndex"]], r["ruleId"])
            self.assertIn("Replay: ", r["message"]["text"])
            self.assertTrue(r["properties"]["replay"])
            loc = r["locations"][0]["physicalLocation"]
            self.assertGreaterEqual(loc["region"]["startLine"], 1)
        return results

    def test_clean_run_passes(self):
        d = folder(self.tmp.name, "clean")
        rc, out, err = verdict(d)
        self.assertEqual(rc, 0, out + err)
        v = load(d, "verdict.json")
        self.assertEqual((v["schema"], v["verdict"], v["exit_status"]), ("lastref-verdict/1", "pass", 0))
        self.assertEqual(v["correct_implementations"]["executions"], 1500)
        self.assertEqual(v["correct_implementations"]["detectors"], ["libFuzzer campaign", "pct"])
        self.assertEqual((v["zoo"]["found"], v["zoo"]["total"], v["zoo"]["not_found"]), (1, 2, ["relaxed_put_kref"]))
        self.assertEqual(v["zoo"]["found_by_any_detector"], 2)
        self.assertIn("1,500 executions across 2 detectors, 0 reports", out)
        self.check_sarif(d, 0)
        self.assertEqual(sorted(f for f in os.listdir(d) if f.endswith(".tmp")), [])

    def test_campaign_crash_is_a_finding(self):
        crash = os.path.join(self.tmp.name, "crash-abc")
        write(self.tmp.name, "crash-abc", "x")
        camp = json.loads(json.dumps(CAMPAIGN))
        camp["targets"]["kref_fuzzer"].update(crashes=1, crash_files=[crash])
        d = folder(self.tmp.name, "crash", fuzz_campaign_json=camp)
        rc, out, err = verdict(d)
        self.assertEqual(rc, 1, out + err)
        v = load(d, "verdict.json")
        self.assertEqual((v["verdict"], v["exit_status"]), ("findings", 4))
        f = v["findings"][0]
        self.assertEqual((f["source"], f["target"], f["implementation"]), ("fuzz campaign", "kref_fuzzer", "correct"))
        self.assertIn("lastref-replay --pad --target kref_fuzzer", f["replay"])
        self.check_sarif(d, 1)

    def test_stale_crash_files_without_crashes_are_not_findings(self):
        camp = json.loads(json.dumps(CAMPAIGN))
        camp["targets"]["kref_fuzzer"]["crash_files"] = ["/old/crash-1"]
        d = folder(self.tmp.name, "stale", fuzz_campaign_json=camp)
        rc, out, err = verdict(d)
        self.assertEqual(rc, 0, out + err)

    def test_forced_zoo_variant_is_named(self):
        camp = json.loads(json.dumps(CAMPAIGN))
        camp["zoo"] = "module_release_immediate"
        camp["targets"]["kref_fuzzer"].update(crashes=2)
        d = folder(self.tmp.name, "zoo", fuzz_campaign_json=camp)
        rc, out, err = verdict(d)
        self.assertEqual(rc, 1, out + err)
        v = load(d, "verdict.json")
        self.assertEqual(len(v["findings"]), 2)
        self.assertEqual(v["findings"][0]["implementation"], "zoo variant module_release_immediate (forced in)")
        self.assertIn("--zoo module_release_immediate", v["findings"][0]["replay"])

    def test_correct_code_report_has_the_primitive_line(self):
        det = json.loads(json.dumps(DETECTION))
        det["correct"][0].update(reports=1, first_report={
            "seed": 3, "found": True, "kind": "unloaded_text",
            "message": "executing unloaded module text: T1 runs text_leave (module.h:233, end) inside module text"})
        d = folder(self.tmp.name, "fp", detection_json=det)
        rc, out, err = verdict(d)
        self.assertEqual(rc, 1, out + err)
        (r,) = self.check_sarif(d, 1)
        self.assertEqual(r["ruleId"], "unloaded_text")
        loc = r["locations"][0]["physicalLocation"]
        self.assertEqual((loc["artifactLocation"]["uri"], loc["region"]["startLine"]), ("primitives/include/lastref/module.h", 233))
        self.assertIn("primitives/include/lastref/module.h:233", out)

    def test_stress_violation_and_tsan_junit_failure_are_findings(self):
        tsan = json.loads(json.dumps(TSAN))
        tsan["runs"][0]["violations"] = 2
        d = folder(self.tmp.name, "tsan", tsan_json=tsan)
        write(d, "junit/tsan-ctest.xml", """<?xml version="1.0"?>
<testsuite name="tsan" tests="2" failures="1"><testcase name="kref_stress_tsan" status="fail">
<failure message="Failed"/><system-out>==================
WARNING: ThreadSanitizer: data race (pid=1)
  Write of size 4 at 0x7b by thread T2:
    #0 lastref::kref_put(lastref::kref*) primitives/include/lastref/kref.h:88 (kref_stress+0x1)
</system-out></testcase><testcase name="completion_tsan" status="run"/></testsuite>""")
        rc, out, err = verdict(d)
        self.assertEqual(rc, 1, out + err)
        v = load(d, "verdict.json")
        kinds = sorted(f["kind"] for f in v["findings"])
        self.assertEqual(kinds, ["tsan_data_race", "violation"])
        self.assertEqual(v["tsan"]["ctest"], {"tests": 2, "passed": 1})
        race = next(f for f in v["findings"] if f["kind"] == "tsan_data_race")
        self.assertEqual(race["location"], {"file": "primitives/include/lastref/kref.h", "line": 88})
        self.assertIn("ctest --test-dir build/tsan -R '^kref_stress_tsan$'", race["replay"])

    def test_a_failed_stage_or_missing_dependency_is_not_a_finding(self):
        run = json.loads(json.dumps(RUN))
        run["stages"][1].update(status="failed", reason="exit status 3")
        d = folder(self.tmp.name, "failed", run_json=run)
        rc, out, err = verdict(d)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(load(d, "verdict.json")["exit_status"], 1)
        run["stages"][1].update(status="skipped", reason="missing Debian packages: clang-14")
        d = folder(self.tmp.name, "missing", run_json=run)
        self.assertEqual(verdict(d)[0], 0)
        self.assertEqual(load(d, "verdict.json")["exit_status"], 3)
        # A finding outranks a failed stage.
        camp = json.loads(json.dumps(CAMPAIGN))
        camp["targets"]["kref_fuzzer"]["crashes"] = 1
        run["stages"][1].update(status="failed", reason="exit status 3")
        d = folder(self.tmp.name, "both", run_json=run, fuzz_campaign_json=camp)
        self.assertEqual(verdict(d)[0], 1)
        self.assertEqual(load(d, "verdict.json")["exit_status"], 4)

    def test_bad_input_exits_2_and_writes_nothing(self):
        for name, kw in (("malformed", {"tsan_json": "{not json"}),
                         ("wrong_type", {"fuzz_campaign_json": {"targets": {"k": {"execs": "many"}}}}),
                         ("wrong_type2", {"detection_json": {"variants": [], "correct": 3}}),
                         ("no_run_json", {"run_json": None})):
            d = folder(self.tmp.name, name, **kw)
            before = sorted(os.listdir(d))
            rc, out, err = verdict(d)
            self.assertEqual(rc, 2, name + out + err)
            self.assertNotIn("Traceback", err)
            self.assertRegex(err, r"(tsan|fuzz_campaign|detection|run)\.json")
            self.assertEqual(sorted(os.listdir(d)), before, name)
        rc, _, err = verdict(os.path.join(self.tmp.name, "nope"))
        self.assertEqual(rc, 2)
        self.assertIn("nope", err)


if __name__ == "__main__":
    unittest.main()
