# Sanitizer and fuzzing builds (docs/reliability.md).
#
# REPROKIT_SANITIZE: a list (commas or semicolons) of address, undefined, leak. Every target of the build
# (library, tests, tools, GoogleTest when built from source) is compiled and linked with it, so that the
# shared library and the executables agree. UBSan never recovers (-fno-sanitize-recover=all): a finding
# aborts the test that hit it. "undefined" adds float-cast-overflow (out-of-range float -> integer
# conversions), which neither GCC nor Clang includes in -fsanitize=undefined everywhere.
#
# REPROKIT_FUZZ: Clang only; instruments everything for libFuzzer's coverage (-fsanitize=fuzzer-no-link)
# and defaults REPROKIT_SANITIZE to address,undefined. The harnesses themselves link -fsanitize=fuzzer.

if(REPROKIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "REPROKIT_FUZZ=ON needs Clang with libFuzzer (e.g. -DCMAKE_C_COMPILER=clang-16 "
                        "-DCMAKE_CXX_COMPILER=clang++-16; scripts/install-prerequisites.sh --fuzz installs it); "
                        "the compiler is ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}")
  endif()
  if(REPROKIT_SANITIZE STREQUAL "")
    set(REPROKIT_SANITIZE "address,undefined" CACHE STRING
        "Sanitizers for the library, tests and tools: a list of address, undefined, leak" FORCE)
  endif()
endif()

set(REPROKIT_SANITIZE_FLAGS "")
if(NOT REPROKIT_SANITIZE STREQUAL "")
  if(MSVC)
    message(FATAL_ERROR "REPROKIT_SANITIZE is supported with GCC and Clang only")
  endif()
  string(REPLACE "," ";" _rk_san_list "${REPROKIT_SANITIZE}")
  set(_rk_san_checks "")
  foreach(_san IN LISTS _rk_san_list)
    string(STRIP "${_san}" _san)
    if(_san STREQUAL "")
      continue()
    elseif(_san STREQUAL "address" OR _san STREQUAL "leak")
      list(APPEND _rk_san_checks ${_san})
    elseif(_san STREQUAL "undefined")
      list(APPEND _rk_san_checks undefined float-cast-overflow)
    else()
      message(FATAL_ERROR "REPROKIT_SANITIZE: '${_san}' is not one of address, undefined, leak")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES _rk_san_checks)
  # ASan carries LeakSanitizer on Linux; "leak" alone is the standalone LeakSanitizer.
  if("address" IN_LIST _rk_san_checks)
    list(REMOVE_ITEM _rk_san_checks leak)
  endif()
  list(JOIN _rk_san_checks "," _rk_san_joined)
  set(REPROKIT_SANITIZE_FLAGS -fsanitize=${_rk_san_joined} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  # C and C++ only: the CUDA plugin (nvcc) is built and linked without them.
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${REPROKIT_SANITIZE_FLAGS}>")
  add_link_options("$<$<LINK_LANGUAGE:C,CXX>:${REPROKIT_SANITIZE_FLAGS}>")
  message(STATUS "ReproKit: sanitizers ${_rk_san_joined}")
endif()

if(REPROKIT_FUZZ)
  add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=fuzzer-no-link>)
endif()
