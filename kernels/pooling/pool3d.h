// 3-D max and average pooling over NCDHW tensors (video: D is time), with the exact semantics of the 2-D
// kernels in pooling.h extended by a depth dim. Each (n, c) volume is pooled independently, so the kernels
// see a stack of `volumes` = N*C volumes (callers split that range over threads).
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"

namespace vigil::kernels {

struct Pool3dParams {
  int64_t volumes = 1;  // N * C
  int64_t in_d = 1, in_h = 1, in_w = 1;
  int64_t out_d = 1, out_h = 1, out_w = 1;
  int64_t kernel_d = 1, kernel_h = 1, kernel_w = 1;
  int64_t stride_d = 1, stride_h = 1, stride_w = 1;
  int64_t dilation_d = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_front = 0, pad_top = 0, pad_left = 0, pad_back = 0, pad_bottom = 0, pad_right = 0;
  // AveragePool only: divide by the number of window cells inside the padded input (true) or inside the
  // unpadded input (false).
  bool count_include_pad = false;
};

// Window (od, oh, ow) covers planes od*stride_d - pad_front + a*dilation_d, a < kernel_d (rows and columns
// likewise). Max: the largest covered input cell; cells outside the input never win; NaN propagates (the
// last NaN in window order is returned); every window must cover at least one input cell (the engine checks
// this at load).
void max_pool3d_reference(const Pool3dParams& p, const float* x, float* y);

// Average: the sum of the covered input cells (in double) divided by the count described at
// count_include_pad. Cells a ceil_mode window reaches beyond pad_back/pad_bottom/pad_right count in neither
// case.
void average_pool3d_reference(const Pool3dParams& p, const float* x, float* y);

// MaxPool3d on the optimised paths, bit for bit max_pool3d_reference (NaN, -0 and ties included). Rows of
// stride 1 run the separable loop (max_pool3d_fast_<isa> below); strided rows the pooled-planes variant:
// every input plane pooled in 2-D by max_pool2d_fast (max_pool2d_fast_avx512 on the AVX-512 path) into
// scratch, then the max across depth (measured faster for k2 s2: the separable loop's extra row copies cost
// more than the 2-D kernel's strided loads). Volumes [volume_begin, volume_end); scratch:
// max_pool3d_fast_scratch_floats(p) floats. Calling a path the CPU lacks is undefined.
int64_t max_pool3d_fast_scratch_floats(const Pool3dParams& p);
void max_pool3d_fast(const Pool3dParams& p, KernelIsa isa, const float* x, float* y, int64_t volume_begin,
                     int64_t volume_end, float* scratch);

// The separable loop, any strides: every input row of a volume copied between -inf cells (split into stride
// phases when strided) and pooled along W into scratch rows of out_w maxima (rounded up to 16: whole
// vectors), then along H (the window's rows combined into a pooled plane), then each output plane combines
// the pooled planes of its depth taps. Each pass applies the reference's rule (take v if v > best or v is
// NaN) over the taps in order; -inf cells never change a result, and the rule composes over contiguous
// segments of the (a, i, j) window order (the first of equal values stays, the last NaN wins), so the split
// changes nothing. Scalar, AVX2 and AVX-512 builds of one loop (the compiler vectorises it). Scratch:
// max_pool3d_separable_scratch_floats(p) floats.
int64_t max_pool3d_separable_scratch_floats(const Pool3dParams& p);
void max_pool3d_fast_scalar(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin,
                            int64_t volume_end, float* scratch);
void max_pool3d_fast_avx2(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin, int64_t volume_end,
                          float* scratch);
void max_pool3d_fast_avx512(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin,
                            int64_t volume_end, float* scratch);

// AveragePool3d windows deeper than one plane on the optimised paths, bit for bit
// average_pool3d_reference: per volume the input planes are copied once into zero-padded planes, and each
// output's double sum adds its window's cells in the reference's (a, i, j) order, outputs of a row in
// vector lanes (a cell outside the input adds +0.0, which changes no sum that starts at +0.0); the count is
// the product of the per-dim counts; sum / count rounded once. Scalar, AVX2 and AVX-512 builds of one loop.
// Volumes [volume_begin, volume_end); scratch: average_pool3d_fast_scratch_bytes(p) bytes, any alignment;
// 0 means the padded planes would exceed 64 Mi floats (run the reference).
int64_t average_pool3d_fast_scratch_bytes(const Pool3dParams& p);
void average_pool3d_fast(const Pool3dParams& p, KernelIsa isa, const float* x, float* y, int64_t volume_begin,
                         int64_t volume_end, void* scratch);
void average_pool3d_fast_scalar(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin,
                                int64_t volume_end, void* scratch);
void average_pool3d_fast_avx2(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin,
                              int64_t volume_end, void* scratch);
void average_pool3d_fast_avx512(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin,
                                int64_t volume_end, void* scratch);

}  // namespace vigil::kernels
