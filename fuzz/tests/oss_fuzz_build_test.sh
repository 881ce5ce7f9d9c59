#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs fuzz/build.sh the way OSS-Fuzz does (its environment variables, a
# scratch OUT/WORK, the source under $SRC/lastref), checks that every
# target, seed corpus zip, dictionary and options file landed in $OUT, then
# runs each target briefly (bounded by -runs) on its seed corpus.
#   oss_fuzz_build_test.sh SOURCE_ROOT SCRATCH_DIR
set -u
root=$1 scratch=$2
rm -rf "$scratch" && mkdir -p "$scratch/src" "$scratch/out" "$scratch/work" || exit 1
ln -s "$root" "$scratch/src/lastref"
flags="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
env CC=clang-14 CXX=clang++-14 CFLAGS="$flags" CXXFLAGS="$flags" \
  LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER=address FUZZING_ENGINE=libfuzzer \
  ARCHITECTURE=x86_64 OUT="$scratch/out" SRC="$scratch/src" WORK="$scratch/work" \
  LASTREF_BUILD_JOBS=2 bash "$root/fuzz/build.sh" >"$scratch/build.log" 2>&1
status=$?
tail -n 5 "$scratch/build.log"
if [ $status -ne 0 ]; then
  tail -n 60 "$scratch/build.log"
  echo "oss_fuzz_build_test: build.sh failed ($status)" >&2
  exit 1
fi
fail=0
for t in kref_fuzzer completion_fuzzer module_unload_fuzzer mixed_fuzzer; do
  for f in "$t" "$t.dict" "$t.options" "${t}_seed_corpus.zip"; do
    [ -s "$scratch/out/$f" ] || { echo "missing \$OUT/$f" >&2; fail=1; }
  done
  [ $fail -eq 0 ] || continue
  mkdir -p "$scratch/run/$t/seeds" "$scratch/run/$t/corpus"
  python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" \
    "$scratch/out/${t}_seed_corpus.zip" "$scratch/run/$t/seeds" || fail=1
  # As the runner does: options from the .options file, the dict, the seeds.
  if ! (cd "$scratch/out" && "./$t" -runs=2000 -seed=1 -dict="$t.dict" -max_len=128 \
        -artifact_prefix="$scratch/run/$t/" "$scratch/run/$t/corpus" "$scratch/run/$t/seeds" \
        >"$scratch/run/$t.log" 2>&1); then
    tail -n 40 "$scratch/run/$t.log"
    echo "oss_fuzz_build_test: $t failed" >&2
    fail=1
  else
    echo "$t: $(grep -c . "$scratch/run/$t.log") log lines, ok"
  fi
done
exit $fail
