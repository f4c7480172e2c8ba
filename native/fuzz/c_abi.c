/* C-side wrappers of c_abi.h: enum arguments from plain ints, as a C or C# caller passes them. */
#include "c_abi.h"

const char* rkfuzz_status_name(int status) { return rk_status_name((rk_status)status); }
const char* rkfuzz_isa_name(int isa) { return rk_isa_name((rk_isa)isa); }
rk_status rkfuzz_cpu_isa_supported(int isa, int32_t* out_supported) {
    return rk_cpu_isa_supported((rk_isa)isa, out_supported);
}
void rkfuzz_set_options_isa(rk_cpu_context_options* options, int isa) { options->isa = (rk_isa)isa; }
int rkfuzz_info_isa(const rk_context_info* info) { return (int)info->isa; }
rk_status rkfuzz_dropout_mask_bytes(int format, int64_t count, int64_t* out_bytes) {
    return rk_dropout_mask_bytes((rk_mask_format)format, count, out_bytes);
}
rk_status rkfuzz_dropout_forward(rk_context* context, const rk_philox_stream* stream, double p, uint64_t element_offset,
                                 const float* x, float* y, int64_t count, int format, void* mask) {
    return rk_dropout_forward(context, stream, p, element_offset, x, y, count, (rk_mask_format)format, mask);
}
rk_status rkfuzz_dropout_backward(rk_context* context, const rk_philox_stream* stream, double p,
                                  uint64_t element_offset, const float* dy, float* dx, int64_t count, int format,
                                  const void* mask) {
    return rk_dropout_backward(context, stream, p, element_offset, dy, dx, count, (rk_mask_format)format, mask);
}
rk_status rkfuzz_dropout_mask(rk_context* context, const rk_philox_stream* stream, double p, uint64_t element_offset,
                              int64_t count, int format, void* mask) {
    return rk_dropout_mask(context, stream, p, element_offset, count, (rk_mask_format)format, mask);
}
void rkfuzz_set_layout(rk_conv2d_desc* desc, int layout) { desc->layout = (rk_conv_layout)layout; }
rk_status rkfuzz_conv2d_query(const rk_conv2d_desc* desc, int pass, int requested, int* out_chosen,
                              int64_t* out_workspace_bytes) {
    rk_conv_algorithm chosen = RK_CONV_AUTO;
    const rk_status s = rk_conv2d_query(desc, (rk_conv_pass)pass, (rk_conv_algorithm)requested,
                                        out_chosen ? &chosen : 0, out_workspace_bytes);
    if (out_chosen) *out_chosen = (int)chosen;
    return s;
}
rk_status rkfuzz_conv2d_forward(rk_context* context, const rk_conv2d_desc* desc, int algorithm, const float* x,
                                const float* w, const float* bias, float* y, void* workspace, int64_t workspace_bytes,
                                int* out_chosen) {
    rk_conv_algorithm chosen = RK_CONV_AUTO;
    const rk_status s = rk_conv2d_forward(context, desc, (rk_conv_algorithm)algorithm, x, w, bias, y, workspace,
                                          workspace_bytes, out_chosen ? &chosen : 0);
    if (out_chosen) *out_chosen = (int)chosen;
    return s;
}
rk_status rkfuzz_activation_forward(rk_context* context, int kind, float negative_slope, const float* x, float* y,
                                    int64_t count) {
    return rk_activation_forward(context, (rk_activation)kind, negative_slope, x, y, count);
}
rk_status rkfuzz_activation_backward(rk_context* context, int kind, float negative_slope, const float* x,
                                     const float* dy, float* dx, int64_t count) {
    return rk_activation_backward(context, (rk_activation)kind, negative_slope, x, dy, dx, count);
}
void rkfuzz_set_pool_mode_layout(rk_pool2d_desc* desc, int mode, int layout) {
    desc->mode = (rk_pool_mode)mode;
    desc->layout = (rk_conv_layout)layout;
}
rk_status rkfuzz_global_avg_pool2d_forward(rk_context* context, int layout, int64_t n, int64_t c, int64_t h, int64_t w,
                                           const float* x, float* y) {
    return rk_global_avg_pool2d_forward(context, (rk_conv_layout)layout, n, c, h, w, x, y);
}
rk_status rkfuzz_global_avg_pool2d_backward(rk_context* context, int layout, int64_t n, int64_t c, int64_t h,
                                            int64_t w, const float* dy, float* dx) {
    return rk_global_avg_pool2d_backward(context, (rk_conv_layout)layout, n, c, h, w, dy, dx);
}
