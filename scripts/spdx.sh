#!/usr/bin/env bash
# spdx.sh — every source file of lastref says its licence in its first lines.
#
#   scripts/spdx.sh --check [DIR]   list the source files without an
#                                   "SPDX-License-Identifier: MIT" line in
#                                   their first 10 lines; exit 1 if any
#   scripts/spdx.sh --fix [DIR]     add the line to those files, in the
#                                   file's comment syntax (after a #! line)
#
# DIR is a git work tree (default: this checkout); the files are the tracked
# and untracked-but-not-ignored ones. Source files are: *.h *.hpp *.cc *.cpp
# *.c (and *.cc.in / *.h.in templates) with "//"; *.cmake, CMakeLists.txt,
# *.cmake.in, *.py, *.sh and extensionless files starting with a sh/bash/
# python "#!" line with "#". Everything else (Markdown, JSON, corpora,
# results data, binaries) is left alone. Exit status 2 on bad usage.
set -euo pipefail

want="SPDX-License-Identifier: MIT"
# The comment block above, less its licence line, is the usage text.
usage() {
  awk 'NR > 1 && !/^#/ { exit } NR > 1 && !/SPDX-License-Identifier/ { sub(/^# ?/, ""); print }' \
    "${BASH_SOURCE[0]}"
}

mode=""
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check|--fix) [ -z "$mode" ] || { echo "spdx.sh: give one of --check, --fix" >&2; exit 2; }
                   mode=${1#--};;
    -h|--help) usage; exit 0;;
    -*) echo "spdx.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
    *) [ -z "$dir" ] || { echo "spdx.sh: one DIR only (got '$dir' and '$1')" >&2; exit 2; }
       dir=$1;;
  esac
  shift
done
[ -n "$mode" ] || { echo "spdx.sh: give --check or --fix" >&2; usage >&2; exit 2; }
[ -n "$dir" ] || dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
git -C "$dir" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
  { echo "spdx.sh: '$dir' is not a git work tree" >&2; exit 2; }
dir=$(git -C "$dir" rev-parse --show-toplevel)

# comment_for PATH: prints "//" or "#" for a source file, nothing otherwise.
comment_for() {
  local path=$1 base=${1##*/} first=""
  case "$base" in
    *.h|*.hpp|*.cc|*.cpp|*.c|*.cc.in|*.h.in|*.cpp.in) echo "//"; return;;
    CMakeLists.txt|*.cmake|*.cmake.in|*.py|*.sh) echo "#"; return;;
    *.*) return;;
  esac
  IFS= read -r first <"$path" 2>/dev/null || true
  case "$first" in
    '#!'*bash*|'#!'*/sh|'#!'*' sh'|'#!'*python*) echo "#";;
  esac
}

# A results folder the suite made (it has run.json) is data, never source.
is_results_data() {
  local d=${1%/*}
  while [ "$d" != "$1" ] && [ -n "$d" ] && [ "$d" != . ]; do
    [ -f "$dir/$d/run.json" ] && return 0
    case "$d" in */*) d=${d%/*};; *) break;; esac
  done
  return 1
}

missing=()
while IFS= read -r -d '' rel; do
  path=$dir/$rel
  [ -f "$path" ] && [ ! -L "$path" ] || continue
  is_results_data "$rel" && continue
  c=$(comment_for "$path")
  [ -n "$c" ] || continue
  head -n 10 "$path" | grep -q "$want" && continue
  missing+=("$rel")
  if [ "$mode" = fix ]; then
    tmp=$(mktemp "$path.spdx.XXXXXX")
    {
      IFS= read -r first <"$path" || true
      case "$first" in
        '#!'*) printf '%s\n%s %s\n' "$first" "$c" "$want"; tail -n +2 "$path";;
        *) printf '%s %s\n' "$c" "$want"; cat "$path";;
      esac
    } >"$tmp"
    chmod --reference="$path" "$tmp"
    mv -f "$tmp" "$path"
  fi
done < <(git -C "$dir" ls-files -z --cached --others --exclude-standard | sort -zu)

if [ "$mode" = check ]; then
  if [ ${#missing[@]} -gt 0 ]; then
    printf '%s\n' "${missing[@]}"
    echo "spdx.sh: ${#missing[@]} source files lack '$want' in their first 10 lines (scripts/spdx.sh --fix adds it)" >&2
    exit 1
  fi
  echo "spdx.sh: every source file has '$want'"
else
  echo "spdx.sh: added '$want' to ${#missing[@]} files"
fi
