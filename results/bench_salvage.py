#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Keeps what a Google Benchmark binary stopped at the end of its budget
wrote: its JSON file ends mid-array, so this parses the context and every
complete entry of "benchmarks", marks the context
`lastref_truncated: "stopped at the end of the budget"` and writes valid
JSON to OUT. Used by bench/run_bench.sh.

usage: bench_salvage.py IN OUT [REASON]
(REASON replaces "stopped at the end of the budget", e.g. for an interrupt)
Exit status: 0 with at least one complete entry written (prints how many),
1 when nothing could be kept (OUT is not written), 2 on a usage error.
"""

import json
import os
import re
import sys


def salvage(text):
    try:
        data = json.loads(text)
        if isinstance(data, dict) and isinstance(data.get("benchmarks"), list):
            return data, True
    except json.JSONDecodeError:
        pass
    dec = json.JSONDecoder()
    ctx = {}
    m = re.search(r'"context"\s*:\s*', text)
    if m:
        try:
            ctx, _ = dec.raw_decode(text, m.end())
        except json.JSONDecodeError:
            ctx = {}
    m = re.search(r'"benchmarks"\s*:\s*\[', text)
    if not m:
        return None, False
    entries, pos = [], m.end()
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        try:
            e, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        if not isinstance(e, dict):
            break
        entries.append(e)
    if not entries:
        return None, False
    ctx = ctx if isinstance(ctx, dict) else {}
    return {"context": ctx, "benchmarks": entries}, False


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    src, dst = argv[:2]
    reason = argv[2] if len(argv) == 3 else "stopped at the end of the budget"
    try:
        with open(src, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        print(f"bench_salvage.py: {src}: {e.strerror}", file=sys.stderr)
        return 1
    data, complete = salvage(text)
    if data is None:
        return 1
    data.setdefault("context", {})["lastref_truncated"] = reason
    tmp = dst + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, dst)
    print(f"{len(data['benchmarks'])} entries kept" + ("" if complete else ", file cut short"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
