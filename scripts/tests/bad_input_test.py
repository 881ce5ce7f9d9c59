#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every command-line entry point, given bad input, exits 2 with a message
naming the option or file and changes nothing.

A table of (entry point, arguments, word the message must contain). Each row
runs in a scratch folder holding a file, an empty folder, a folder of
someone else's files and an unreadable file; after each row the test checks
the exit status, that the message (stdout + stderr) names the option or the
file, and that neither the scratch folder nor the repository's results/
folder changed (names, sizes, modification times).

Classes of bad input: malformed numbers (negative, octal-looking where it
is not a number, overflow, empty, non-numeric, out of range), unknown
options, missing and unreadable files, a file where a folder is expected and
the reverse, empty paths.

usage: bad_input_test.py --root REPO [--bin NAME=PATH ...]
  NAME one of replay, minimize, scorecard, kref_stress, real_module,
  release_latency, completion_fast, prove, gen_corpus, byo_random (a fuzz target of a
  user's primitive built with the standalone driver); a binary not given is
  skipped (and said so).
Exit status: 0 every row passed, 1 otherwise.
"""
import argparse
import os
import stat
import subprocess
import sys
import tempfile


def snapshot(*roots):
    state = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for n in dirnames + filenames:
                p = os.path.join(dirpath, n)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                state[p] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)
    return state


def rows(root, b, s):
    """(entry, argv, word). `s` is the scratch folder; b maps binaries."""
    lastref = os.path.join(root, "lastref")
    run_bench = os.path.join(root, "bench", "run_bench.sh")
    f, d, other, unreadable = (os.path.join(s, n) for n in ("file.bin", "empty", "other", "unreadable.bin"))
    missing = os.path.join(s, "missing.bin")
    big = "99999999999999999999999"
    t = [
        # ./lastref and `run`
        ("lastref", [lastref], "command"),
        ("lastref", [lastref, "frobnicate"], "frobnicate"),
        ("lastref", [lastref, "test", "--preset", "nope"], "nope"),
        ("lastref", [lastref, "test", "--bogus"], "--bogus"),
    ]
    for v in ("-5", "", "abc", big, "29", "0x40", "1e3"):
        t.append(("lastref run", [lastref, "run", "--budget", v, "--out", os.path.join(s, "new")], "--budget"))
    t += [
        ("lastref run", [lastref, "run", "--budget"], "--budget"),
        ("lastref run", [lastref, "run", "--frob"], "--frob"),
        ("lastref run", [lastref, "run", "--out", ""], "--out"),
        ("lastref run", [lastref, "run", "--out", other], other),
        ("lastref run", [lastref, "run", "--only", "bench", "--out", f], f),
        ("lastref run", [lastref, "run", "--only", "nope"], "nope"),
        ("lastref run", [lastref, "run", "--scorecard", "maybe"], "--scorecard"),
        ("lastref run", [lastref, "run", "--only", "report", "--out", other], other),
        ("lastref run", [lastref, "run", "--only", "report", "--out", d], d),
        ("lastref run", [lastref, "run", "--only", "report", "--out", missing], missing),
        ("lastref run", [lastref, "run", "--only", "report", "--out", f], f),
        # relative paths are the caller's: "other" is the scratch folder's
        ("lastref run", [lastref, "run", "--only", "report", "--out", "other"], "other"),
    ]
    # bench/run_bench.sh
    # A stand-in bench build (run_bench.sh checks BUILD/bench exists before
    # its options): the bench preset is not built by `./lastref test`.
    build = os.path.join(s, "bench-build")
    os.makedirs(os.path.join(build, "bench"), exist_ok=True)
    for v in ("-1", "", "abc", big, "5"):
        t.append(("run_bench.sh", [run_bench, build, "--budget", v, "--out", os.path.join(s, "new")], "--budget"))
    for v in ("0", "-2", "", "x"):
        t.append(("run_bench.sh", [run_bench, build, "--repetitions", v, "--out", os.path.join(s, "new")], "--repetitions"))
    t += [
        ("run_bench.sh", [run_bench, build, "--min-time", "soon"], "--min-time"),
        ("run_bench.sh", [run_bench, build, "--release-matrix", "huge"], "--release-matrix"),
        ("run_bench.sh", [run_bench, build, "--frob"], "--frob"),
        ("run_bench.sh", [run_bench, missing], missing),
        ("run_bench.sh", [run_bench, f], f),
        ("run_bench.sh", [run_bench, build, "--out", other], other),
        ("run_bench.sh", [run_bench, build, "--out", f], f),
        ("run_bench.sh", [run_bench, build, "--out", ""], "--out"),
    ]
    # lastref-replay / lastref-minimize
    for name in ("replay", "minimize"):
        if name not in b:
            continue
        exe = b[name]
        tool = "lastref-" + name
        t += [
            (tool, [exe], "FILE"),
            (tool, [exe, "--target", "kref_fuzzer", ""], "empty path"),
            (tool, [exe, "--target", "kref_fuzzer", missing], missing),
            (tool, [exe, "--target", "kref_fuzzer", d], d),
            (tool, [exe, "--target", "kref_fuzzer", unreadable], unreadable),
            (tool, [exe, "--target", "nope_fuzzer", f], "nope_fuzzer"),
            (tool, [exe, "--target=nope_fuzzer", f], "nope_fuzzer"),
            (tool, [exe, "--target="], "--target"),
            (tool, [exe, "--zoo", "", "--target", "kref_fuzzer", f], "--zoo"),
            (tool, [exe, "--frob", f], "--frob"),
            (tool, [exe, "--target", "kref_fuzzer", f, f], "one FILE"),
            (tool, [exe, f], f),  # no target in the path
        ]
        # a relative FILE when the working directory has been deleted
        gone = os.path.join(s, "gone")
        t.append((tool, ["/bin/sh", "-c", f'mkdir "{gone}" && cd "{gone}" && rmdir "{gone}" && '
                          'exec "$0" --target kref_fuzzer input.bin', exe], "input.bin"))
        # ... and with the target to infer from that path
        t.append((tool, ["/bin/sh", "-c", f'mkdir "{gone}" && cd "{gone}" && rmdir "{gone}" && '
                          'exec "$0" input.bin', exe], "current directory"))
        if name == "replay":
            t.append((tool, [exe, "lastref-replay:v1:0001ff0710"], "replay token"))
        if name == "minimize":
            for v in ("-1", "0", "", "abc", big, "86401"):
                t.append((tool, [exe, "--target", "kref_fuzzer", "--max-seconds", v, f], "--max-seconds"))
            t.append((tool, [exe, "--target", "kref_fuzzer", "-o", d, f], d))
    # lastref-gen-corpus: rewrites corpus/ folders, so anything but the
    # fuzz folder (a flag mistaken for it included) is refused untouched
    if "gen_corpus" in b:
        g = b["gen_corpus"]
        t += [
            ("lastref-gen-corpus", [g], "fuzz_dir"),
            ("lastref-gen-corpus", [g, ""], "fuzz_dir"),
            ("lastref-gen-corpus", [g, "--frob", d], "--frob"),
            ("lastref-gen-corpus", [g, other], other),
            ("lastref-gen-corpus", [g, d], d),
            ("lastref-gen-corpus", [g, f], f),
            ("lastref-gen-corpus", [g, missing], missing),
            ("lastref-gen-corpus", [g, d, d], d),
        ]
    # lastref-scorecard (the C++ driver)
    if "scorecard" in b:
        sc = b["scorecard"]
        for opt in ("--seeds", "--budget"):
            for v in ("-1", "0", "", "abc", big, "+5"):
                t.append(("lastref-scorecard", [sc, "detect", "--variant", "zoo", "--detector", "random", opt, v], opt))
            t.append(("lastref-scorecard", [sc, "detect", "--variant", "zoo", "--detector", "random", opt + "=-1"], opt))
        t += [
            ("lastref-scorecard", [sc], "command"),
            ("lastref-scorecard", [sc, "detect", "--variant", "no_such_variant", "--detector", "random"], "no_such_variant"),
            ("lastref-scorecard", [sc, "detect", "--variant", "zoo", "--detector", "nope"], "detector"),
            ("lastref-scorecard", [sc, "detect", "--frob"], "--frob"),
            ("lastref-scorecard", [sc, "detect", "--dfs-bound", "-3"], "--dfs-bound"),
        ]
        # scorecard.py (the driver of the zoo stage)
        py = ["/usr/bin/python3", os.path.join(root, "fuzz", "scorecard", "scorecard.py"),
              "--plain-build", os.path.dirname(os.path.dirname(os.path.dirname(sc)))]
        for opt in ("--seeds", "--budget", "--fuzz-runs"):
            for v in ("-1", "0", "abc", ""):
                t.append(("scorecard.py", py + [opt, v, "--out", os.path.join(s, "new")], opt))
        t += [
            ("scorecard.py", py + ["--variants", "no_such_variant", "--detectors", "random", "--out", os.path.join(s, "new")], "no_such_variant"),
            ("scorecard.py", py + ["--variants", "", "--out", os.path.join(s, "new")], "--variants"),
            ("scorecard.py", py + ["--detectors", "nope", "--out", os.path.join(s, "new")], "nope"),
            ("scorecard.py", py + ["--out", f], f),
            ("scorecard.py", py + ["--frob"], "--frob"),
        ]
    # the stress harnesses
    if "kref_stress" in b:
        k = b["kref_stress"]
        for opt in ("--threads", "--iterations", "--duration-ms", "--seed"):
            for v in ("-1", "", "abc", big):
                t.append(("kref_stress", [k, opt, v], opt))
        t += [
            ("kref_stress", [k, "--threads", "0"], "--threads"),
            ("kref_stress", [k, "--threads", "257"], "--threads"),
            ("kref_stress", [k, "--threads=-1"], "--threads"),
            ("kref_stress", [k, "--variant", "nope"], "--variant"),
            ("kref_stress", [k, "--frob"], "--frob"),
        ]
    if "real_module" in b:
        r = b["real_module"]
        t += [
            ("real_module", [r, "--threads", "4"], "--threads"),
            ("real_module", [r, "--threads", "-1"], "--threads"),
            ("real_module", [r, "--module-path", missing], missing),
        ]
    # a benchmark binary's own flags
    if "release_latency" in b:
        rl = b["release_latency"]
        t += [
            ("release_latency", [rl, "--lastref_matrix=huge"], "--lastref_matrix"),
            ("release_latency", [rl, "--lastref_cap_ms=-1"], "--lastref_cap_ms"),
            ("release_latency", [rl, "--lastref_cap_ms=abc"], "--lastref_cap_ms"),
            ("release_latency", [rl, "--lastref_samples=" + big], "--lastref_samples"),
            ("release_latency", [rl, "--lastref_burst_us=99999"], "--lastref_burst_us"),
        ]
    # the standalone fuzz driver of a user's primitive (byo/src/random_main.cc):
    # libFuzzer's one-dash spelling and lastref's forms
    if "byo_random" in b:
        r = b["byo_random"]
        for v in ("-1", "", "abc", big, "0x10", "+5"):
            t.append(("byo random_main", [r, "-runs=" + v], "-runs"))
        t += [
            ("byo random_main", [r, "--runs", "-1"], "--runs"),
            ("byo random_main", [r, "--runs"], "--runs"),
            ("byo random_main", [r, "-seed=abc"], "-seed"),
            ("byo random_main", [r, "--seed=" + big], "--seed"),
            ("byo random_main", [r, "-max_len=0"], "-max_len"),
            ("byo random_main", [r, "-max_len=9999999"], "-max_len"),
            ("byo random_main", [r, "-artifact_prefix="], "-artifact_prefix"),
            ("byo random_main", [r, "-artifact_prefix=" + os.path.join(missing, "")], missing),
            ("byo random_main", [r, "--frob"], "--frob"),
            ("byo random_main", [r, "-runs=1", missing], missing),
            ("byo random_main", [r, "-runs=1", unreadable], unreadable),
            ("byo random_main", [r, "-runs=1", ""], "empty path"),
        ]
    # lastref-prove --combine: certificates are files users pass around
    if "prove" in b:
        pv = b["prove"]
        certs = os.path.join(s, "certs")
        os.makedirs(certs, exist_ok=True)
        bad_certs = {
            "empty.json": "",
            "truncated.json": '{"strategy":"dpor",',
            "array.json": "[1, 2]",
            "missing.json": '{"strategy":"dpor"}',
            "negative.json": '{"strategy":"dpor","complete":true,"found":false,"bound":-1,'
                             '"executions":-5,"blocked":0,"races":0,"seconds":0.1,'
                             '"stopped_by":"exhausted","max_executions":10,"max_seconds":0,'
                             '"nondeterministic":false,"shard_index":0,"shard_count":1,'
                             '"owned":0,"fraction_done":1,"subject":"x"}',
        }
        for n, text in bad_certs.items():
            with open(os.path.join(certs, n), "w") as fh:
                fh.write(text)
            t.append(("lastref-prove", [pv, "--combine", os.path.join(certs, n)], os.path.join(certs, n)))
        t += [
            ("lastref-prove", [pv, "--combine", missing], missing),
            ("lastref-prove", [pv, "--combine", f], f),
            ("lastref-prove", [pv, "--combine", d], d),
            ("lastref-prove", [pv, "--keep-stutters=bogus", "--list"], "--keep-stutters"),
            ("lastref-prove", [pv, "--keep-retries=bogus", "--list"], "--keep-retries"),
        ]
    if "completion_fast" in b:
        t.append(("completion_fast", [b["completion_fast"], "--lastref_hold_cpu_dma_latency=soon"],
                  "--lastref_hold_cpu_dma_latency"))
        t.append(("completion_fast", [b["completion_fast"], "--frob"], "--frob"))
    return t


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--bin", action="append", default=[], metavar="NAME=PATH")
    a = ap.parse_args(argv)
    root = os.path.abspath(a.root)
    b = {}
    for spec in a.bin:
        name, _, path = spec.partition("=")
        if os.access(path, os.X_OK):
            b[name] = os.path.abspath(path)
    for want in ("replay", "minimize", "scorecard", "kref_stress", "real_module", "release_latency",
                 "completion_fast", "prove", "byo_random", "gen_corpus"):
        if want not in b:
            print(f"note: {want} not given or not built: its rows are skipped")
    failures = 0
    classes = {}
    with tempfile.TemporaryDirectory(prefix="lastref-bad-input.") as s:
        with open(os.path.join(s, "file.bin"), "wb") as fh:
            fh.write(b"\x01\x02\x03\x04")
        os.mkdir(os.path.join(s, "empty"))
        os.mkdir(os.path.join(s, "other"))
        with open(os.path.join(s, "other", "keep.json"), "w") as fh:
            fh.write("{}\n")
        up = os.path.join(s, "unreadable.bin")
        with open(up, "wb") as fh:
            fh.write(b"\x00" * 8)
        os.chmod(up, 0)
        if os.geteuid() == 0:  # root reads anything: make it unreadable another way
            os.chmod(up, 0o644)
            os.unlink(up)
            os.mkfifo(up)  # not a regular file: refused without reading
        results_dir = os.path.join(root, "results")
        table = rows(root, b, s)
        for entry, args, word in table:
            before = snapshot(s, results_dir)
            env = dict(os.environ, LASTREF_NO_INSTALL="1")
            try:
                p = subprocess.run(args, cwd=s, env=env, capture_output=True, text=True, timeout=120,
                                   stdin=subprocess.DEVNULL)
                rc, msg = p.returncode, p.stdout + p.stderr
            except subprocess.TimeoutExpired:
                rc, msg = "timeout", ""
            after = snapshot(s, results_dir)
            shown = " ".join(repr(x) if x == "" or " " in x else x for x in args[1:])
            problems = []
            if rc != 2:
                problems.append(f"exit status {rc}, want 2")
            if word not in msg:
                problems.append(f"message does not name {word!r}")
            if "Traceback" in msg:
                problems.append("a Python traceback")
            if before != after:
                changed = sorted(set(before) ^ set(after) |
                                 {k for k in before if k in after and before[k] != after[k]})
                problems.append(f"files changed: {changed[:5]}")
            classes.setdefault(entry, [0, 0])
            classes[entry][0] += 1
            if problems:
                failures += 1
                print(f"FAIL {entry} {shown}: {'; '.join(problems)}")
                print("     " + (msg.strip().splitlines() or ["(no output)"])[0][:200])
            else:
                classes[entry][1] += 1
                print(f"ok   {entry} {shown}")
    print("\nper entry point (rows passed / rows):")
    for entry, (n, ok) in classes.items():
        print(f"  {entry:18} {ok}/{n}")
    print(f"{failures} failure(s) in {sum(n for n, _ in classes.values())} rows")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
