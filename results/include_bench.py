#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A user's own Google Benchmark JSON in a results folder (role byo).

  include_bench.py --check DIR...           check every DIR/*.json; change nothing
  include_bench.py DIR... --into RESULTS    check, then copy them to RESULTS/byo_bench/

`./lastref run --include-bench DIR` runs both: the check before anything is
made (a bad file: a message naming it, exit status 2), the copy into the
new results folder. The report then shows the rows in a section of their
own (role `byo`: your implementation; rows named `<group>/baseline:X`,
`limit:X` or `ref:X` keep those roles and serve as your baselines and
limits), and `./lastref compare` gates their regressions as it gates
lastref's, on the ratio to your same-run limit when your group has one.

A file is Google Benchmark's `--benchmark_out_format=json` output: a
top-level "benchmarks" list. Every file of every DIR is checked before any
is copied; two files of the same name in different DIRs are an error.
"""

import argparse
import glob
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lastref_report.inputs import BYO_DIR, InputError, load_bench_file  # noqa: E402


def files_of(dirs):
    """[(path, name)] of every JSON file in dirs; InputError on a missing or
    empty folder or a name given twice."""
    out, seen = [], {}
    for d in dirs:
        if not os.path.isdir(d):
            raise InputError(f"--include-bench {d}: no such directory")
        found = sorted(glob.glob(os.path.join(d, "*.json")))
        if not found:
            raise InputError(f"--include-bench {d}: no *.json file in it (Google Benchmark's "
                             "--benchmark_out=FILE --benchmark_out_format=json writes one)")
        for f in found:
            name = os.path.basename(f)
            if name in seen:
                raise InputError(f"--include-bench: {name} is in both {seen[name]} and {d}")
            seen[name] = d
            out.append((f, name))
    return out


def check(dirs):
    files = files_of(dirs)
    for path, _ in files:
        _, rows = load_bench_file(path, path, byo=True)
        if not rows:
            raise InputError(f"{path}: no benchmark rows in it")
    return files


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+", metavar="DIR")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--check", action="store_true", help="check the files, change nothing")
    g.add_argument("--into", metavar="RESULTS", help="copy them to RESULTS/byo_bench/")
    a = ap.parse_args(argv)
    try:
        files = check(a.dirs)
        if a.check:
            return 0
        if not os.path.isdir(a.into):
            raise InputError(f"--into {a.into}: no such directory")
        dest = os.path.join(a.into, BYO_DIR)
        os.makedirs(dest, exist_ok=True)
        for path, name in files:
            tmp = os.path.join(dest, f".{name}.tmp")
            shutil.copyfile(path, tmp)
            os.replace(tmp, os.path.join(dest, name))
        print(f"include_bench.py: {len(files)} file(s) of yours in {dest}")
        return 0
    except InputError as e:
        print(f"include_bench.py: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"include_bench.py: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
