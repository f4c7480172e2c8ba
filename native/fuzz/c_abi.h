// Calls with enum arguments as a C caller (or the C# bindings) makes them: any int value, in range or not.
// In C++ an enum object holding a value outside its enumerators' range is undefined behaviour, which UBSan
// reports in the caller; these wrappers are compiled as C (c_abi.c), where it is well defined, so the harnesses
// can hand the library out-of-range values and UBSan checks only what the library does with them.
#pragma once

#include "reprokit/reprokit.h"

#ifdef __cplusplus
extern "C" {
#endif

const char* rkfuzz_status_name(int status);
const char* rkfuzz_isa_name(int isa);
rk_status rkfuzz_cpu_isa_supported(int isa, int32_t* out_supported);
void rkfuzz_set_options_isa(rk_cpu_context_options* options, int isa);
int rkfuzz_info_isa(const rk_context_info* info);
rk_status rkfuzz_dropout_mask_bytes(int format, int64_t count, int64_t* out_bytes);
rk_status rkfuzz_dropout_forward(rk_context* context, const rk_philox_stream* stream, double p, uint64_t element_offset,
                                 const float* x, float* y, int64_t count, int format, void* mask);
rk_status rkfuzz_dropout_backward(rk_context* context, const rk_philox_stream* stream, double p,
                                  uint64_t element_offset, const float* dy, float* dx, int64_t count, int format,
                                  const void* mask);
rk_status rkfuzz_dropout_mask(rk_context* context, const rk_philox_stream* stream, double p, uint64_t element_offset,
                              int64_t count, int format, void* mask);
void rkfuzz_set_layout(rk_conv2d_desc* desc, int layout);
rk_status rkfuzz_conv2d_query(const rk_conv2d_desc* desc, int pass, int requested, int* out_chosen,
                              int64_t* out_workspace_bytes);
rk_status rkfuzz_conv2d_forward(rk_context* context, const rk_conv2d_desc* desc, int algorithm, const float* x,
                                const float* w, const float* bias, float* y, void* workspace, int64_t workspace_bytes,
                                int* out_chosen);
rk_status rkfuzz_activation_forward(rk_context* context, int kind, float negative_slope, const float* x, float* y,
                                    int64_t count);
rk_status rkfuzz_activation_backward(rk_context* context, int kind, float negative_slope, const float* x,
                                     const float* dy, float* dx, int64_t count);
void rkfuzz_set_pool_mode_layout(rk_pool2d_desc* desc, int mode, int layout);
rk_status rkfuzz_global_avg_pool2d_forward(rk_context* context, int layout, int64_t n, int64_t c, int64_t h, int64_t w,
                                           const float* x, float* y);
rk_status rkfuzz_global_avg_pool2d_backward(rk_context* context, int layout, int64_t n, int64_t c, int64_t h,
                                            int64_t w, const float* dy, float* dx);

#ifdef __cplusplus
}
#endif
