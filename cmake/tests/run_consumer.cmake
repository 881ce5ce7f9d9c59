# SPDX-License-Identifier: MIT
# Installs BUILD_DIR into WORK_DIR/prefix, builds SOURCE_DIR against it with
# find_package(lastref CONFIG REQUIRED) and runs the result.
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
# The installed primitives are the tree's include folder, file for file, and
# the zoo (deliberately broken variants) is not installed.
if(PRIMITIVES_INCLUDE)
  file(GLOB_RECURSE headers RELATIVE ${PRIMITIVES_INCLUDE} ${PRIMITIVES_INCLUDE}/*.h)
  foreach(h IN LISTS headers)
    set(installed ${WORK_DIR}/prefix/include/lastref/${h})
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${PRIMITIVES_INCLUDE}/${h} ${installed}
      RESULT_VARIABLE differs)
    if(differs)
      message(FATAL_ERROR "installed ${installed} is missing or differs from the tree's")
    endif()
  endforeach()
  file(GLOB_RECURSE zoo ${WORK_DIR}/prefix/*zoo*)
  if(zoo)
    message(FATAL_ERROR "the zoo is installed: ${zoo}")
  endif()
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
if(EXISTS ${WORK_DIR}/build/model_consumer)
  run(${WORK_DIR}/build/model_consumer)
endif()
