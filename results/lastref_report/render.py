# SPDX-License-Identifier: MIT
"""Rendering: Markdown to HTML (python3-markdown), the table of contents, atomic
writes and the manifest of what a report wrote."""

import json
import os
import re


def anchor(title):
    """GitHub's heading anchor: lower case, punctuation other than - and _
    dropped, each space a hyphen. The HTML uses the same ids, so the table
    of contents links work in both renderings."""
    t = re.sub(r"[^\w\- ]", "", title.strip().lower().replace("`", ""))
    return t.replace(" ", "-")


def toc(sections):
    """A Markdown table of contents of the level-2 headings in sections."""
    heads = [x[3:].strip() for x in sections if x.startswith("## ")]
    return ["**Contents:** " + " · ".join(f"[{h.replace('`', '')}](#{anchor(h)})" for h in heads), ""]


HTML_STYLE = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}"
              "table{border-collapse:collapse;margin:.6em 0;font-size:.9em;display:block;overflow-x:auto;"
              "max-width:100%}"
              "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
              "th{background:#f3f3f3}img{max-width:100%}code{background:#f5f5f5;padding:0 .2em}"
              "pre{background:#f5f5f5;padding:.6em;overflow-x:auto}"
              "blockquote{border-left:4px solid #e0a000;margin:.6em 0;padding:.2em .8em;background:#fff8e5}"
              ".verdict{border:2px solid #888;padding:.2em 1em;margin:1em 0}")


def md_to_html(md, title):
    """The report's Markdown as one HTML page, by Debian's python3-markdown
    (tables, fenced code, Markdown inside <details markdown="1">, heading
    ids that match the table of contents' GitHub-style anchors). Wide tables
    scroll instead of being cut."""
    import html
    import markdown
    body = markdown.markdown(md, extensions=["tables", "fenced_code", "md_in_html", "toc"],
                             extension_configs={"toc": {"slugify": lambda value, _sep: anchor(value)}},
                             output_format="html")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{HTML_STYLE}</style></head><body>\n"
            + body + "\n</body></html>\n")


def write_atomic(path, text):
    """Writes to a temporary name in the same folder, then renames it into place."""
    import tempfile
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    mask = os.umask(0)
    os.umask(mask)
    os.fchmod(fd, 0o666 & ~mask)  # mkstemp's 0600 is not what open() would give
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


MANIFEST = ".report-manifest.json"


def read_manifest(out_dir):
    """The files an earlier run of this script wrote into out_dir (relative
    paths), from its manifest; a file not listed is never deleted."""
    path = os.path.join(out_dir, MANIFEST)
    if not os.path.exists(path):
        return []
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        files = doc.get("files") if isinstance(doc, dict) else None
    except (OSError, ValueError):
        return []
    return [f for f in files or [] if isinstance(f, str) and not os.path.isabs(f) and ".." not in f.split("/")]
