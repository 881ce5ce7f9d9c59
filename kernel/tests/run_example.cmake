# SPDX-License-Identifier: MIT
# kernel.example (cmake -P): installs this build of lastref into a scratch
# prefix, builds examples/kernel against it with find_package(lastref) and
# lastref_add_kernel_test, and asserts each verdict:
#   the reference race found by exhaustive search and by the fuzzer from an
#   empty corpus, the report naming dm_release.c; both fixes proven (dpor,
#   complete and unbounded); the waitqueue_active lost wake-up found under
#   c11 and its fix proven; on real threads under ThreadSanitizer the fixed
#   versions clean and the racy one reported.
#   -DBUILD_DIR -DSOURCE_DIR -DWORK_DIR -DCC -DCXX -DGENERATOR -DBUILD_TYPE
file(REMOVE_RECURSE ${WORK_DIR})
string(TIMESTAMP start "%s")
function(step what)
  string(TIMESTAMP now "%s")
  math(EXPR secs "${now} - ${start}")
  message(STATUS "[${secs} s] ${what}")
endfunction()
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
endfunction()
# verdict(<want: ok|fail> <regex> <command...>)
function(verdict want regex)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if((want STREQUAL "ok" AND NOT rc EQUAL 0) OR (want STREQUAL "fail" AND rc EQUAL 0)
     OR NOT out MATCHES "${regex}")
    message(FATAL_ERROR "${out}\nkernel.example: '${ARGN}' exited ${rc}, expected ${want} matching '${regex}'")
  endif()
  string(REGEX MATCH "(complete|FAILED|FAILURE|SUMMARY|[0-9]+ iterations)[^\n]*" line "${out}")
  list(GET ARGN 0 exe)
  get_filename_component(exe ${exe} NAME)
  step("${exe}: ${line}")
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
step("installed lastref into ${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
step("configured examples/kernel")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2)
step("built examples/kernel")

set(b ${WORK_DIR}/build)
verdict(ok "FAILURE \\[unloaded_text\\][^\n]*dm_release\\.c" ${b}/dm_bug_model --expect=found)
verdict(ok "complete: every schedule explored" ${b}/dm_builtin_model --expect=proof)
verdict(ok "FAILURE \\[unloaded_text\\][^\n]*worker_bug\\.c" ${b}/worker_bug_model --expect=found)
verdict(ok "complete: every schedule explored" ${b}/worker_fix_model --expect=proof)
verdict(ok "FAILURE \\[deadlock\\]" ${b}/wq_bug_model --memory=c11 --expect=found)
verdict(ok "complete: every schedule explored" ${b}/wq_fix_model --memory=c11 --expect=proof)
verdict(ok "FAILURE \\[data_race\\][^\n]*racy\\.c" ${b}/racy_model --expect=found)
file(MAKE_DIRECTORY ${WORK_DIR}/empty)
verdict(fail "FAILURE \\[unloaded_text\\][^\n]*dm_release\\.c" ${b}/dm_bug_fuzz -runs=20000 -seed=1
        -max_len=64 -artifact_prefix=${WORK_DIR}/ ${WORK_DIR}/empty)
verdict(ok "" ${b}/dm_builtin_fuzz -runs=20000 -seed=1 -max_len=64 ${WORK_DIR}/empty)
if(EXISTS ${b}/racy_tsan)
  verdict(ok "0 warnings" ${b}/dm_builtin_tsan --iterations=200)
  verdict(ok "0 warnings" ${b}/worker_fix_tsan --iterations=200)
  verdict(ok "0 warnings" ${b}/wq_fix_tsan --iterations=200)
  verdict(fail "SUMMARY: ThreadSanitizer: data race[^\n]*racy\\.c" ${b}/racy_tsan --iterations=50)
else()
  step("no <name>_tsan targets: the compilers do not link -fsanitize=thread")
endif()
