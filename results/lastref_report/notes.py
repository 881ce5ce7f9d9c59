# SPDX-License-Identifier: MIT
"""The benchmark groups' notes. The prose lives with the suites, in their
bench/**/*.suite.toml declarations ([groups], [patterns], [release]); this
module reads it and composes the release matrix's per-cell notes."""

import glob
import os
import re
import tomllib

from .inputs import RESULTS_DIR, InputError


# The suites' declarations, read once. A known group without a note, or a
# note keyed to a group that no longer exists, fails tests/test_report.py.
SUITES_GLOB = os.path.join(os.path.dirname(RESULTS_DIR), "bench", "**", "*.suite.toml")


def _load():
    notes, patterns, release, bases = {}, [], {}, []
    for path in sorted(glob.glob(SUITES_GLOB, recursive=True)):
        try:
            with open(path, "rb") as f:
                d = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise InputError(f"{path}: cannot be read ({e})") from e
        text = d.get("text", {})
        for group, g in d.get("groups", {}).items():
            notes[group] = g["note"].format_map(text)
        for p in d.get("patterns", {}).values():
            patterns.append((re.compile(p["match"]), p["note"]))
        release.update(d.get("release", {}))
        for b in d.get("bases", []):
            gate = b.get("gate", "ratio")
            if gate not in ("ratio", "absolute"):
                raise InputError(f"{path}: [[bases]] gate must be \"ratio\" or \"absolute\", not {gate!r}")
            bases.append(dict(match=re.compile(b["match"]), row=b.get("row"), word=b.get("word", "limit"),
                              was=list(b.get("was", [])), gate=gate))
    return notes, patterns, release, bases


GROUP_NOTES, GROUP_PATTERNS, RELEASE_TEXT, GROUP_BASES = _load()


def group_basis(group):
    """What a group's figures are divided by, as its suite declares ([[bases]]):
    {"row": "role:impl" or None (None: the group's `limit:` row), "word": "limit"
    or "reference" (a limit only when nothing may beat it), "was": earlier names
    of the row, "gate": "ratio" or "absolute" (how ./lastref compare gates the
    group's rows: "absolute" when the reference is lastref's own code, whose
    speed-ups would read as the rows' slow-downs)}."""
    for b in GROUP_BASES:
        if b["match"].search(group):
            return b
    return {"row": None, "word": "limit", "was": [], "gate": "ratio"}


def is_basis(r, basis):
    """Whether report row r (role, impl_base) is its group's basis row."""
    if basis["row"] is None:
        return r["role"] == "limit"
    return f"{r['role']}:{r['impl_base']}" in [basis["row"]] + basis["was"]


RELEASE_CELL = re.compile(r"^release_latency/(?P<releaser>normal|nice19|sched_idle)_(?P<hogs>none|normal|fifo)"
                          r"_k(?P<k>\d+)(?P<pinned>_pinned)?$")


RELEASER_TEXT = RELEASE_TEXT.get("releaser", {})
HOGS_TEXT = RELEASE_TEXT.get("hogs", {})


def parse_cell(group):
    """'release_latency/sched_idle_normal_k2_pinned' -> {releaser, hogs, k, pinned, name}, else None."""
    m = RELEASE_CELL.match(group)
    if not m:
        return None
    return {"releaser": m["releaser"], "hogs": m["hogs"], "k": int(m["k"]), "pinned": bool(m["pinned"]),
            "name": group.split("/", 1)[1]}


def is_starved(cell):
    """Starved cells (bench/suites/README.md): a nice-19 or SCHED_IDLE releaser against normal hogs."""
    return cell["releaser"] in ("nice19", "sched_idle") and cell["hogs"] == "normal" and cell["k"] > 0


RELEASE_COMMON = RELEASE_TEXT.get("common", "")


def release_note(cell):
    t = RELEASE_TEXT
    hogs = HOGS_TEXT[cell["hogs"]] if cell["hogs"] == "none" else f"{cell['k']} {HOGS_TEXT[cell['hogs']]}"
    out = [f"Release latency, releaser {RELEASER_TEXT[cell['releaser']]}, {hogs}"
           + (t["pinned"] if cell["pinned"] else "") + "."]
    out.append(t["starved"] if is_starved(cell) else t["hogs_" + cell["hogs"]])
    out.append(t["tail"])
    return " ".join(out)


def group_note(group):
    """The note for a benchmark group, or None for a group this report does not know."""
    if group in GROUP_NOTES:
        return GROUP_NOTES[group]
    for pattern, note in GROUP_PATTERNS:
        m = pattern.match(group)
        if m:
            return note.format_map(m.groupdict())
    cell = parse_cell(group)
    if cell:
        return release_note(cell)
    return None
