# SPDX-License-Identifier: MIT
# Configures cmake/tests/subproject (lastref via add_subdirectory) with
# GoogleTest and Google Benchmark made unfindable, checks that lastref
# registered no tests there, then builds and runs the consumer.
#   -DLASTREF_SOURCE_DIR -DSOURCE_DIR -DWORK_DIR -DCXX -DGENERATOR
#   [-DEXTRA=<cache args>]  (the test of this test passes -DLASTREF_BUILD_TESTS=ON)
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()
separate_arguments(extra UNIX_COMMAND "${EXTRA}")
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DLASTREF_SOURCE_DIR=${LASTREF_SOURCE_DIR}
    -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON ${extra})
run(${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR} -N)
if(NOT out MATCHES "Total Tests: 0")
  message(FATAL_ERROR "lastref as a subproject registered tests:\n${out}")
endif()
run(${CMAKE_COMMAND} --build ${WORK_DIR} --target consumer)
run(${WORK_DIR}/consumer)
message(STATUS "subproject: configured without GoogleTest/benchmark, no tests, consumer ran")
