# SPDX-License-Identifier: MIT
"""The command line of results/report.py (whose docstring describes the
inputs and the report): reads a results folder, renders every section into a
private temporary folder first, then commits the report, its HTML version and
plots/ by rename (a malformed input changes nothing)."""

import argparse
import datetime
import json
import os
import sys

from .inputs import RESULTS_DIR, InputError, load_run, load_samples, rel, samples_path
from .bench_sections import bench_sections, byo_section, samples_section
from .scorecard_sections import detection_section, scorecard_section, tsan_section
from .summary_sections import headline_section, run_section, verdict_section, with_callouts
from .render import MANIFEST, md_to_html, read_manifest, toc, write_atomic


def main(argv):
    import shutil
    import tempfile
    here = RESULTS_DIR
    ap = argparse.ArgumentParser(prog="report.py", description="lastref results report: reads what the main "
                                 "job left in a results directory and writes a Markdown report (+ its HTML "
                                 "version) with tables and PNG plots (plots/ beside the report).")
    ap.add_argument("--results", default=here, help="results directory (default: results/)")
    ap.add_argument("--out", default=None,
                    help="report file (default: RESULTS/REPORT.md); plots go to plots/ beside it")
    ap.add_argument("--no-html", dest="html", action="store_false",
                    help="do not write the HTML version (OUT with .html) beside the Markdown")
    ap.add_argument("--include-bench", action="append", default=[], metavar="DIR",
                    help="your own Google Benchmark JSON (DIR/*.json), shown with role byo beside what "
                         "RESULTS/byo_bench/ holds (./lastref run --include-bench copies there); repeatable")
    args = ap.parse_args(argv)
    results_dir = os.path.abspath(args.results)
    if not os.path.isdir(results_dir):
        print(f"report.py: error: {results_dir}: no such directory", file=sys.stderr)
        return 2
    out = os.path.abspath(args.out or os.path.join(results_dir, "REPORT.md"))
    out_dir = os.path.dirname(out)
    if not os.path.isdir(out_dir) or not os.access(out_dir, os.W_OK):
        print(f"report.py: error: --out {out}: folder {out_dir} does not exist or is not writable", file=sys.stderr)
        return 2
    if os.path.isdir(out):
        print(f"report.py: error: --out {out} is a directory (give the report file, e.g. {out}/report.md)",
              file=sys.stderr)
        return 2
    html_out = os.path.splitext(out)[0] + ".html" if args.html else None
    plot_dir = os.path.join(out_dir, "plots")
    plots_ok = True
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        plots_ok = False
    if html_out:
        try:
            import markdown  # noqa: F401
        except ImportError:
            print("report.py: error: the HTML report needs python3-markdown (apt-get install -y python3-markdown; "
                  "or --no-html)", file=sys.stderr)
            return 2
    # Everything is rendered first, plots into a private temporary folder:
    # a malformed input stops the report before any output is touched.
    try:
        staging = tempfile.mkdtemp(prefix=".report-plots-", dir=out_dir)
    except OSError as e:
        print(f"report.py: error: cannot write in {out_dir}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        try:
            run = load_run(results_dir)
            verdict = verdict_section(results_dir)
            runsec = run_section(run)
            bench, bench_rows = bench_sections(results_dir, staging, plots_ok)
            samples = samples_section(results_dir, staging, plots_ok)
            byo = byo_section(results_dir, [os.path.abspath(d) for d in args.include_bench], staging, plots_ok)
            sp = samples_path(results_dir)
            headline = headline_section(results_dir, bench_rows, load_samples(sp)[1] if sp else [])
            detect = detection_section(results_dir, staging, plots_ok)
            # No bar plot of the campaign: it would only repeat the exec/s column.
            fuzz = scorecard_section(results_dir, staging, False, "fuzz_campaign.json", "Fuzz campaign",
                                     ("target", "name", "fuzzer"), "exec", "executions per second")
            tsan = tsan_section(results_dir, staging, plots_ok)
        except InputError as e:
            print(f"report.py: error: {e}", file=sys.stderr)
            return 2
        bench = with_callouts(bench, run, "bench")
        samples = with_callouts(samples, run, "samples")
        detect = with_callouts(detect, run, "detection")
        fuzz = with_callouts(fuzz, run, "fuzz")
        tsan = with_callouts(tsan, run, "tsan")
        if out_dir != results_dir:  # links into the results folder, relative to the report
            link = os.path.relpath(os.path.join(results_dir, "detection.md"), out_dir)
            detect = [x.replace("](detection.md)", f"]({link})") for x in detect]
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        head = ["# lastref results", "",
                f"Generated {now} by `results/report.py` from `{rel(results_dir, os.getcwd())}`"
                + (f" (`{run['command'].strip()}`, {run.get('started', '?')}, host {run.get('host', '?')})"
                   if run and run.get("command") else "") + ".", ""]
        if run and run.get("interrupted"):
            head += ["> **This run was interrupted**: sections below show what finished before it stopped.", ""]
        if not plots_ok:
            head += ["_matplotlib is not installed (Debian: python3-matplotlib): tables only, no plots._", ""]
        howto = ["## How to reproduce and compare", "",
                 "`./lastref run` (whole main job; `--quick` for a smoke run), or for the benchmarks alone "
                 "`cmake --preset bench && cmake --build --preset bench && bench/run_bench.sh build/bench && "
                 "results/report.py`. Compare two results folders, also from different machines: "
                 "`./lastref compare OLD NEW` (results/README.md).", ""]
        sections = headline + runsec + bench + byo + samples + detect + fuzz + tsan + howto
        text = "\n".join(head + verdict + toc(verdict + sections) + sections) + "\n"
        html_text = md_to_html(text, "lastref results") if html_out else None
        # Commit: plots renamed into plots/, stale plots this script made
        # (its manifest) removed, the report files written by rename.
        try:
            os.makedirs(plot_dir, exist_ok=True)
            made = sorted(os.listdir(staging))
            for f in made:
                os.replace(os.path.join(staging, f), os.path.join(plot_dir, f))
            mine = {os.path.relpath(x, out_dir) for x in [out] + ([html_out] if html_out else [])}
            mine |= {f"plots/{f}" for f in made}
            for old in read_manifest(out_dir):
                if old not in mine and old.startswith("plots/") and os.path.isfile(os.path.join(out_dir, old)):
                    os.remove(os.path.join(out_dir, old))
            write_atomic(out, text)
            if html_out:
                write_atomic(html_out, html_text)
            write_atomic(os.path.join(out_dir, MANIFEST),
                         json.dumps({"schema": "lastref-report-manifest/1", "files": sorted(mine)}, indent=1) + "\n")
        except OSError as e:
            print(f"report.py: error: cannot write the report: {e}", file=sys.stderr)
            return 2
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"report.py: wrote {rel(out, os.getcwd())}" + (f" and {rel(html_out, os.getcwd())}" if html_out else "")
          + (f", plots in {rel(plot_dir, os.getcwd())}/" if plots_ok else ""))
    return 0
