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
# Each installed include folder is the tree's, file for file: the
# primitives' (include/lastref) and the model's (include/lastref/model, which
# also holds nothing the tree does not). The zoo (deliberately broken
# variants) is not installed.
function(same_folder tree installed exact)
  file(GLOB_RECURSE headers RELATIVE ${tree} ${tree}/*.h)
  foreach(h IN LISTS headers)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${tree}/${h} ${installed}/${h}
      RESULT_VARIABLE differs)
    if(differs)
      message(FATAL_ERROR "installed ${installed}/${h} is missing or differs from the tree's")
    endif()
  endforeach()
  if(exact)
    file(GLOB_RECURSE extra RELATIVE ${installed} ${installed}/*)
    list(REMOVE_ITEM extra ${headers})
    if(extra)
      message(FATAL_ERROR "installed ${installed} holds files the tree's ${tree} does not: ${extra}")
    endif()
  endif()
endfunction()
if(PRIMITIVES_INCLUDE)
  same_folder(${PRIMITIVES_INCLUDE} ${WORK_DIR}/prefix/include/lastref OFF)
  file(GLOB_RECURSE zoo ${WORK_DIR}/prefix/*zoo*)
  if(zoo)
    message(FATAL_ERROR "the zoo is installed: ${zoo}")
  endif()
endif()
if(MODEL_INCLUDE AND EXISTS ${WORK_DIR}/prefix/include/lastref/model)
  same_folder(${MODEL_INCLUDE} ${WORK_DIR}/prefix/include/lastref/model ON)
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
if(EXISTS ${WORK_DIR}/build/model_consumer)
  run(${WORK_DIR}/build/model_consumer)
endif()
