#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# OSS-Fuzz / ClusterFuzzLite build script for lastref's fuzz targets.
#
# Uses the environment OSS-Fuzz sets: CC, CXX, CFLAGS, CXXFLAGS (sanitizer
# and -fsanitize=fuzzer-no-link), LIB_FUZZING_ENGINE (link flags of the
# engine), OUT (where targets go), SRC (sources: $SRC/lastref, else this
# script's repository), WORK (scratch). Writes to $OUT, per target:
#   <target>                    the fuzzer
#   <target>_seed_corpus.zip    fuzz/corpus/<target>/
#   <target>.dict               fuzz/dicts/<target>.dict
#   <target>.options            fuzz/options/<target>.options
# Needs cmake >= 3.25 and Boost.Context (static: runners lack the .so).
# Run locally with fuzz/tests/oss_fuzz_build_test.sh.
: "${CXX:?set CXX}" "${OUT:?set OUT}" "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
CXXFLAGS=${CXXFLAGS:-}
WORK=${WORK:-/tmp/lastref-work}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -n "${SRC:-}" ] && [ -f "$SRC/lastref/CMakeLists.txt" ]; then root=$SRC/lastref; else root=$here; fi
targets="kref_fuzzer completion_fuzzer module_unload_fuzzer mixed_fuzzer"
jobs=${LASTREF_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
build=$WORK/lastref-build
mkdir -p "$build" "$OUT"
# No build type: CXXFLAGS decide optimisation. No LASTREF_SANITIZER: the
# sanitizers come from CXXFLAGS too. No instrumentation flags of our own.
cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCMAKE_BUILD_TYPE= \
  -DLASTREF_FUZZ_ENGINE=libfuzzer -DLASTREF_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DLASTREF_FUZZ_INSTRUMENT= -DLASTREF_SANITIZER= -DBoost_USE_STATIC_LIBS=ON \
  -DLASTREF_BUILD_TESTS=OFF -DLASTREF_BUILD_BENCH=OFF -DLASTREF_BUILD_TSAN=OFF \
  -DLASTREF_WERROR=OFF
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $targets

zip_dir() {  # zip_dir ARCHIVE DIR: the files of DIR, flat
  if command -v zip >/dev/null 2>&1; then
    rm -f "$1" && (cd "$2" && zip -q -j "$1" ./*)
  else
    python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
archive, folder = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            z.write(path, name)
PY
  fi
}

for t in $targets; do
  cp "$build/fuzz/$t" "$OUT/$t"
  cp "$root/fuzz/dicts/$t.dict" "$OUT/$t.dict"
  cp "$root/fuzz/options/$t.options" "$OUT/$t.options"
  zip_dir "$OUT/${t}_seed_corpus.zip" "$root/fuzz/corpus/$t"
done
echo "lastref: built $targets into $OUT"
