# Cross-compile for Linux ARM64 with Debian's g++-aarch64-linux-gnu; CTest runs the test binaries
# under qemu-user. Usage:
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# -L makes the cross sysroot's loader run the binaries; LD_LIBRARY_PATH (set for the guest only) makes it load the
# sysroot's libc and libstdc++ too. Without it, a host with Debian's multiarch arm64 packages (libc6:arm64 in
# /lib/aarch64-linux-gnu) gives the guest that libc under the cross loader of another glibc build: the mismatch
# spins forever inside the first pthread call.
set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-aarch64;-L;/usr/aarch64-linux-gnu;-E;LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib")
