#!/usr/bin/env bash
# Checks a MinGW-w64 build of libreprokit.dll (cmake/toolchains/mingw-w64.cmake) for what Windows users need:
#   - it imports only Windows system DLLs (no libgcc_s_seh-1.dll, libstdc++-6.dll or libwinpthread-1.dll to ship);
#   - it exports exactly the RK_API functions of native/include/reprokit/reprokit.h and of native/src/api/testing.h
#     (the native tests' entry points), nothing of libstdc++'s;
#   - no aligned vector move is left in its code (GCC bug 54412: an aligned AVX/AVX-512 spill to Windows' 16-byte
#     aligned stack faults; the toolchain's -Wa,-muse-unaligned-vector-move rewrites them all).
#   scripts/check-windows-dll.sh [BUILD_DIR]     (default build/ci-win64); exit 1 on any violation
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/ci-win64}
dll="$build/bin/libreprokit.dll"
objdump=x86_64-w64-mingw32-objdump
[ -f "$dll" ] || { echo "check-windows-dll: no $dll (build with cmake/toolchains/mingw-w64.cmake)" >&2; exit 2; }
command -v "$objdump" > /dev/null || { echo "check-windows-dll: $objdump not found (scripts/install-prerequisites.sh --windows)" >&2; exit 2; }
bad=0
headers=$("$objdump" -p "$dll")

imports=$(sed -nE 's/^[[:space:]]*DLL Name: (.*)$/\1/p' <<<"$headers" | sort -u)
system_re='^(KERNEL32|msvcrt|ADVAPI32|USER32|ucrtbase|api-ms-win-[a-z0-9-]+)\.dll$'
echo "imports: $(tr '\n' ' ' <<<"$imports")"
while read -r dll_name; do
  [ -z "$dll_name" ] && continue
  grep -qiE "$system_re" <<<"$dll_name" || { echo "check-windows-dll: libreprokit.dll needs $dll_name, which is not a Windows system DLL"; bad=1; }
done <<<"$imports"

exports=$(sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' <<<"$headers" | sed -nE 's/^[[:space:]]*\[[[:space:]]*[0-9]+\][[:space:]]+(.*)$/\1/p' | sort -u)
declared=$(cat "$root/native/include/reprokit/reprokit.h" "$root/native/src/api/testing.h" \
  | grep -oE '^RK_API[^(]*[[:space:]*]\**(rk_[a-z0-9_]+)\(' | sed -E 's/.*(rk_[a-z0-9_]+)\($/\1/' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exports"))
extra=$(comm -13 <(echo "$declared") <(echo "$exports"))
echo "exports: $(wc -l <<<"$exports") functions, $(wc -l <<<"$declared") declared RK_API"
[ -z "$missing" ] || { echo "check-windows-dll: not exported: $(tr '\n' ' ' <<<"$missing")"; bad=1; }
[ -z "$extra" ] || { echo "check-windows-dll: exported but not in reprokit.h: $(tr '\n' ' ' <<<"$extra")"; bad=1; }

aligned=$("$objdump" -d --no-show-raw-insn "$dll" | grep -cE '[[:space:]]vmov(dqa|dqa32|dqa64|aps|apd)[[:space:]]' || true)
echo "aligned vector moves: $aligned"
[ "$aligned" = 0 ] || { echo "check-windows-dll: $aligned aligned vector moves left (GCC bug 54412: build with -Wa,-muse-unaligned-vector-move)"; bad=1; }

[ "$bad" = 0 ] && echo "check-windows-dll: ok"
exit $bad
