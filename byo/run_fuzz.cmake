# SPDX-License-Identifier: MIT
# CTest driver of a lastref_add_primitive fuzz test (cmake -P), for the
# libFuzzer and the standalone builds alike (same flags). Bounded by -runs.
#   -DFUZZER=exe -DWORK=dir -DRUNS=n -DSEED=n -DMODE=clean|find [-DEXPECT=regex]
# clean: the run must end with status 0 (no failure).
# find:  the run must fail (non-zero status) and print lastref's
#        "found a bug" report whose output matches EXPECT, and the report's
#        `replay:` line, run as printed on the crash file, must reproduce
#        the failure (exit 1, "verdict: FAIL").
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
  # The report's replay line must be a command that replays the finding in
  # this build: run it, as printed, on the crash file the run wrote.
  if(NOT out MATCHES "\nreplay: ([^\n]*) <crash file>")
    message(FATAL_ERROR "${tail}\nrun_fuzz: the report has no replay line")
  endif()
  set(hint "${CMAKE_MATCH_1}")
  file(GLOB crashes ${WORK}/crash-*)
  if(NOT crashes)
    message(FATAL_ERROR "${tail}\nrun_fuzz: the run wrote no crash file in ${WORK}")
  endif()
  list(GET crashes 0 crash)
  separate_arguments(words UNIX_COMMAND "${hint}")
  set(env "")
  set(cmd "")
  foreach(w IN LISTS words)  # leading NAME=value words are the environment
    if(NOT cmd AND w MATCHES "^[A-Z_][A-Z0-9_]*=")
      list(APPEND env "${w}")
    else()
      list(APPEND cmd "${w}")
    endif()
  endforeach()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${env} ${cmd} ${crash}
                  RESULT_VARIABLE replay_rc OUTPUT_VARIABLE replay_out ERROR_VARIABLE replay_out)
  file(WRITE ${WORK}/replay.log "${replay_out}")
  if(NOT replay_rc EQUAL 1 OR NOT replay_out MATCHES "verdict: FAIL")
    message(FATAL_ERROR "${replay_out}\nrun_fuzz: the printed replay command\n  ${hint} ${crash}\n"
                        "did not reproduce the failure (status ${replay_rc}; 1 and a FAIL verdict expected)")
  endif()
  string(REGEX MATCH "verdict: FAIL[^\n]*" verdict "${replay_out}")
  message(STATUS "${tail}\nrun_fuzz: found the expected bug (status ${rc})\n"
                 "run_fuzz: its replay line, run as printed, reproduced it: ${verdict}")
else()
  message(FATAL_ERROR "run_fuzz: MODE must be clean or find")
endif()
