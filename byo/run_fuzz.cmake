# SPDX-License-Identifier: MIT
# CTest driver of a lastref_add_primitive fuzz test (cmake -P), for the
# libFuzzer and the standalone builds alike (same flags). Bounded by -runs.
#   -DFUZZER=exe -DWORK=dir -DRUNS=n -DSEED=n -DMODE=clean|find [-DEXPECT=regex]
# clean: the run must end with status 0 (no failure).
# find:  the run must fail (non-zero status) and print lastref's
#        "found a bug" report whose output matches EXPECT.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
execute_process(
  COMMAND ${FUZZER} -runs=${RUNS} -seed=${SEED} -max_len=128 -len_control=0
          -artifact_prefix=${WORK}/ ${WORK}/corpus
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
file(WRITE ${WORK}/log "${out}")
string(LENGTH "${out}" len)
if(len GREATER 6000)
  math(EXPR from "${len} - 6000")
  string(SUBSTRING "${out}" ${from} -1 tail)
else()
  set(tail "${out}")
endif()
if(MODE STREQUAL "clean")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${tail}\nrun_fuzz: ${FUZZER} failed (${rc}) on a primitive registered as correct")
  endif()
  message(STATUS "run_fuzz: ${RUNS} runs, no failure")
elseif(MODE STREQUAL "find")
  if(rc EQUAL 0)
    message(FATAL_ERROR "${tail}\nrun_fuzz: no failure within ${RUNS} runs (seed ${SEED}); the bug was expected")
  endif()
  if(NOT out MATCHES "found a bug" OR NOT out MATCHES "${EXPECT}")
    message(FATAL_ERROR "${tail}\nrun_fuzz: failed (${rc}) but without a lastref report matching /${EXPECT}/")
  endif()
  message(STATUS "${tail}\nrun_fuzz: found the expected bug (status ${rc})")
else()
  message(FATAL_ERROR "run_fuzz: MODE must be clean or find")
endif()
