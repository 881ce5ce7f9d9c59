# SPDX-License-Identifier: MIT
# kernel.example (cmake -P): installs this build of lastref into a scratch
# prefix, builds examples/kernel against it with find_package(lastref) and
# lastref_add_kernel_test, and asserts each verdict:
#   the reference race found by exhaustive search and by the fuzzer from an
#   empty corpus, the report naming dm_release.c; both fixes proven (dpor,
#   complete and unbounded); the waitqueue_active lost wake-up found under
#   c11 and its fix proven; on real threads under ThreadSanitizer the fixed
#   versions clean and the racy one reported. With LATENCY (lastref built
#   with its benchmarks): the builtin fix's unload path runs as rows
#   release_latency/<cell>/byo:dm_builtin beside lastref's builtin_release
#   and the timer-wakeup probe (a CI-sized run: the normal-releaser cells
#   of the quick matrix, 4 samples a row), the
#   report shows them under "Your benchmarks" and compare.py gates them.
#   -DBUILD_DIR -DSOURCE_DIR -DWORK_DIR -DCC -DCXX -DGENERATOR -DBUILD_TYPE
#   -DLATENCY=0|1
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

if(LATENCY)
  # The unload path in lastref's release-latency matrix, as
  # lastref_add_primitive's release smoke test checks a byo row.
  get_filename_component(repo ${SOURCE_DIR}/../.. ABSOLUTE)
  set(json ${WORK_DIR}/bench/dm_builtin_release_bench.json)
  set(rows "^release_latency/.*/byo:dm_builtin(/|$)" "^release_latency/.*/lastref:builtin_release(/|$)"
    "^release_latency/.*/ref:timer_wakeup_unloader(/|$)")
  # The normal-releaser cells only: a SCHED_IDLE releaser can wait seconds
  # for a CPU on a loaded CI machine before its first sample.
  set(args --lastref_matrix=quick --lastref_samples=4 --lastref_cap_ms=100 --lastref_burst_us=500
    --benchmark_repetitions=1
    "--benchmark_filter=^release_latency/normal_[^/]*/(byo:|lastref:builtin_release|ref:timer_wakeup_unloader)")
  # Not through run(): a function's ARGN would split the ;-lists apart.
  execute_process(COMMAND ${CMAKE_COMMAND} -DBENCH=${b}/dm_builtin_release_bench "-DARGS=${args}"
                          -DOUT=${json} "-DROWS=${rows}" -P ${repo}/byo/check_bench.cmake
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${out}\nkernel.example: dm_builtin_release_bench's rows (status ${rc})")
  endif()
  # The CI-sized arguments reached it: 4 samples a row, no other cell.
  file(READ ${json} json_text)
  if(NOT json_text MATCHES "\"samples\": 4" OR json_text MATCHES "sched_idle_")
    message(FATAL_ERROR "kernel.example: ${json} is not the CI-sized run")
  endif()
  step("dm_builtin_release_bench: byo:dm_builtin rows beside lastref:builtin_release and the timer probe")
  # ... in the report and the regression gate the way a user gives them
  # (./lastref run --include-bench DIR).
  find_program(py NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT py)
    find_program(py NAMES python3 REQUIRED)
  endif()
  foreach(r old new)
    file(MAKE_DIRECTORY ${WORK_DIR}/runs/${r}/byo_bench)
    file(COPY ${json} DESTINATION ${WORK_DIR}/runs/${r}/byo_bench)
  endforeach()
  run(${py} ${repo}/results/report.py --results ${WORK_DIR}/runs/new --no-html)
  file(READ ${WORK_DIR}/runs/new/REPORT.md report_md)
  if(NOT report_md MATCHES "Your benchmarks \\(role byo\\).*\\| dm_builtin \\| byo \\|")
    message(FATAL_ERROR "kernel.example: the report has no row dm_builtin under 'Your benchmarks'")
  endif()
  execute_process(COMMAND ${py} ${repo}/results/compare.py --all ${WORK_DIR}/runs/old
                          ${WORK_DIR}/runs/new
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "byo/[^\n]*byo:dm_builtin")
    message(FATAL_ERROR "${out}\nkernel.example: compare.py did not gate the byo:dm_builtin rows")
  endif()
  step("byo:dm_builtin in the report and in compare")
endif()
