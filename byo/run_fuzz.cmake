# SPDX-License-Identifier: MIT
# CTest driver of a lastref_add_primitive fuzz test (cmake -P), for the
# libFuzzer and the standalone builds alike (same flags). Bounded by -runs.
#   -DFUZZER=exe -DWORK=dir -DRUNS=n -DSEED=n -DMODE=clean|find [-DEXPECT=regex]
#   [-DALLOW=op;op|ALL]
# clean: the run must end with status 0 (no failure), and every operation of
#        the user's type must have run at least once (the fuzzer writes its
#        counts to WORK/op_counts.json at exit), except those in ALLOW
#        (lastref_add_primitive's ALLOW_UNEXECUTED): an operation no
#        scenario reached can hide any bug, so "no failure" says nothing
#        about it.
# find:  the run must fail (non-zero status) and print lastref's
#        "found a bug" report whose output matches EXPECT, and the report's
#        `replay:` line, run as printed on the crash file, must reproduce
#        the failure (exit 1, "verdict: FAIL").
cmake_minimum_required(VERSION 3.25)  # IN_LIST
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env LASTREF_OP_COUNTS=${WORK}/op_counts.json
          ${FUZZER} -runs=${RUNS} -seed=${SEED} -max_len=128 -len_control=0
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
  if(NOT EXISTS ${WORK}/op_counts.json)
    message(FATAL_ERROR "${tail}\nrun_fuzz: ${FUZZER} wrote no operation counts")
  endif()
  file(READ ${WORK}/op_counts.json counts)
  string(JSON never_n LENGTH "${counts}" never_executed)
  set(missing "")
  if(never_n GREATER 0)
    math(EXPR last "${never_n} - 1")
    foreach(i RANGE ${last})
      string(JSON op GET "${counts}" never_executed ${i})
      if(NOT "ALL" IN_LIST ALLOW AND NOT op IN_LIST ALLOW)
        list(APPEND missing ${op})
      endif()
    endforeach()
  endif()
  string(REGEX MATCH "lastref: operations of [^\n]*" line "${out}")
  if(missing)
    string(REPLACE ";" " " missing_words "${missing}")
    message(FATAL_ERROR "${tail}\nrun_fuzz: no failure in ${RUNS} runs, but some operations\n"
      "  never executed: ${missing_words}\n"
      "No scenario reached them, so a bug there cannot have been found. If no "
      "scenario can (see byo/README.md, \"Operation counts\"), say so with "
      "ALLOW_UNEXECUTED ${missing_words} in lastref_add_primitive.")
  endif()
  message(STATUS "run_fuzz: ${RUNS} runs, no failure\n${line}")
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
