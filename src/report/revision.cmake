# Writes OUT, a header defining DEQCHECK_GIT_REVISION as `git describe` of SRC
# sees it now, and leaves OUT untouched when that has not changed (so a build
# recompiles env.c only when the revision moved). Run at every build, not at
# configure time: a report must name the revision its binary was built from.
#   cmake -DSRC=<source dir> -DOUT=<header> -P revision.cmake
execute_process(COMMAND git -C "${SRC}" describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE result)
if(NOT result EQUAL 0 OR rev STREQUAL "")
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
