# The portable files compiled as POSIX alone allows: -D_XOPEN_SOURCE=700,
# no _GNU_SOURCE (which the real build defines everywhere, for glibc), so
# that a call only Linux has cannot slip outside the inotify backend
# (core/watch_inotify.c) or a guarded helper.  Syntax only: nothing is
# built.  Run by CTest (tests/unit/CMakeLists.txt) as
#   cmake -DCC=... -DSOURCE_DIR=... -DINCLUDES=a;b -P portable-check.cmake
file(GLOB sources "${SOURCE_DIR}/core/*.c" "${SOURCE_DIR}/plugins/*/*.c")
list(FILTER sources EXCLUDE REGEX "/core/watch_inotify\\.c$")
set(flags -std=c11 -D_XOPEN_SOURCE=700 -U_GNU_SOURCE -fsyntax-only
    -Werror=implicit-function-declaration -Werror=int-conversion
    -DCCT_VERSION="0" -DCCT_BUILD_DIR="." -DCCT_REL_PLUGIN_DIR="."
    -DCCT_REL_DATA_DIR=".")
foreach(dir "${SOURCE_DIR}/include" "${SOURCE_DIR}/core"
            "${SOURCE_DIR}/plugins/common" ${INCLUDES})
  list(APPEND flags "-I${dir}")
endforeach()
set(failed "")
foreach(source ${sources})
  execute_process(COMMAND "${CC}" ${flags} "${source}"
                  RESULT_VARIABLE status ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    message("${errors}")
    list(APPEND failed "${source}")
  endif()
endforeach()
list(LENGTH sources count)
if(failed)
  string(REPLACE ";" "\n  " failed "${failed}")
  message(FATAL_ERROR "not portable (see above):\n  ${failed}")
endif()
message("${count} files compile with -D_XOPEN_SOURCE=700 alone")
