# Cross-compile libreprokit.dll for Windows x64 with Debian's MinGW-w64 GCC (posix threads: std::thread and std::mutex
# need them); CTest runs the test binaries under Wine. Usage (scripts/install-prerequisites.sh --windows first):
#   cmake -S . -B build-win64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# GCC bug 54412: Windows x64 aligns the stack to 16 bytes only, yet GCC spills AVX and AVX-512 registers with aligned
# moves (vmovaps/vmovdqa64) to 32- and 64-byte stack slots it cannot align, which faults. The assembler rewrites
# every aligned vector move into its unaligned form (same speed on aligned data since Haswell/Skylake-X), so no spill
# can fault. scripts/check-windows-dll.sh fails if an aligned vector move is left in libreprokit.dll (today's sources
# have none on the stack even without the flag, but 48 aligned AVX-512 moves of constants: the flag keeps it so as
# the code changes), and the native tests run the AVX2 and AVX-512 paths under Wine.
set(CMAKE_C_FLAGS_INIT "-Wa,-muse-unaligned-vector-move")
set(CMAKE_CXX_FLAGS_INIT "-Wa,-muse-unaligned-vector-move")
# libreprokit.dll and the test programs carry libgcc, libstdc++ and winpthread inside them: they need nothing beyond
# the Windows system DLLs (checked with objdump -p by scripts/check-windows-dll.sh).
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static")

# Wine runs the tests. Debian installs wine64 outside PATH (/usr/lib/wine/wine64).
find_program(REPROKIT_WINE NAMES wine64 wine PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(REPROKIT_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${REPROKIT_WINE}")
endif()
