// Scalar kernels: the portable reference path (every other ISA must match it bit for bit).
#include "kernel_table_impl.h"

namespace rk::cpu {

const KernelTable& kernels_scalar() {
    static const KernelTable table = IsaKernels<ScalarIsa>::table("scalar");
    return table;
}

}  // namespace rk::cpu
