# Sourced by ./lastref and scripts/run_suite.sh: makes sure the Debian
# packages lastref builds with are installed. As root with apt-get it
# installs what is missing; otherwise it names the packages, changing nothing.
#
#   lastref_ensure_deps       every package, or fail (exit status 2): `test`
#   lastref_ensure_deps_soft  install what it can; warn about the rest (the
#                             main job skips the stages that need them)

LASTREF_PACKAGES=(
  cmake ninja-build g++ clang-14 libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev libboost-context-dev
  libboost-dev liburcu-dev libabsl-dev
  python3 python3-matplotlib python3-scipy python3-markdown python3-yaml
)

# LASTREF_PRETEND_MISSING="pkg ..." makes those packages count as missing and
# LASTREF_NO_INSTALL=1 forbids installing: the tests of the skip path use them.
pkg_installed() {
  case " ${LASTREF_PRETEND_MISSING:-} " in *" $1 "*) return 1;; esac
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

lastref_missing_packages() {
  local p
  for p in "${LASTREF_PACKAGES[@]}"; do
    pkg_installed "$p" || echo "$p"
  done
}

# lastref_install_missing: 0 when nothing is missing afterwards, 2 otherwise.
lastref_install_missing() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "lastref: this machine has no dpkg; install by hand: ${LASTREF_PACKAGES[*]}" >&2
    return 2
  fi
  local missing
  missing=$(lastref_missing_packages | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
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
}

lastref_ensure_deps() { lastref_install_missing; }

lastref_ensure_deps_soft() {
  lastref_install_missing && return 0
  echo "lastref: going on without them; the stages that need them are skipped and marked in the report" >&2
  return 0
}
