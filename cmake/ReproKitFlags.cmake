# Bitwise-safe compiler flags (docs/spec.md, "Build rules"). Every ReproKit target calls
# reprokit_apply_flags(); nothing else in the build sets floating-point options.
#
# - No contraction of a*b+c into FMA: FMA is written explicitly where the spec says so.
# - Never fast-math or its parts: configuring with any of them in the global flags is an error,
#   because objects built that way (and crtfastmath.o) change results or set FTZ/DAZ process-wide.

# One regular expression: fast-math and each of its parts (GCC/Clang), -O "fast", nvcc's and MSVC's fast modes.
set(_reprokit_forbidden_regex
    "(^| )(-f(fast|unsafe|associative|reciprocal|finite)-math[-a-z]*|-O(fast)|--use_(fast)_math|/fp:(fast))( |$)")
foreach(_var CMAKE_C_FLAGS CMAKE_CXX_FLAGS CMAKE_CUDA_FLAGS CMAKE_CXX_FLAGS_RELEASE CMAKE_CXX_FLAGS_RELWITHDEBINFO)
  if(" ${${_var}} " MATCHES "${_reprokit_forbidden_regex}")
    message(FATAL_ERROR "${_var} contains '${CMAKE_MATCH_2}', which breaks ReproKit's bitwise contract. Remove it.")
  endif()
endforeach()

function(reprokit_apply_flags target)
  if(MSVC)
    # /fp:precise never contracts across statements in VS 2022 17.0+; FMA only through intrinsics.
    target_compile_options(${target} PRIVATE /fp:precise /W4 /permissive-)
  else()
    target_compile_options(${target} PRIVATE
      -ffp-contract=off -fno-fast-math -fno-unsafe-math-optimizations
      -Wall -Wextra -Wpedantic -Wshadow
      $<$<BOOL:${REPROKIT_WARNINGS_AS_ERRORS}>:-Werror>)
  endif()
endfunction()

# Per-file ISA flags for the CPU kernels; runtime dispatch decides which one runs.
function(reprokit_isa_sources)
  if(MSVC)
    set_source_files_properties(${ARGV0} PROPERTIES COMPILE_OPTIONS "/arch:AVX2")
    set_source_files_properties(${ARGV1} PROPERTIES COMPILE_OPTIONS "/arch:AVX512")
  else()
    set_source_files_properties(${ARGV0} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
    set(_avx512 -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma)
    # GCC 12 warns inside its own avx512fintrin.h about the _mm512_undefined_* passthroughs of its intrinsics
    # (`__m512i __Y = __Y;`), as -Wmaybe-uninitialized or, once deeply inlined (e.g. _mm512_slli_epi32 in the
    # software-pipelined GELU) or under sanitizers, as -Wuninitialized. Both are off for the AVX-512 files only.
    # (Clang has neither warning.)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      list(APPEND _avx512 -Wno-maybe-uninitialized -Wno-uninitialized)
    endif()
    set_source_files_properties(${ARGV1} PROPERTIES COMPILE_OPTIONS "${_avx512}")
  endif()
endfunction()

# Per-file flags for the SHA-256 instruction kernel of this target processor (native/src/verify/sha256_<arch>.cpp);
# run-time detection (cpu/cpu_features.cpp) decides whether it runs, so nothing else is built with these ISAs.
function(reprokit_sha256_sources)
  if(MSVC)
    return()  # MSVC compiles the SHA and SSE4.1 intrinsics without an /arch flag
  endif()
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set_source_files_properties(${ARGV} PROPERTIES COMPILE_OPTIONS "-msha;-mssse3;-msse4.1")
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
    set_source_files_properties(${ARGV} PROPERTIES COMPILE_OPTIONS "-march=armv8-a+crypto")
  endif()
endfunction()
