# SPDX-License-Identifier: MIT
# lastref_add_primitive — test your own refcount, kref, completion or module
# with lastref: fuzzing under the model, a stress/TSan job, the conformance
# suites and benchmarks beside lastref's own, all registered with CTest.
#
#   lastref_add_primitive(
#     NAME <name>              # [a-z][a-z0-9_]*: prefixes targets and tests
#     KIND refcount|kref|completion|module
#     HEADER <file>            # defines TYPE (relative: to CMAKE_CURRENT_SOURCE_DIR)
#     TYPE <class template>    # e.g. my::refcount: template <class Platform> class ...
#     [LINK_LIBRARIES <lib>...]  # what HEADER needs besides lastref
#     [EXPECT_BUG <regex>]     # a deliberately broken primitive: its fuzz test
#                              # passes only when the fuzzer reports a failure
#                              # matching <regex> (e.g. "use_after_free|data_race")
#     [FUZZ_TARGETS <t>...]    # scenario families: kref completion module_unload
#                              # mixed (default: the kind's own; refcount -> kref)
#     [FUZZ_RUNS <n>]          # inputs per fuzz test (default 20000)
#     [FUZZ_SEED <n>]          # (default 1)
#     [STRESS_ITERATIONS <n>]  # rounds of the stress test (default 200)
#     [TABLE <class template>]  # kref/refcount: the user's lookup structure,
#                              # template <class P, class T> (in HEADER), used
#                              # by the lookup-table scenarios in place of
#                              # lastref's (contract: lastref/byo/lookup.h)
#     [ALLOW_UNEXECUTED <op>...|ALL]  # operations of TYPE a clean fuzz test
#                              # may leave unexecuted (default none). Every
#                              # fuzz and stress run prints each operation's
#                              # count and warns about those that never ran.
#     [PROVE_SCENARIOS <target>:<scenario>...]  # exhaustive searches of
#                              # <name>-prove, each a test: a named scenario
#                              # (lastref-prove --list) or a scenario file
#                              # (a relative FILE: from the calling
#                              # directory). Default kref:lookup3 for
#                              # refcount/kref, completion:completion1x2
#                              # for completion; none for module or with
#                              # EXPECT_BUG (list where the bug shows)
#     [PROVE_MODEL sc|c11]     # their memory model (default sc)
#     [PROVE_MAX_EXECUTIONS <n>]  # their execution budget (default 200000)
#     [NO_FUZZ] [NO_STRESS] [NO_CONFORMANCE] [NO_BENCH] [NO_PROVE])
#
# TYPE is written against lastref's platform policy (lastref/platform.h): a
# class template over a Platform that uses Platform::atomic<T> (and, to
# block, Platform::futex_*), exactly as lastref's primitives do. A type
# written with std::atomic adapts in one line: make it a template over
# `class P` and spell `std::atomic<T>` as `typename P::template atomic<T>`.
# The kind's concept (lastref/concepts.h) is checked first, so a missing
# operation is a compile error naming the concept and the expression.
#
# Targets (each built only if its parts are available):
#   <name>_<t>_fuzzer  per FUZZ_TARGETS: libFuzzer when LASTREF_FUZZ_ENGINE
#                      is libfuzzer (clang), else a standalone driver that
#                      replays files and runs -runs=N random inputs (-seed=S)
#   <name>-prove       lastref-prove over the user's set: every schedule of a
#                      scenario explored by DPOR, with a certificate; exit 0
#                      proven, 4 a counterexample (with its <name>-replay
#                      line), 3 incomplete (budget or --bound), 2 bad usage
#   <name>-replay, <name>-minimize  lastref-replay and lastref-minimize over
#                      the user's implementation set: a finding's `replay:`
#                      line names <name>-replay by its path in this build
#   <name>_stress      real threads (TSan when the build uses -fsanitize=thread)
#   <name>_conformance the typed unit suites of that kind (GoogleTest): the
#                      Linux semantics on any type with the kind's concept;
#                      cases that need lastref's own extras (e.g. a
#                      completion's waiters()) are skipped for a type
#                      without them
#   <name>_bench       Google Benchmark: <group>/ref:byo_<name> beside
#                      lastref's primitive, its baseline and the group's limit
#   <name>_release_bench  lastref's release-latency-under-priority-contention
#                      matrix with a row release_latency/<cell>/byo:<name>
#                      per cell (the release path; a module: its drain)
#   <name>_wake_bench, <name>_pingpong_bench  (completion only) lastref's
#                      wake-latency and ping-pong suites with a row
#                      <group>/byo:<name> in every group
#                      (their JSON, --benchmark_out=F --benchmark_out_format=
#                      json, names rows as lastref's suites do: byo/README.md)
# Tests (label byo, plus fuzz / tsan / unit / bench):
#   <name>.fuzz.<t>    -runs=FUZZ_RUNS from an empty corpus (expects the bug
#                      with EXPECT_BUG, else no failure and every operation
#                      of TYPE executed but those in ALLOW_UNEXECUTED)
#   <name>.prove.<target>.<scenario>  <name>-prove on each PROVE_SCENARIOS
#                      entry: passes when proven (with EXPECT_BUG: when a
#                      counterexample is found); an incomplete search fails
#   <name>.stress      --iterations=STRESS_ITERATIONS (not with EXPECT_BUG:
#                      a real-thread run finds a bug only by chance). Under
#                      TSan, note that clang 14's TSan does not model
#                      std::atomic_thread_fence: a fence-based acquire is
#                      reported as a race (use an acquire load or RMW).
#   <name>.<suite>/... one test per conformance case; for a completion also
#                      <name>.completion_model.* (the blocking cases under
#                      the model: 300 random + 300 PCT schedules each)
#   <name>.bench.smoke every benchmark once, with a tiny min time
#   <name>.bench.{release,wake,pingpong}.smoke  the latency binaries with a
#                      tiny budget; each checks its byo rows ran beside
#                      lastref's, the peers' and the limit (check_bench.cmake)
include_guard(GLOBAL)

# Paths are cache entries: the function is called from other directory
# scopes (a user's project that add_subdirectory()s lastref).
set(_lastref_byo_module_dir ${CMAKE_CURRENT_LIST_DIR})

# Where the sources and templates are: next to this file when installed
# (lib/cmake/lastref/byo), in the source tree otherwise.
if(EXISTS ${_lastref_byo_module_dir}/byo/templates)
  set(_lastref_byo_templates ${_lastref_byo_module_dir}/byo/templates CACHE INTERNAL "")
  set(_lastref_byo_fuzz_src ${_lastref_byo_module_dir}/byo CACHE INTERNAL "")
  set(_lastref_byo_conformance ${_lastref_byo_module_dir}/byo/conformance CACHE INTERNAL "")
  set(_lastref_byo_run_fuzz_dir ${_lastref_byo_module_dir}/byo CACHE INTERNAL "")
  set(_lastref_byo_suites ${_lastref_byo_module_dir}/byo/suites CACHE INTERNAL "")
  set(_lastref_byo_model_conformance ${_lastref_byo_module_dir}/byo/conformance CACHE INTERNAL "")
else()
  get_filename_component(_lastref_byo_root ${_lastref_byo_module_dir}/.. ABSOLUTE)
  set(_lastref_byo_templates ${_lastref_byo_root}/byo/templates CACHE INTERNAL "")
  set(_lastref_byo_run_fuzz_dir ${_lastref_byo_root}/byo CACHE INTERNAL "")
  set(_lastref_byo_fuzz_src ${_lastref_byo_root}/fuzz CACHE INTERNAL "")
  set(_lastref_byo_conformance ${_lastref_byo_root}/primitives/tests CACHE INTERNAL "")
  set(_lastref_byo_suites ${_lastref_byo_root}/bench/suites CACHE INTERNAL "")
  set(_lastref_byo_model_conformance ${_lastref_byo_root}/byo/conformance CACHE INTERNAL "")
endif()

# lastref_detect_fuzz_engine(<out>): libfuzzer when the compiler is clang
# and links -fsanitize=fuzzer, else standalone (lastref's own build uses it
# for LASTREF_FUZZ_ENGINE=auto).
function(lastref_detect_fuzz_engine out)
  set(engine standalone)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    include(CheckCXXSourceCompiles)
    set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
    check_cxx_source_compiles([[
      #include <cstddef>
      #include <cstdint>
      extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }]]
      LASTREF_HAVE_LIBFUZZER)
    if(LASTREF_HAVE_LIBFUZZER)
      set(engine libfuzzer)
    endif()
  endif()
  set(${out} ${engine} PARENT_SCOPE)
endfunction()

# The fuzzing engine of a consumer's targets, unless it chose one: the
# package's (lastref-config.cmake) or what its compiler can link.
# lastref's own build sets it already.
if(NOT DEFINED LASTREF_FUZZ_ENGINE)
  lastref_detect_fuzz_engine(_lastref_engine)
  set(LASTREF_FUZZ_ENGINE ${_lastref_engine} CACHE STRING "libfuzzer or standalone")
endif()

# lastref_gtest_labels(TARGET LABEL...): gives every test gtest_discover_tests
# found in TARGET all of LABELS. gtest_discover_tests(... PROPERTIES LABELS
# "a;b") flattens the list into separate arguments of set_tests_properties,
# so the tests kept only "a" and lost the properties after it (the BYO
# conformance tests lost `unit` and their TIMEOUT and never ran under
# TSan). Call it right after gtest_discover_tests(TARGET ... TEST_LIST
# TARGET_TESTS ...): the labels are set by a CTest include file that runs
# after the discovered tests are defined.
function(lastref_gtest_labels target)
  set(file "${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake")
  file(WRITE "${file}"
    "if(${target}_TESTS)\n  set_tests_properties(\${${target}_TESTS} PROPERTIES LABELS \"${ARGN}\")\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${file}")
endfunction()

# _lastref_member_checks(<kind> <type> <name> <out>): the static_asserts of
# the registration check (templates/concept_check.cc.in), one per member the
# kind's concept (lastref/concepts.h) and the conformance suite use. Each
# entry is member|expression; x is a T&, cx a const T&, n an int, m a
# std::mutex&, r a release callable, t std::chrono::milliseconds, f
# lastref::unload_flags.
function(_lastref_member_checks kind type name out)
  set(common "copy constructor deleted|requires !std::copy_constructible<T>")
  if(kind STREQUAL "refcount")
    set(members "default constructor (one reference)|requires std::default_initializable<T>"
      "constructor from int|requires std::constructible_from<T, int>"
      "read() const returning int|{ cx.read() } -> std::convertible_to<int>"
      "set(int)|x.set(n)" "inc()|x.inc()" "inc_not_zero() returning bool|{ x.inc_not_zero() } -> std::same_as<bool>"
      "dec_and_test() returning bool|{ x.dec_and_test() } -> std::same_as<bool>")
  elseif(kind STREQUAL "kref")
    set(members "default constructor (one reference)|requires std::default_initializable<T>"
      "read() const returning unsigned|{ cx.read() } -> std::convertible_to<unsigned int>"
      "get()|x.get()" "get_unless_zero() returning bool|{ x.get_unless_zero() } -> std::same_as<bool>"
      "put(release) returning bool, release called with T&|{ x.put(r) } -> std::same_as<bool>"
      "put_mutex(release, lock) returning bool|{ x.put_mutex(r, m) } -> std::same_as<bool>")
  elseif(kind STREQUAL "completion")
    set(members "default constructor|requires std::default_initializable<T>"
      "complete()|x.complete()" "complete_all()|x.complete_all()" "wait()|x.wait()"
      "wait_for(std::chrono::milliseconds) returning bool|{ x.wait_for(t) } -> std::same_as<bool>"
      "try_wait() returning bool|{ x.try_wait() } -> std::same_as<bool>"
      "done() const returning bool|{ cx.done() } -> std::same_as<bool>" "reinit()|x.reinit()")
  elseif(kind STREQUAL "module")
    set(members
      "constructor (const char* name, std::function<void()> exit, lastref::unload_policy)|requires std::constructible_from<T, const char*, std::function<void()>, lastref::unload_policy>"
      "residency_scope (a nested type)|typename T::residency_scope"
      "residency_scope constructor from T&|requires std::constructible_from<typename T::residency_scope, T&>"
      "state() const returning lastref::module_state|{ cx.state() } -> std::same_as<lastref::module_state>"
      "refcount() const returning int|{ cx.refcount() } -> std::convertible_to<int>"
      "text() const returning const void*|{ cx.text() } -> std::same_as<const void*>"
      "mark_live()|x.mark_live()" "try_get() returning bool|{ x.try_get() } -> std::same_as<bool>"
      "get()|x.get()" "put()|x.put()"
      "unload() returning lastref::unload_result|{ x.unload() } -> std::same_as<lastref::unload_result>"
      "unload(lastref::unload_flags) returning lastref::unload_result|{ x.unload(f) } -> std::same_as<lastref::unload_result>")
  endif()
  set(code "")
  set(i 0)
  foreach(entry IN LISTS common members)
    string(FIND "${entry}" "|" bar)
    string(SUBSTRING "${entry}" 0 ${bar} what)
    math(EXPR from "${bar} + 1")
    string(SUBSTRING "${entry}" ${from} -1 expr)
    string(REPLACE "\"" "'" what_text "${what}")
    string(APPEND code
      "template <class T>\n"
      "concept has_${i} = requires(T& x, const T& cx, int n, std::mutex& m, release_probe r,\n"
      "    std::chrono::milliseconds t, lastref::unload_flags f) { ${expr}; };\n"
      "static_assert(has_${i}<user_type>, \"${type} (lastref_add_primitive NAME ${name}, KIND ${kind}) "
      "lacks ${what_text}: the fuzz scenarios and the ${kind} conformance suite use it\");\n")
    math(EXPR i "${i} + 1")
  endforeach()
  set(${out} "${code}" PARENT_SCOPE)
endfunction()

function(lastref_add_primitive)
  cmake_parse_arguments(PARSE_ARGV 0 arg "NO_FUZZ;NO_STRESS;NO_CONFORMANCE;NO_BENCH;NO_PROVE"
    "NAME;KIND;HEADER;TYPE;EXPECT_BUG;FUZZ_RUNS;FUZZ_SEED;STRESS_ITERATIONS;TABLE;PROVE_MODEL;PROVE_MAX_EXECUTIONS"
    "LINK_LIBRARIES;FUZZ_TARGETS;ALLOW_UNEXECUTED;PROVE_SCENARIOS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "lastref_add_primitive: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  foreach(req NAME KIND HEADER TYPE)
    if(NOT arg_${req})
      message(FATAL_ERROR "lastref_add_primitive: ${req} is required")
    endif()
  endforeach()
  if(NOT arg_NAME MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "lastref_add_primitive: NAME '${arg_NAME}' must match [a-z][a-z0-9_]*")
  endif()
  get_filename_component(header ${arg_HEADER} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  if(NOT EXISTS ${header})
    message(FATAL_ERROR "lastref_add_primitive: HEADER ${header} does not exist")
  endif()
  foreach(opt FUZZ_RUNS:20000 FUZZ_SEED:1 STRESS_ITERATIONS:200 PROVE_MODEL:sc
              PROVE_MAX_EXECUTIONS:200000)
    string(REPLACE ":" ";" kv ${opt})
    list(GET kv 0 k)
    list(GET kv 1 v)
    if(NOT DEFINED arg_${k})
      set(arg_${k} ${v})
    endif()
  endforeach()

  # What each kind plugs into: the concept, the fuzz set, the driver.
  set(LRP_NAME ${arg_NAME})
  set(LRP_KIND ${arg_KIND})
  set(LRP_TYPE ${arg_TYPE})
  set(LRP_HEADER ${header})
  set(LRP_CHECKED ${arg_TYPE})
  set(LRP_SET_KREF lastref::basic_kref)
  set(LRP_SET_COMPLETION lastref::basic_completion)
  set(LRP_SET_MODULE lastref::basic_module)
  set(LRP_DRIVEN ${arg_TYPE})
  # The fuzz and stress jobs run the type with its operations counted
  # (lastref/byo/op_counts.h): LRP_COUNTED_* are the same slots over the
  # counting wrapper, LRP_OPS its table.
  set(LRP_COUNTED_KREF ${LRP_SET_KREF})
  set(LRP_COUNTED_COMPLETION ${LRP_SET_COMPLETION})
  set(LRP_COUNTED_MODULE ${LRP_SET_MODULE})
  if(arg_KIND STREQUAL "refcount")
    set(LRP_OPS refcount_ops)
    set(LRP_COUNTED_KREF
      "lastref::byo::refcount_kref_of<lastref::byo::counted_refcount_of<${arg_TYPE}>::type>::type")
    set(LRP_COUNTED_DRIVEN "${LRP_COUNTED_KREF}")
    set(LRP_CONCEPT refcount_primitive)
    set(LRP_SET_KREF "lastref::byo::refcount_kref_of<${arg_TYPE}>::type")
    set(LRP_DRIVER kref)
    set(LRP_DRIVEN "lastref::byo::refcount_kref_of<${arg_TYPE}>::template type")
    set(default_targets kref)
  elseif(arg_KIND STREQUAL "kref")
    set(LRP_CONCEPT kref_primitive)
    set(LRP_SET_KREF ${arg_TYPE})
    set(LRP_OPS kref_ops)
    set(LRP_COUNTED_KREF "lastref::byo::counted_kref_of<${arg_TYPE}>::type")
    set(LRP_COUNTED_DRIVEN "${LRP_COUNTED_KREF}")
    set(LRP_DRIVER kref)
    set(default_targets kref)
  elseif(arg_KIND STREQUAL "completion")
    set(LRP_CONCEPT completion_primitive)
    set(LRP_SET_COMPLETION ${arg_TYPE})
    set(LRP_OPS completion_ops)
    set(LRP_COUNTED_COMPLETION "lastref::byo::counted_completion_of<${arg_TYPE}>::type")
    set(LRP_COUNTED_DRIVEN "${LRP_COUNTED_COMPLETION}")
    set(LRP_DRIVER completion)
    set(default_targets completion)
  elseif(arg_KIND STREQUAL "module")
    set(LRP_CONCEPT module_primitive)
    set(LRP_SET_MODULE ${arg_TYPE})
    set(LRP_OPS module_ops)
    set(LRP_COUNTED_MODULE "lastref::byo::counted_module_of<${arg_TYPE}>::type")
    set(LRP_COUNTED_DRIVEN "${LRP_COUNTED_MODULE}")
    set(LRP_DRIVER module)
    set(default_targets module_unload)
  else()
    message(FATAL_ERROR "lastref_add_primitive: KIND must be refcount, kref, completion or module")
  endif()
  if(NOT arg_FUZZ_TARGETS)
    set(arg_FUZZ_TARGETS ${default_targets})
  endif()
  # The implementation set the fuzz targets and tools register: the macro,
  # or, with a user's lookup structure (TABLE), the same set spelled out with
  # a `table` member the interpreter's lookup-table scenarios use.
  if(arg_TABLE)
    if(NOT arg_KIND MATCHES "^(kref|refcount)$")
      message(FATAL_ERROR "lastref_add_primitive: TABLE is for KIND kref or refcount (got ${arg_KIND})")
    endif()
    string(CONCAT LRP_REGISTER
      "static_assert(lastref::byo::lookup_table_template<${arg_TABLE}>,\n"
      "              \"${arg_TABLE} (lastref_add_primitive NAME ${arg_NAME} TABLE) lacks a member of \"\n"
      "              \"the lookup-table contract (lastref/byo/lookup.h)\");\n"
      "namespace {\n"
      "struct lastref_byo_set : ::lastref::fuzz::set_of<${LRP_COUNTED_KREF}, ${LRP_COUNTED_COMPLETION},\n"
      "                                                 ${LRP_COUNTED_MODULE}> {\n"
      "  template <class P, class T>\n  using table = ${arg_TABLE}<P, T>;\n"
      "};\n"
      "[[maybe_unused]] const bool lastref_byo_registered = ::lastref::fuzz::register_impl(\n"
      "    {\"${arg_NAME}\", false, &lastref_byo_set::adapt,\n"
      "     &::lastref::fuzz::run_in_model<lastref_byo_set>});\n"
      "}  // namespace\n")
  else()
    set(LRP_REGISTER "LASTREF_FUZZ_REGISTER(${arg_NAME}, ${LRP_COUNTED_KREF}, ${LRP_COUNTED_COMPLETION},\n                      ${LRP_COUNTED_MODULE})")
  endif()
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/lastref_byo/${arg_NAME})
  # In lastref's own tree, its warning flags (-Werror with LASTREF_WERROR);
  # a user's project keeps its own, also when it add_subdirectory()s lastref.
  set(_lrp_in_tree FALSE)
  if(TARGET lastref_warnings AND DEFINED lastref_SOURCE_DIR)
    cmake_path(IS_PREFIX lastref_SOURCE_DIR "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE _lrp_in_tree)
  endif()
  if(_lrp_in_tree)
    list(APPEND arg_LINK_LIBRARIES lastref_warnings)
  endif()
  set(labels byo)

  # --- the registration check: built before every other target of NAME ------------
  # Member by member, with the member named in the message; for a
  # completion also every member over the conformance suite's hostile
  # platform (when the suites are there).
  _lastref_member_checks(${arg_KIND} ${arg_TYPE} ${arg_NAME} LRP_MEMBER_CHECKS)
  set(LRP_REBIND_CHECK 0)
  if(arg_KIND STREQUAL "completion" AND TARGET lastref::conformance)
    set(LRP_REBIND_CHECK 1)
  endif()
  configure_file(${_lastref_byo_templates}/concept_check.cc.in
    ${gen}/${arg_NAME}_concept_check.cc @ONLY)
  add_library(${arg_NAME}_registration OBJECT ${gen}/${arg_NAME}_concept_check.cc)
  target_link_libraries(${arg_NAME}_registration PRIVATE lastref::primitives ${arg_LINK_LIBRARIES})
  if(LRP_REBIND_CHECK)
    target_link_libraries(${arg_NAME}_registration PRIVATE lastref::conformance)
  endif()

  # --- fuzz targets (the model runs fibers: not under TSan) -------------------------
  if(NOT arg_NO_FUZZ AND TARGET lastref::fuzz_support)
    # A module is fuzzed with its own residency_scope, which must be able to
    # end early (the safe-exit helpers leave the text before the last put).
    set(LRP_FUZZ_CHECK "")
    if(arg_KIND STREQUAL "module")
      string(CONCAT LRP_FUZZ_CHECK
        "template <class S>\nconcept lastref_byo_scope_ends = requires(S& s) { s.end(); };\n"
        "static_assert(lastref_byo_scope_ends<typename ${arg_TYPE}<lastref::model::platform>::residency_scope>,\n"
        "              \"${arg_TYPE} (lastref_add_primitive NAME ${arg_NAME}): its residency_scope needs \"\n"
        "              \"end(), an idempotent early leave, for the safe-exit scenarios\");\n")
    endif()
    # lastref's replay, minimize and prove tools over the user's
    # implementation set (lastref's own installed ones know only lastref's
    # primitives): the replay line a finding prints names <name>-replay by
    # its full path. The generated set (tools.cc) is all the user's build
    # compiles for the three; their mains are lastref's exported objects
    # (lastref::replay_main, minimize_main, prove_main; fuzz/CMakeLists.txt).
    set(LRP_SET lastref_fuzz_set_${arg_NAME})
    if(arg_TABLE)
      set(LRP_SET lastref_byo_set)
    endif()
    configure_file(${_lastref_byo_templates}/tools.cc.in ${gen}/${arg_NAME}_tools.cc @ONLY)
    add_library(${arg_NAME}_tools OBJECT ${gen}/${arg_NAME}_tools.cc)
    add_dependencies(${arg_NAME}_tools ${arg_NAME}_registration)
    target_link_libraries(${arg_NAME}_tools PUBLIC lastref::fuzz_support lastref::byo_headers
      ${arg_LINK_LIBRARIES})
    target_compile_definitions(${arg_NAME}_tools PRIVATE
      "LASTREF_REPLAY_COMMAND=\"$<TARGET_FILE:${arg_NAME}-replay>\"")
    foreach(tool replay minimize)
      add_executable(${arg_NAME}-${tool})
      target_link_libraries(${arg_NAME}-${tool} PRIVATE lastref::${tool}_main lastref::fuzz_tool
        ${arg_NAME}_tools)
    endforeach()
    if(NOT arg_NO_PROVE)
      add_executable(${arg_NAME}-prove)
      target_link_libraries(${arg_NAME}-prove PRIVATE lastref::prove_main lastref::fuzz_tool
        ${arg_NAME}_tools)
      # Default searches: lastref's named scenarios of the kind; none for a
      # module (no named one) or with EXPECT_BUG (a bug need not show in
      # them: list the scenarios where it does).
      if(NOT DEFINED arg_PROVE_SCENARIOS AND NOT arg_EXPECT_BUG)
        if(arg_KIND STREQUAL "refcount" OR arg_KIND STREQUAL "kref")
          set(arg_PROVE_SCENARIOS kref:lookup3)
        elseif(arg_KIND STREQUAL "completion")
          set(arg_PROVE_SCENARIOS completion:completion1x2)
        endif()
      endif()
      foreach(ps IN LISTS arg_PROVE_SCENARIOS)
        if(NOT ps MATCHES "^([a-z_]+):(.+)$")
          message(FATAL_ERROR "lastref_add_primitive: PROVE_SCENARIOS entry '${ps}' is not <target>:<scenario>")
        endif()
        set(pt ${CMAKE_MATCH_1})
        set(pscen ${CMAKE_MATCH_2})
        if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${pscen})
          set(pscen ${CMAKE_CURRENT_SOURCE_DIR}/${pscen})
        endif()
        get_filename_component(pid ${pscen} NAME)
        set(tname ${arg_NAME}.prove.${pt}.${pid})
        add_test(NAME ${tname} COMMAND ${arg_NAME}-prove --target ${pt} --scenario ${pscen}
          --model ${arg_PROVE_MODEL} --max-executions ${arg_PROVE_MAX_EXECUTIONS}
          --progress-seconds 0)
        set_tests_properties(${tname} PROPERTIES LABELS "${labels};model" TIMEOUT 300)
        if(arg_EXPECT_BUG)
          # A counterexample (exit 4) is the pass; proven or incomplete fail.
          set_tests_properties(${tname} PROPERTIES
            PASS_REGULAR_EXPRESSION "certificate: FAILED: failure found")
        endif()
      endforeach()
    endif()
    foreach(t IN LISTS arg_FUZZ_TARGETS)
      set(LRP_TARGET ${t})
      set(exe ${arg_NAME}_${t}_fuzzer)
      configure_file(${_lastref_byo_templates}/fuzz.cc.in ${gen}/${exe}.cc @ONLY)
      add_executable(${exe} ${gen}/${exe}.cc ${_lastref_byo_fuzz_src}/target.cc)
      add_dependencies(${exe} ${arg_NAME}_registration)
      target_link_libraries(${exe} PRIVATE lastref::fuzz_support lastref::byo_headers ${arg_LINK_LIBRARIES})
      target_compile_definitions(${exe} PRIVATE
        "LASTREF_REPLAY_COMMAND=\"$<TARGET_FILE:${arg_NAME}-replay>\"")
      if(LASTREF_FUZZ_ENGINE STREQUAL "libfuzzer")
        # lastref's own build may take both from OSS-Fuzz (fuzz/build.sh).
        set(instrument -fsanitize=fuzzer-no-link)
        set(engine -fsanitize=fuzzer)
        if(DEFINED LASTREF_FUZZ_INSTRUMENT)
          separate_arguments(instrument UNIX_COMMAND "${LASTREF_FUZZ_INSTRUMENT}")
        endif()
        if(DEFINED LASTREF_LIB_FUZZING_ENGINE)
          separate_arguments(engine UNIX_COMMAND "${LASTREF_LIB_FUZZING_ENGINE}")
        endif()
        target_sources(${exe} PRIVATE ${_lastref_byo_fuzz_src}/mutator.cc)
        target_compile_options(${exe} PRIVATE ${instrument})
        target_link_options(${exe} PRIVATE ${engine})
      else()
        target_link_libraries(${exe} PRIVATE lastref::random_main)
      endif()
      set(mode clean)
      if(arg_EXPECT_BUG)
        set(mode find)
      endif()
      add_test(NAME ${arg_NAME}.fuzz.${t}
        COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:${exe}>
          -DWORK=${CMAKE_CURRENT_BINARY_DIR}/lastref_byo_work/${exe} -DRUNS=${arg_FUZZ_RUNS}
          -DSEED=${arg_FUZZ_SEED} -DMODE=${mode} "-DEXPECT=${arg_EXPECT_BUG}"
          "-DALLOW=${arg_ALLOW_UNEXECUTED}"
          -P ${_lastref_byo_run_fuzz_dir}/run_fuzz.cmake)
      set_tests_properties(${arg_NAME}.fuzz.${t} PROPERTIES LABELS "${labels};fuzz" TIMEOUT 300)
    endforeach()
  endif()

  # --- stress / TSan job --------------------------------------------------------------
  if(NOT arg_NO_STRESS AND TARGET lastref::stress_support)
    configure_file(${_lastref_byo_templates}/stress.cc.in ${gen}/${arg_NAME}_stress.cc @ONLY)
    add_executable(${arg_NAME}_stress ${gen}/${arg_NAME}_stress.cc)
    add_dependencies(${arg_NAME}_stress ${arg_NAME}_registration)
    target_link_libraries(${arg_NAME}_stress PRIVATE lastref::stress_support lastref::byo_headers
      ${arg_LINK_LIBRARIES})
    if(NOT arg_EXPECT_BUG)
      add_test(NAME ${arg_NAME}.stress
        COMMAND ${arg_NAME}_stress --iterations=${arg_STRESS_ITERATIONS} --jitter=1)
      set_tests_properties(${arg_NAME}.stress PROPERTIES LABELS "${labels};tsan" TIMEOUT 300
        ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1:exitcode=66")
    endif()
  endif()

  # --- conformance: lastref's typed suites over TYPE ------------------------------------
  if(NOT TARGET GTest::gtest_main AND NOT arg_NO_CONFORMANCE AND TARGET lastref::conformance)
    find_package(GTest QUIET)
    if(NOT GTest_FOUND)
      message(STATUS "lastref_add_primitive(${arg_NAME}): GoogleTest not found, no conformance "
                     "tests (Debian: apt-get install libgtest-dev)")
    endif()
  endif()
  if(NOT arg_NO_CONFORMANCE AND TARGET lastref::conformance AND TARGET GTest::gtest_main)
    include(GoogleTest)
    add_executable(${arg_NAME}_conformance ${_lastref_byo_conformance}/${arg_KIND}_test.cc)
    add_dependencies(${arg_NAME}_conformance ${arg_NAME}_registration)
    string(TOUPPER ${arg_KIND} kind_upper)
    target_compile_definitions(${arg_NAME}_conformance PRIVATE
      "LASTREF_CONFORMANCE_HEADER=\"${header}\"" "LASTREF_CONFORMANCE_${kind_upper}=${arg_TYPE}")
    target_link_libraries(${arg_NAME}_conformance PRIVATE lastref::conformance GTest::gtest_main
      ${arg_LINK_LIBRARIES})
    # The blocking cases again under the model, a few hundred random and PCT
    # schedules each (not under TSan: no model there).
    if(arg_KIND STREQUAL "completion" AND TARGET lastref::model)
      target_sources(${arg_NAME}_conformance PRIVATE
        ${_lastref_byo_model_conformance}/completion_model_test.cc)
      target_link_libraries(${arg_NAME}_conformance PRIVATE lastref::model)
    endif()
    gtest_discover_tests(${arg_NAME}_conformance TEST_PREFIX "${arg_NAME}." DISCOVERY_TIMEOUT 60
      TEST_LIST ${arg_NAME}_conformance_TESTS PROPERTIES TIMEOUT 120)
    # Not PROPERTIES LABELS "a;b": gtest_discover_tests flattens the list.
    lastref_gtest_labels(${arg_NAME}_conformance ${labels} unit)
  endif()

  # --- benchmarks ---------------------------------------------------------------------
  if(NOT arg_NO_BENCH AND TARGET lastref::bench_support)
    configure_file(${_lastref_byo_templates}/bench.cc.in ${gen}/${arg_NAME}_bench.cc @ONLY)
    add_executable(${arg_NAME}_bench ${gen}/${arg_NAME}_bench.cc)
    add_dependencies(${arg_NAME}_bench ${arg_NAME}_registration)
    target_link_libraries(${arg_NAME}_bench PRIVATE lastref::bench_support lastref::byo_headers
      ${arg_LINK_LIBRARIES})
    add_test(NAME ${arg_NAME}.bench.smoke
      COMMAND ${arg_NAME}_bench --benchmark_min_time=0.002 --benchmark_repetitions=1)
    set_tests_properties(${arg_NAME}.bench.smoke PROPERTIES LABELS "${labels};bench" TIMEOUT 120)

    # The latency suites, lastref's own sources with the user's rows added
    # (role byo): a completion gets wake latency and ping-pong; every kind
    # gets the release-latency matrix (its release path, or its module's
    # drain). Each smoke test checks the user's rows ran beside lastref's,
    # the peers' and the limit.
    set(LRP_SUITES ${_lastref_byo_suites})
    set(latency_suites release)
    if(arg_KIND STREQUAL "completion")
      list(PREPEND latency_suites wake pingpong)
    endif()
    set(n ${arg_NAME})
    set(rows_wake "^completion_wake/cross_cpu/byo:${n}(/|$)" "^completion_wake/cross_cpu_spinning/byo:${n}(/|$)"
      "^completion_wake/same_cpu/byo:${n}(/|$)" "^completion_wake/cross_cpu/lastref:completion(/|$)"
      "^completion_wake/cross_cpu/baseline:binary_semaphore(/|$)" "^completion_wake/same_cpu/limit:")
    set(rows_pingpong "^completion_pingpong/cross_cpu/byo:${n}(/|$)" "^completion_pingpong/same_cpu/byo:${n}(/|$)"
      "^completion_pingpong/cross_cpu/lastref:completion(/|$)"
      "^completion_pingpong/same_cpu/baseline:binary_semaphore(/|$)" "^completion_pingpong/same_cpu/limit:")
    set(rows_release "^release_latency/.*/byo:${n}(/|$)" "^release_latency/.*/lastref:builtin_release(/|$)"
      "^release_latency/.*timer_wakeup_unloader(/|$)")
    set(args_wake --benchmark_min_time=0.002 --benchmark_repetitions=1)
    set(args_pingpong ${args_wake})
    set(args_release --lastref_matrix=quick --lastref_samples=4 --lastref_cap_ms=100
      --lastref_burst_us=500 --benchmark_repetitions=1)
    foreach(suite IN LISTS latency_suites)
      set(exe ${arg_NAME}_${suite}_bench)
      configure_file(${_lastref_byo_templates}/${suite}_bench.cc.in ${gen}/${exe}.cc @ONLY)
      add_executable(${exe} ${gen}/${exe}.cc)
      add_dependencies(${exe} ${arg_NAME}_registration)
      target_link_libraries(${exe} PRIVATE lastref::bench_support lastref::byo_headers ${arg_LINK_LIBRARIES})
      add_test(NAME ${arg_NAME}.bench.${suite}.smoke
        COMMAND ${CMAKE_COMMAND} -DBENCH=$<TARGET_FILE:${exe}> "-DARGS=${args_${suite}}"
          -DOUT=${CMAKE_CURRENT_BINARY_DIR}/lastref_byo_work/${exe}.json "-DROWS=${rows_${suite}}"
          -P ${_lastref_byo_run_fuzz_dir}/check_bench.cmake)
      set_tests_properties(${arg_NAME}.bench.${suite}.smoke PROPERTIES
        LABELS "${labels};bench" TIMEOUT 300)
    endforeach()
  endif()
endfunction()
