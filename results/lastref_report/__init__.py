# SPDX-License-Identifier: MIT
"""The results report (results/report.py is its command line).

inputs              reading run.json, benchmark JSON, samples, scorecards
naming              formats, names, colours and table helpers
notes               the benchmark groups' prose, read from bench/**/*.suite.toml
plots               every plot (matplotlib)
bench_sections      benchmark tables, the release overview and CDFs
scorecard_sections  detection scorecard, fuzz campaign, TSan
summary_sections    headline, verdict block, run record
render              Markdown -> HTML, table of contents, atomic writes
main                the command line
"""
