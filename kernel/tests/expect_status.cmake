# SPDX-License-Identifier: MIT
# expect_status.cmake (cmake -P): runs CMD; passes when it exits with STATUS.
#   -DCMD=<program> -DSTATUS=<n>
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc STREQUAL "${STATUS}")
  message(FATAL_ERROR "${out}\n${CMD} exited with '${rc}', expected ${STATUS}")
endif()
