# SPDX-License-Identifier: MIT
# byo.example (cmake -P): installs this build of lastref into a scratch
# prefix, builds examples/byo against it with find_package(lastref), runs
# the example's own tests (fuzz, stress, conformance, bench smoke), then
# checks the two fuzzers directly: the broken refcount's must fail with a
# lastref report of the expected kind, the correct one's must stay silent.
#   -DBUILD_DIR -DSOURCE_DIR -DWORK_DIR -DCXX -DGENERATOR -DBUILD_TYPE
#   -DFUZZ=ON|OFF -DRUNS=n -DLATENCY=ON|OFF (the install has the benchmarks)
# No compile or link flags are passed: what the example needs (sanitizers,
# libFuzzer's coverage runtime) must come with the installed package.
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()
function(step what)
  string(TIMESTAMP now "%s")
  math(EXPR secs "${now} - ${start}")
  message(STATUS "[${secs} s] ${what}")
endfunction()
string(TIMESTAMP start "%s")

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
step("installed lastref into ${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
step("configured examples/byo")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2)
step("built examples/byo")
run(${CMAKE_COMMAND} -E chdir ${WORK_DIR}/build ${CMAKE_CTEST_COMMAND} --output-on-failure -j2)
string(REGEX MATCH "[0-9]+% tests passed[^\n]*" summary "${out}")
step("example's own tests: ${summary}")
# The headline measurements reached the user's primitives: the latency
# smoke tests exist and passed (each checks its byo rows ran beside
# lastref's, a peer's and the limit's).
foreach(t my_completion.bench.wake.smoke my_completion.bench.pingpong.smoke
          my_completion.bench.release.smoke my_module.bench.release.smoke
          my_refcount.bench.release.smoke)
  if(LATENCY AND NOT out MATCHES "${t} [.]+ *Passed")
    message(FATAL_ERROR "${out}\nbyo.example: ${t} did not run and pass")
  endif()
endforeach()

# The prove step ran: every schedule of lastref's named scenarios searched
# (DPOR) on the correct primitives, and the broken refcount's counterexample.
foreach(t my_refcount.prove.kref.lookup3 my_completion.prove.completion.completion1x2
          lost_inc_refcount.prove.kref.lookup3)
  if(FUZZ AND NOT out MATCHES "${t} [.]+ *Passed")
    message(FATAL_ERROR "${out}\nbyo.example: ${t} did not run and pass")
  endif()
endforeach()

# ... and their rows reach the report and the regression gate the way a
# user gives them (./lastref run --include-bench DIR): the report shows them
# with role byo, and compare.py reads them from RESULTS/byo_bench/.
if(LATENCY)
  file(GLOB latency_json ${WORK_DIR}/build/lastref_byo_work/*_bench.json)
  if(NOT latency_json)
    message(FATAL_ERROR "byo.example: the latency smoke tests left no JSON in lastref_byo_work/")
  endif()
  get_filename_component(repo ${SOURCE_DIR}/../.. ABSOLUTE)
  # compare.py needs Debian's scipy: prefer the system interpreter.
  find_program(py NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT py)
    find_program(py NAMES python3 REQUIRED)
  endif()
  file(REMOVE_RECURSE ${WORK_DIR}/runs)
  foreach(run old new)
    file(MAKE_DIRECTORY ${WORK_DIR}/runs/${run}/byo_bench)
    file(COPY ${latency_json} DESTINATION ${WORK_DIR}/runs/${run}/byo_bench)
  endforeach()
  run(${py} ${repo}/results/report.py --results ${WORK_DIR}/runs/new --no-html)
  file(READ ${WORK_DIR}/runs/new/REPORT.md report_md)
  foreach(row my_completion my_module my_refcount)
    if(NOT report_md MATCHES "Your benchmarks \\(role byo\\).*\\| ${row} \\| byo \\|")
      message(FATAL_ERROR "byo.example: the report has no row ${row} under 'Your benchmarks'")
    endif()
  endforeach()
  run(${py} ${repo}/results/compare.py --all ${WORK_DIR}/runs/old ${WORK_DIR}/runs/new)
  if(NOT out MATCHES "byo/[^\n]*byo:my_completion")
    message(FATAL_ERROR "${out}\nbyo.example: compare.py did not gate the byo rows")
  endif()
  step("latency rows in the report and in compare (role byo)")
endif()

if(FUZZ)
  file(MAKE_DIRECTORY ${WORK_DIR}/corpus-bug ${WORK_DIR}/corpus-ok)
  set(fuzzer ${WORK_DIR}/build/lost_inc_refcount_kref_fuzzer)
  execute_process(COMMAND ${fuzzer} -runs=${RUNS} -seed=7 -max_len=128 -len_control=0
                          -artifact_prefix=${WORK_DIR}/ ${WORK_DIR}/corpus-bug
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0 OR NOT out MATCHES "found a bug"
     OR NOT out MATCHES "FAILURE \\[(data_race|use_after_free|invariant)\\]")
    message(FATAL_ERROR "${out}\nbyo.example: lost_inc_refcount was not caught (status ${rc})")
  endif()
  string(REGEX MATCH "FAILURE \\[[a-z_]+\\][^\n]*" report "${out}")
  step("lost_inc_refcount caught: ${report}")
  # Its replay line names a command of this build that replays the finding.
  if(NOT out MATCHES "\nreplay: ([^\n]*) <crash file>")
    message(FATAL_ERROR "${out}\nbyo.example: the report has no replay line")
  endif()
  separate_arguments(hint UNIX_COMMAND "${CMAKE_MATCH_1}")
  file(GLOB crash ${WORK_DIR}/crash-*)
  list(GET crash 0 crash)
  execute_process(COMMAND ${hint} ${crash} RESULT_VARIABLE rc OUTPUT_VARIABLE rout ERROR_VARIABLE rout)
  if(NOT rc EQUAL 1 OR NOT rout MATCHES "verdict: FAIL")
    message(FATAL_ERROR "${rout}\nbyo.example: the replay line (${hint} ${crash}) did not reproduce it")
  endif()
  string(REGEX MATCH "verdict: FAIL[^\n]*" verdict "${rout}")
  step("its replay line reproduced it: ${verdict}")
  # lastref's own tools are installed too.
  foreach(tool lastref-replay lastref-minimize)
    run(${WORK_DIR}/prefix/bin/${tool} --help)
  endforeach()
  step("lastref-replay and lastref-minimize are installed")
  execute_process(COMMAND ${WORK_DIR}/build/my_refcount_kref_fuzzer -runs=${RUNS} -seed=7
                          -max_len=128 -len_control=0 -artifact_prefix=${WORK_DIR}/
                          ${WORK_DIR}/corpus-ok
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0 OR out MATCHES "found a bug")
    message(FATAL_ERROR "${out}\nbyo.example: the correct my_refcount was reported (status ${rc})")
  endif()
  step("my_refcount: ${RUNS} inputs, silent")
endif()

# The broken refcount on real threads (informational: a real-thread run
# finds a bug only by chance, so only the model's verdict is asserted).
execute_process(COMMAND ${WORK_DIR}/build/lost_inc_refcount_stress --iterations=200 --threads=4
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
string(REGEX MATCH "[0-9]+ rounds, [0-9]+ failures?" stress "${out}")
step("lost_inc_refcount stress (real threads, exit ${rc}): ${stress}")
