# SPDX-License-Identifier: MIT
# Sourced by ./lastref and scripts/run_suite.sh: makes sure the Debian
# packages lastref builds with are installed. As root with apt-get it
# installs what is missing; otherwise it names the packages, changing nothing.
#
#   lastref_ensure_deps       every package, or fail (exit status 2): `test`
#   lastref_ensure_deps_soft  install what it can; warn about the rest (the
#                             main job skips the stages that need them)
# Both export LASTREF_CLANG, the clang the fuzz and tsan presets build with
# (cmake/LastrefCompiler.cmake reads it), unless the caller set it.
#
# Elsewhere than Debian 12 the same things are needed under other names:
# CMake 3.25+, Ninja, g++ 12+ (or clang), clang 14+ with its libFuzzer and
# sanitizer runtimes, GoogleTest/GMock, Google Benchmark, Boost.Context,
# liburcu, Abseil, CLI11, nlohmann-json, Python 3 with matplotlib and scipy.

LASTREF_PACKAGES=(
  cmake ninja-build g++
  libgtest-dev libgmock-dev libbenchmark-dev libboost-context-dev
  libboost-dev liburcu-dev libabsl-dev libcli11-dev nlohmann-json3-dev
  python3 python3-matplotlib python3-scipy python3-markdown python3-yaml
)
LASTREF_MIN_CLANG=14

# LASTREF_PRETEND_MISSING="pkg ..." makes those packages count as missing and
# LASTREF_NO_INSTALL=1 forbids installing: the tests of the skip path use them.
pkg_installed() {
  case " ${LASTREF_PRETEND_MISSING:-} " in *" $1 "*) return 1;; esac
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# lastref_find_clang: prints the clang++ the clang presets use: $LASTREF_CLANG
# if set, else the newest clang++-N / clang++ on PATH with N >= 14 (the
# choice cmake/LastrefCompiler.cmake makes). A clang-N package named in
# LASTREF_PRETEND_MISSING hides that version. Prints nothing if none.
lastref_find_clang() {
  if [ -n "${LASTREF_CLANG:-}" ]; then echo "$LASTREF_CLANG"; return; fi
  local n c path ver major best="" best_major=0
  for n in $(seq 30 -1 "$LASTREF_MIN_CLANG") ""; do
    c=clang++${n:+-$n}
    path=$(command -v "$c" 2>/dev/null) || continue
    ver=$("$path" -dumpversion 2>/dev/null) || continue
    major=${ver%%.*}
    case "$major" in ''|*[!0-9]*) continue;; esac
    case " ${LASTREF_PRETEND_MISSING:-} " in *" clang-$major "*) continue;; esac
    if [ "$major" -ge "$LASTREF_MIN_CLANG" ] && [ "$major" -gt "$best_major" ]; then
      best=$path best_major=$major
    fi
  done
  echo "$best"
}

# lastref_clang_links_fuzzer CLANG: 0 when CLANG links a libFuzzer + ASan +
# UBSan binary (the runtimes are a package of their own on Debian).
lastref_clang_links_fuzzer() {
  local tmp rc=0
  tmp=$(mktemp -d) || return 1
  printf '%s\n' 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
    "$1" -x c++ - -fsanitize=fuzzer,address,undefined -o "$tmp/probe" >/dev/null 2>&1 || rc=1
  rm -rf "$tmp"
  return "$rc"
}

# lastref_clang_packages: the Debian packages the clang presets need. With
# clang 14 (Debian 12) or no clang at all: clang-14 and its runtimes. With a
# newer clang already there: nothing, or its runtimes if it cannot link
# libFuzzer (libclang-rt-N-dev, Debian 13 and Ubuntu's name).
lastref_clang_packages() {
  local c major
  c=$(lastref_find_clang)
  major=$([ -n "$c" ] && "$c" -dumpversion 2>/dev/null | cut -d. -f1)
  if [ -z "$c" ] || [ "$major" = 14 ]; then
    echo "clang-14 libclang-rt-14-dev"
  elif ! lastref_clang_links_fuzzer "$c"; then
    echo "libclang-rt-$major-dev"
  fi
}

lastref_missing_packages() {
  local p
  # shellcheck disable=SC2046
  for p in "${LASTREF_PACKAGES[@]}" $(lastref_clang_packages); do
    pkg_installed "$p" || echo "$p"
  done
}

lastref_export_clang() {
  local c
  c=$(lastref_find_clang)
  [ -z "$c" ] || export LASTREF_CLANG="$c"
}

# lastref_install_missing: 0 when nothing is missing afterwards, 2 otherwise.
lastref_install_missing() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "lastref: this machine has no dpkg; install by hand the equivalents of: ${LASTREF_PACKAGES[*]} $(lastref_clang_packages)" >&2
    echo "lastref: (clang 14+ with libFuzzer; g++ 12+; see scripts/deps.sh)" >&2
    lastref_export_clang
    return 2
  fi
  local missing
  missing=$(lastref_missing_packages | tr '\n' ' ')
  if [ -z "${missing// /}" ]; then lastref_export_clang; return 0; fi
  if [ "$(id -u)" != 0 ] || [ -n "${LASTREF_NO_INSTALL:-}" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "lastref: missing Debian packages: $missing" >&2
    echo "lastref: install them with: sudo apt-get install -y $missing" >&2
    return 2
  fi
  echo "lastref: installing missing Debian packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update && apt-get install -y --no-install-recommends $missing || {
      echo "lastref: apt-get could not install: $missing" >&2
      return 2
    }
  fi
  lastref_export_clang
}

lastref_ensure_deps() { lastref_install_missing; }

lastref_ensure_deps_soft() {
  lastref_install_missing && return 0
  echo "lastref: going on without them; the stages that need them are skipped and marked in the report" >&2
  return 0
}
