#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lastref results report: reads what the main job left in a results directory
and writes a Markdown report (+ its HTML version) with tables and PNG plots
(plots/ beside the report).

Inputs (each optional; a missing one gets a "not run" section):
  run.json              what ./lastref run ran and how each stage ended, on
                        what machine, with which versions (lastref-run/1,
                        scripts/run_record.py; see results/README.md)
  bench/*.json          Google Benchmark JSON (--benchmark_out_format=json),
                        benchmark names <group>/<role>:<impl> as described in
                        bench/suites/harness/main.h; medians of repetitions
  bench/release_latency_samples.json
                        per-sample latency histograms of the release suite
                        (lastref-release-samples/1): CDF plots
  detection.json        bug-zoo detection scorecard (variant x detector)
  fuzz_campaign.json    per fuzz target: execs, exec/s, crashes
  tsan.json             per TSan harness: ops/s, violations
The report opens with the verdict (verdict_section: findings in correct
implementations, zoo detection, TSan, the last-reference cost with sample
counts; results/verdict.py computes it) and a table of contents, then a
Headline table (headline_section) computed from these
inputs: a few figures beside their limits, each with its ratio, "not run" where
an input is missing. Every benchmark group gets a note (group_note) saying what
it measures and what its limit is; the release suite's cells get an overview
(p50/p99 per strategy and cell, with the wait-yield A/B and the probes).
The fuzz and TSan scorecards are rendered generically from a list of records,
so their exact schema can evolve; see records_of().

A malformed input is an error that names the file (exit status 2), never a
silently wrong report.

The code is the package lastref_report/ beside this script: inputs (reading),
naming (formats, names, tables), notes (the groups' prose, read from the
suites' bench/**/*.suite.toml), plots, the sections (bench_sections,
scorecard_sections, summary_sections), render (HTML, atomic writes) and main.

usage: report.py [--results DIR] [--out FILE] [--no-html]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lastref_report.main import main  # noqa: E402
# The groups' notes, for tests/test_report.py.
from lastref_report.notes import GROUP_NOTES, group_note  # noqa: E402,F401

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
