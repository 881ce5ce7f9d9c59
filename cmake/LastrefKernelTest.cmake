# SPDX-License-Identifier: MIT
# lastref_add_kernel_test(): test kernel-style C with lastref (kernel/README.md).
#
#   lastref_add_kernel_test(NAME <name>
#     TEST <test.c>                      LASTREF_THREAD / LASTREF_SETUP / LASTREF_CHECK
#     [MODULE_SOURCES <file.c>...]       module code: its functions are module text
#     [BUILTIN_SOURCES <file.c>...]      builtin kernel code
#     [BENCH_UNLOADER <thread>]          the LASTREF_THREAD that unloads
#                                        (default: unloader)
#     [NO_MODEL] [NO_FUZZ] [NO_TSAN] [NO_BENCH])
#
# builds, from the same C files:
#   <name>_model   the model-checked driver (dpor / dfs / random / pct search,
#                  --help); needs a lastref with the model (not a TSan build)
#   <name>_fuzz    the schedule fuzzer: libFuzzer when lastref was built for it
#                  (clang), else a replay / random-input main
#   <name>_tsan    the real-thread stress run under ThreadSanitizer
#                  (--iterations=N), when the C and C++ compilers link
#                  -fsanitize=thread
#   <name>_release_bench  lastref's release-latency-under-priority-contention
#                  suite with the user's unload path as one more row per
#                  cell, release_latency/<cell>/byo:<name>, beside lastref's
#                  strategies and the timer-wakeup probes (the test's C on
#                  real threads, -O2, no sanitizer; kernel/README.md,
#                  "Benchmark"); when lastref was built with its benchmarks.
#                  The test needs a BENCH_UNLOADER thread that unloads the
#                  module and at least one other thread (the releasers).
# Every run (model execution, stress iteration, benchmark sample) starts
# from the globals of the user's C as they were at program start: their
# .data and .bss, linked between two marker objects, are saved and copied
# back (LASTREF_KERNEL_KEEP_GLOBALS=1 in the environment keeps them).
# The user's C is compiled with -fsanitize=thread for the model too, but
# linked without the TSan runtime: the model provides the __tsan_* callbacks
# and checks every plain access against its happens-before and its freed
# blocks. Module sources are also compiled with -finstrument-functions: the
# entry and the return of each of their functions is tracked as module text.
# The project must enable C (project(... LANGUAGES C CXX)).
include_guard(GLOBAL)
include(CheckCSourceCompiles)

if(NOT DEFINED LASTREF_KERNEL_SOURCE_DIR)
  set(LASTREF_KERNEL_SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}/kernel)
endif()

function(_lastref_kernel_bad msg)
  message(FATAL_ERROR "lastref_add_kernel_test: ${msg}")
endfunction()

function(lastref_add_kernel_test)
  cmake_parse_arguments(K "NO_MODEL;NO_FUZZ;NO_TSAN;NO_BENCH" "NAME;TEST;BENCH_UNLOADER"
    "MODULE_SOURCES;BUILTIN_SOURCES" ${ARGN})
  if(K_UNPARSED_ARGUMENTS)
    _lastref_kernel_bad("unknown arguments: ${K_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT K_NAME)
    _lastref_kernel_bad("NAME is required")
  endif()
  if(NOT K_TEST)
    _lastref_kernel_bad("${K_NAME}: TEST <test.c> is required")
  endif()
  if(NOT K_BENCH_UNLOADER)
    set(K_BENCH_UNLOADER unloader)
  elseif(NOT K_BENCH_UNLOADER MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    _lastref_kernel_bad("${K_NAME}: BENCH_UNLOADER must name a LASTREF_THREAD (a C identifier): ${K_BENCH_UNLOADER}")
  endif()
  if(NOT CMAKE_C_COMPILER_LOADED)
    _lastref_kernel_bad("${K_NAME}: the project must enable C (project(... LANGUAGES C CXX))")
  endif()
  foreach(f ${K_TEST} ${K_MODULE_SOURCES} ${K_BUILTIN_SOURCES})
    get_filename_component(abs ${f} ABSOLUTE)
    if(NOT EXISTS ${abs})
      _lastref_kernel_bad("${K_NAME}: no such source file: ${f}")
    endif()
  endforeach()
  set(n ${K_NAME})
  # A call to an undeclared function is an error, as in the kernel's own
  # build (-Werror=implicit-function-declaration): a missing include of an
  # API header otherwise compiles and fails only at link time, far from it.
  set(cflags -fsanitize=thread -fexceptions -g -fno-omit-frame-pointer
      $<$<COMPILE_LANGUAGE:C>:-Werror=implicit-function-declaration>)
  set(engine ${LASTREF_FUZZ_ENGINE})
  if(NOT engine AND DEFINED lastref_FUZZ_ENGINE)
    set(engine ${lastref_FUZZ_ENGINE})
  endif()
  # libFuzzer's coverage feedback from the user's own C goes only into the
  # fuzzer's objects: the model binary links no sanitizer-coverage runtime,
  # so the same objects in it would leave __sanitizer_cov_* undefined.
  set(fuzz_cflags ${cflags})
  set(fuzz_own_objects FALSE)
  if(engine STREQUAL "libfuzzer" AND CMAKE_C_COMPILER_ID STREQUAL "Clang")
    list(APPEND fuzz_cflags -fsanitize=fuzzer-no-link)
    set(fuzz_own_objects TRUE)
  endif()

  set(gbegin ${LASTREF_KERNEL_SOURCE_DIR}/globals_begin.c)
  set(gend ${LASTREF_KERNEL_SOURCE_DIR}/globals_end.c)

  # ---- model and fuzzer -------------------------------------------------------
  if(NOT K_NO_MODEL AND TARGET lastref::kernel_model)
    # The user's C as object libraries <n>_<kind>_rest (+ _module), compiled
    # with `flags`; their objects in link order in <out>. The globals
    # markers come first and last: every run resets what lies between them
    # (linux.c, "the user's globals").
    function(_lastref_kernel_objects kind flags out)
      if(K_MODULE_SOURCES)
        add_library(${n}_${kind}_rest OBJECT ${gbegin} ${K_TEST} ${K_BUILTIN_SOURCES})
        add_library(${n}_${kind}_module OBJECT ${K_MODULE_SOURCES} ${gend})
        set(libs ${n}_${kind}_rest ${n}_${kind}_module)
      else()
        add_library(${n}_${kind}_rest OBJECT ${gbegin} ${K_TEST} ${K_BUILTIN_SOURCES} ${gend})
        set(libs ${n}_${kind}_rest)
      endif()
      set(objs)
      foreach(o ${libs})
        list(APPEND objs $<TARGET_OBJECTS:${o}>)
        set_target_properties(${o} PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
        target_include_directories(${o} PRIVATE
          $<TARGET_PROPERTY:lastref::kernel_headers,INTERFACE_INCLUDE_DIRECTORIES>)
        # Exactly these flags: a directory's sanitizer options (lastref's own
        # ASan build, add_compile_options) cannot be combined with TSan's.
        set_property(TARGET ${o} PROPERTY COMPILE_OPTIONS ${flags})
      endforeach()
      if(K_MODULE_SOURCES)
        target_compile_options(${n}_${kind}_module PRIVATE -finstrument-functions)
      endif()
      set(${out} ${objs} PARENT_SCOPE)
    endfunction()
    _lastref_kernel_objects(model "${cflags}" objs)
    set(fuzz_objs ${objs})
    if(fuzz_own_objects AND NOT K_NO_FUZZ)
      _lastref_kernel_objects(fuzz "${fuzz_cflags}" fuzz_objs)
    endif()

    add_executable(${n}_model ${objs})
    target_link_libraries(${n}_model PRIVATE lastref::kernel_model_main lastref::kernel_model)

    if(NOT K_NO_FUZZ)
      add_executable(${n}_fuzz ${fuzz_objs})
      target_link_libraries(${n}_fuzz PRIVATE lastref::kernel_fuzz)
      if(engine STREQUAL "libfuzzer")
        target_link_options(${n}_fuzz PRIVATE -fsanitize=fuzzer)
      else()
        # The standalone driver (byo/src/random_main.cc), compiled once.
        target_link_libraries(${n}_fuzz PRIVATE lastref::random_main lastref::fuzz_support)
      endif()
    endif()
  endif()

  # ---- release-latency benchmark of the unload path ---------------------------
  if(NOT K_NO_BENCH AND TARGET lastref::kernel_bench)
    # The row's name and the unloader, for lastref::kernel_bench's sample.
    set(names ${CMAKE_CURRENT_BINARY_DIR}/${n}_release_bench_names.c)
    file(CONFIGURE OUTPUT ${names} CONTENT
      "/* Generated by lastref_add_kernel_test(NAME ${n}). */
const char lastref_kernel_bench_role[] = \"byo:${n}\";
const char lastref_kernel_bench_unloader[] = \"${K_BENCH_UNLOADER}\";
")
    add_executable(${n}_release_bench ${gbegin} ${K_TEST} ${K_MODULE_SOURCES} ${K_BUILTIN_SOURCES}
      ${gend} ${names})
    set_target_properties(${n}_release_bench PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
    # Optimised whatever the build type (the figures are the point); the
    # C unwinds (kthread_exit ends a thread by an exception).
    set_property(TARGET ${n}_release_bench PROPERTY COMPILE_OPTIONS -O2 -g -fexceptions
      -fno-omit-frame-pointer)
    target_link_libraries(${n}_release_bench PRIVATE lastref::kernel_bench)
  endif()

  # ---- real threads under ThreadSanitizer -------------------------------------
  if(NOT K_NO_TSAN)
    if(NOT DEFINED LASTREF_KERNEL_TSAN_LINKS)
      set(CMAKE_REQUIRED_FLAGS -fsanitize=thread)
      set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=thread)
      check_c_source_compiles("int main(void) { return 0; }" LASTREF_KERNEL_TSAN_LINKS)
      unset(CMAKE_REQUIRED_FLAGS)
      unset(CMAKE_REQUIRED_LINK_OPTIONS)
    endif()
    if(LASTREF_KERNEL_TSAN_LINKS)
      set(rs ${LASTREF_KERNEL_SOURCE_DIR})
      add_executable(${n}_tsan ${gbegin} ${K_TEST} ${K_MODULE_SOURCES} ${K_BUILTIN_SOURCES} ${gend}
        ${rs}/linux.c ${rs}/real_backend.cc ${rs}/real_main.cc)
      set_target_properties(${n}_tsan PROPERTIES C_STANDARD 11 C_EXTENSIONS ON CXX_STANDARD 20)
      target_include_directories(${n}_tsan PRIVATE
        $<TARGET_PROPERTY:lastref::kernel_headers,INTERFACE_INCLUDE_DIRECTORIES>)
      set_property(TARGET ${n}_tsan PROPERTY COMPILE_OPTIONS ${cflags} -O1)
      set_property(TARGET ${n}_tsan PROPERTY LINK_OPTIONS -fsanitize=thread)
      find_package(Threads REQUIRED)
      target_link_libraries(${n}_tsan PRIVATE Threads::Threads)
    endif()
  endif()
endfunction()
