# Writes OUT, a header defining DEQCHECK_GIT_REVISION as `git describe` of SRC
# sees it now, and leaves OUT untouched when that has not changed (so a build
# recompiles env.c only when the revision moved). Run at every build, not at
# configure time: a report must name the revision its binary was built from.
#   cmake -DSRC=<source dir> -DOUT=<header> -P revision.cmake
# A source tree unpacked inside some other checkout is not that checkout's
# revision: git's answer counts only when SRC is the top of the work tree.
execute_process(COMMAND git -C "${SRC}" rev-parse --show-toplevel
                OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE top_result)
execute_process(COMMAND git -C "${SRC}" describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE result)
get_filename_component(src_real "${SRC}" REALPATH)
if(top_result EQUAL 0)
  get_filename_component(top "${top}" REALPATH)
endif()
if(NOT top_result EQUAL 0 OR NOT top STREQUAL src_real OR NOT result EQUAL 0 OR rev STREQUAL "")
  set(rev "unknown")
endif()
set(text "#define DEQCHECK_GIT_REVISION \"${rev}\"\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
