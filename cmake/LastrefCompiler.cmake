# SPDX-License-Identifier: MIT
# Which C++ compiler lastref builds with: found, not pinned.
#
# Included twice from the top CMakeLists.txt:
#   lastref_pick_compiler()   before project(): chooses a clang when the
#                             configuration wants one and the user named no
#                             compiler
#   lastref_check_compiler()  after project(): rejects compilers too old for
#                             lastref's C++20, and non-clang compilers where
#                             clang is required
#
# LASTREF_WANT_CLANG (cache, set by the presets):
#   REQUIRED   fuzz and tsan presets: libFuzzer and clang's TSan
#   PREFERRED  the release preset: clang with libFuzzer when there is one,
#              else the default compiler with the standalone fuzz driver
#   OFF        the default compiler (dev, bench, and plain `cmake -S . -B b`)
#
# A compiler the user names always wins, in this order: CMAKE_CXX_COMPILER
# (-D, a toolchain file, or an existing cache), the CXX environment variable,
# LASTREF_CLANG (-D or environment; ./lastref exports what scripts/deps.sh
# detected). Otherwise the newest clang++ / clang++-N (N >= 14) on PATH is
# used. Only a fresh build directory picks: an existing cache keeps its
# compiler, as CMake always does.
include_guard(GLOBAL)

set(LASTREF_MIN_CLANG 14)
set(LASTREF_MIN_GCC 12)

# lastref_find_clang(<out>): the newest clang++ on PATH at version
# LASTREF_MIN_CLANG or newer, or <out>-NOTFOUND. Versioned names are tried
# newest first, then plain clang++; a tie keeps the first found.
function(lastref_find_clang out)
  set(best "")
  set(best_version 0)
  set(names "")
  foreach(v RANGE 30 ${LASTREF_MIN_CLANG} -1)
    list(APPEND names clang++-${v})
  endforeach()
  list(APPEND names clang++)
  foreach(name IN LISTS names)
    find_program(_lastref_candidate ${name} NO_CACHE)
    if(_lastref_candidate)
      execute_process(COMMAND ${_lastref_candidate} -dumpversion
        OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
      if(rc EQUAL 0 AND version VERSION_GREATER_EQUAL LASTREF_MIN_CLANG
         AND version VERSION_GREATER best_version)
        set(best ${_lastref_candidate})
        set(best_version ${version})
      endif()
    endif()
    unset(_lastref_candidate)
  endforeach()
  if(best)
    set(${out} ${best} PARENT_SCOPE)
  else()
    set(${out} ${out}-NOTFOUND PARENT_SCOPE)
  endif()
endfunction()

macro(lastref_pick_compiler)
  set(LASTREF_WANT_CLANG "OFF" CACHE STRING "Build with clang: REQUIRED, PREFERRED or OFF")
  set_property(CACHE LASTREF_WANT_CLANG PROPERTY STRINGS REQUIRED PREFERRED OFF)
  set(_lastref_want "${LASTREF_WANT_CLANG}")
  if(NOT _lastref_want MATCHES "^(REQUIRED|PREFERRED|OFF)$")
    message(FATAL_ERROR "LASTREF_WANT_CLANG='${_lastref_want}': use REQUIRED, PREFERRED or OFF")
  endif()
  if(NOT _lastref_want STREQUAL "OFF" AND NOT CMAKE_CXX_COMPILER AND "$ENV{CXX}" STREQUAL "")
    set(_lastref_clang "")
    if(LASTREF_CLANG)
      set(_lastref_clang "${LASTREF_CLANG}")
    elseif(NOT "$ENV{LASTREF_CLANG}" STREQUAL "")
      set(_lastref_clang "$ENV{LASTREF_CLANG}")
    else()
      lastref_find_clang(_lastref_clang)
    endif()
    if(_lastref_clang)
      message(STATUS "lastref: C++ compiler ${_lastref_clang} (LASTREF_WANT_CLANG=${_lastref_want})")
      set(CMAKE_CXX_COMPILER "${_lastref_clang}" CACHE FILEPATH "C++ compiler (chosen by lastref)")
    elseif(_lastref_want STREQUAL "REQUIRED")
      message(FATAL_ERROR "this preset needs clang ${LASTREF_MIN_CLANG} or newer and none was "
        "found on PATH (clang++, clang++-N). Install one (Debian 12: apt-get install clang-14 "
        "libclang-rt-14-dev) or name it: -DCMAKE_CXX_COMPILER=..., CXX=... or LASTREF_CLANG=...")
    else()
      message(STATUS "lastref: no clang ${LASTREF_MIN_CLANG}+ found; using the default C++ compiler")
    endif()
  endif()
endmacro()

macro(lastref_check_compiler)
  set(_lastref_id "${CMAKE_CXX_COMPILER_ID}")
  set(_lastref_ver "${CMAKE_CXX_COMPILER_VERSION}")
  if(_lastref_id STREQUAL "Clang" AND _lastref_ver VERSION_LESS LASTREF_MIN_CLANG)
    message(FATAL_ERROR "${CMAKE_CXX_COMPILER} is clang ${_lastref_ver}; lastref needs clang "
      "${LASTREF_MIN_CLANG} or newer (or g++ ${LASTREF_MIN_GCC}+ where clang is not required)")
  elseif(_lastref_id STREQUAL "GNU" AND _lastref_ver VERSION_LESS LASTREF_MIN_GCC)
    message(FATAL_ERROR "${CMAKE_CXX_COMPILER} is g++ ${_lastref_ver}; lastref needs g++ "
      "${LASTREF_MIN_GCC} or newer, or clang ${LASTREF_MIN_CLANG}+ (-DCMAKE_CXX_COMPILER=...)")
  endif()
  if(LASTREF_WANT_CLANG STREQUAL "REQUIRED" AND NOT _lastref_id STREQUAL "Clang")
    message(FATAL_ERROR "this preset needs clang (LASTREF_WANT_CLANG=REQUIRED) but the compiler "
      "is ${_lastref_id} ${_lastref_ver} (${CMAKE_CXX_COMPILER}); name a clang with "
      "-DCMAKE_CXX_COMPILER=..., CXX=... or LASTREF_CLANG=..., in a fresh build directory")
  endif()
endmacro()
