# SPDX-License-Identifier: MIT
# lastref_find_clang (cmake/LastrefCompiler.cmake) on a PATH of fake
# compilers that only answer -dumpversion: it must take the newest clang at
# version 14 or above, whatever the names' order, and find none when every
# clang is older.   cmake -DWORK_DIR=... -P find_clang_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/../LastrefCompiler.cmake)
file(REMOVE_RECURSE ${WORK_DIR})
function(fake dir name version)
  file(MAKE_DIRECTORY ${WORK_DIR}/${dir})
  file(WRITE ${WORK_DIR}/${dir}/${name} "#!/bin/sh\necho ${version}\n")
  file(CHMOD ${WORK_DIR}/${dir}/${name} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
endfunction()
function(expect dir want)
  set(ENV{PATH} ${WORK_DIR}/${dir})
  lastref_find_clang(got)
  if(want STREQUAL "none")
    if(got)
      message(FATAL_ERROR "${dir}: found ${got}, want none")
    endif()
  elseif(NOT got STREQUAL "${WORK_DIR}/${dir}/${want}")
    message(FATAL_ERROR "${dir}: found '${got}', want ${want}")
  endif()
endfunction()

fake(mixed clang++-13 13.0.1)
fake(mixed clang++-14 14.0.6)
fake(mixed clang++-17 17.0.6)
fake(mixed clang++ 19.1.7)     # an unversioned name can be the newest
fake(mixed clang++-16 16.0.0)
expect(mixed clang++)
fake(versioned clang++-14 14.0.6)
fake(versioned clang++-18 18.1.8)
fake(versioned clang++ 14.0.6)
expect(versioned clang++-18)
fake(old clang++-13 13.0.1)
fake(old clang++ 11.1.0)
expect(old none)
message(STATUS "lastref_find_clang: newest 14+ chosen, older ones refused")
