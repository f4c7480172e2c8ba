# The CUDA plugin (libreprokit_cuda.so): REPROKIT_CUDA=AUTO builds it when a CUDA compiler is found, ON requires
# one, OFF skips it. A machine without CUDA still builds and runs everything on the CPU; the core loads the
# plugin at run time when it sits next to libreprokit.so.
#
# Toolchain facts (docs/cuda.md): Debian's nvidia-cuda-toolkit is CUDA 11.8, whose nvcc rejects g++ 12, so the
# host compiler defaults to clang++-14 when it exists; C++17 in .cu files. Architectures: cubins for sm_70 ...
# sm_89 and sm_90 as cubin + PTX (JIT for later GPUs).
set(REPROKIT_CUDA AUTO CACHE STRING "Build the CUDA plugin: AUTO (when nvcc is found), ON (required), OFF")
set_property(CACHE REPROKIT_CUDA PROPERTY STRINGS AUTO ON OFF)
set(REPROKIT_CUDA_ARCHITECTURES "70-real;75-real;80-real;86-real;89-real;90" CACHE STRING
    "CUDA architectures of the plugin (CMAKE_CUDA_ARCHITECTURES syntax)")
set(REPROKIT_HAVE_CUDA OFF)

if(NOT REPROKIT_CUDA MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "REPROKIT_CUDA must be AUTO, ON or OFF (got '${REPROKIT_CUDA}')")
endif()

if(NOT REPROKIT_CUDA STREQUAL "OFF" AND NOT CMAKE_CROSSCOMPILING)
  if(NOT CMAKE_CUDA_HOST_COMPILER AND NOT DEFINED ENV{CUDAHOSTCXX})
    find_program(_rk_clang14 clang++-14)
    if(_rk_clang14)
      set(CMAKE_CUDA_HOST_COMPILER ${_rk_clang14} CACHE FILEPATH "Host compiler of nvcc")
    endif()
  endif()
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/bin/nvcc CACHE FILEPATH "CUDA compiler")
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_ARCHITECTURES "${REPROKIT_CUDA_ARCHITECTURES}")
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_EXTENSIONS OFF)
    set(CMAKE_CUDA_RUNTIME_LIBRARY Static)  # the plugin needs only the driver (libcuda.so.1) at run time
    enable_language(CUDA)
    set(REPROKIT_HAVE_CUDA ON)
    message(STATUS "ReproKit: CUDA plugin enabled (${CMAKE_CUDA_COMPILER_ID} ${CMAKE_CUDA_COMPILER_VERSION}, host ${CMAKE_CUDA_HOST_COMPILER}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(REPROKIT_CUDA STREQUAL "ON")
    message(FATAL_ERROR "REPROKIT_CUDA=ON but no working CUDA compiler was found. Install it with "
                        "'scripts/install-prerequisites.sh --cuda' (Debian's nvidia-cuda-toolkit), or set "
                        "CMAKE_CUDA_COMPILER.")
  else()
    message(STATUS "ReproKit: no CUDA compiler found; the CUDA plugin is not built (REPROKIT_CUDA=AUTO)")
  endif()
elseif(REPROKIT_CUDA STREQUAL "ON" AND CMAKE_CROSSCOMPILING)
  message(FATAL_ERROR "REPROKIT_CUDA=ON is not supported in cross builds")
endif()

# Bitwise flags for device code (DESIGN section 1): no contraction into FMA, IEEE division and square root, no
# flush to zero; warnings are errors with REPROKIT_WARNINGS_AS_ERRORS.
function(reprokit_apply_cuda_flags target)
  if(MSVC)
    set(_rk_host_flags -Xcompiler=/fp:precise)
  else()
    set(_rk_host_flags -Xcompiler=-ffp-contract=off,-fno-fast-math,-Wall)
  endif()
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-fmad=false -prec-div=true -prec-sqrt=true -ftz=false
      $<$<BOOL:${REPROKIT_WARNINGS_AS_ERRORS}>:--Werror=all-warnings> ${_rk_host_flags}>)
endfunction()
