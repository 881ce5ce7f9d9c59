# Sourced by ./lastref: makes sure the Debian packages lastref builds with are
# installed. As root with apt-get it installs what is missing; otherwise it
# names the packages and stops, changing nothing.

LASTREF_PACKAGES=(
  cmake ninja-build g++ clang-14 libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev libboost-context-dev
  python3 python3-matplotlib
)

lastref_missing_packages() {
  local p
  for p in "${LASTREF_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

lastref_ensure_deps() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "lastref: this machine has no dpkg; install by hand: ${LASTREF_PACKAGES[*]}" >&2
    return 2
  fi
  local missing
  missing=$(lastref_missing_packages | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
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
