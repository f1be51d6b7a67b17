// Depthwise 2-D convolution (group == in_channels == out_channels) in the NCHWc layout
// (kernels/nchwc/nchwc_layout.h): any kernel size, stride, dilation and zero padding, optional bias, a
// fused activation and an optional residual. One vector is b channels of one pixel, so each tap is one
// vector FMA with the tap's b weights: no plane copy, no transpose, full vectors for any image size.
//
// Same formula as conv2d_reference on the real channels:
//   y[n,c,oh,ow] = act(bias[c] + sum_{i,j} w[c,0,i,j] * x[n,c,oh*sh - pt + i*dh, ow*sw - pl + j*dw]) (+ R)
// accumulated in float over the taps in (i, j) order; tolerance in docs/KERNELS.md. Padding lanes of Y are
// unspecified (they never reach a real channel).
#pragma once

#include <cstdint>

#include "kernels/conv2d/conv2d.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

struct DepthwiseNchwcParams {
  // Shapes in NCHW terms with the REAL channel count; group == in_channels == out_channels;
  // in_image_stride/out_image_stride 0. activation and residual_before_activation as in Conv2dParams.
  Conv2dParams conv;
  int64_t block = 16;  // b: lanes per channel block of X, Y and R
};

// True when the kernels below compute p: depthwise, sizes >= 1, image strides 0, block in 1..64; on Avx2
// the block must be 8, on Avx512 16 (Scalar: any).
bool depthwise_nchwc_supported(KernelIsa isa, const DepthwiseNchwcParams& p);

// Weights packed once at load: packed[((cb * kh + i) * kw + j) * b + lane] = w[cb*b + lane, 0, i, j] (0 for
// padding lanes), then the bias padded to CB * b floats (0 where bias is null or for padding lanes).
int64_t depthwise_nchwc_packed_floats(const DepthwiseNchwcParams& p);
void depthwise_nchwc_pack(const DepthwiseNchwcParams& p, const float* w, const float* bias, float* packed);

// Y = act(depthwise(X) + bias) (+ R, as conv2d_nchwc); residual may be null; y must not alias x or
// residual. Computes the output rows [row_begin, row_end) of row = (n * CB + cb) * out_h + oh. Allocates
// nothing, throws nothing. Requires depthwise_nchwc_supported(isa, p).
int64_t depthwise_nchwc_rows(const DepthwiseNchwcParams& p);  // N * CB * out_h
void depthwise_nchwc(KernelIsa isa, const DepthwiseNchwcParams& p, const float* x, const float* packed,
                     const float* residual, float* y, int64_t row_begin, int64_t row_end);

void depthwise_nchwc_scalar(const DepthwiseNchwcParams& p, const float* x, const float* packed,
                            const float* residual, float* y, int64_t row_begin, int64_t row_end);
void depthwise_nchwc_avx2(const DepthwiseNchwcParams& p, const float* x, const float* packed, const float* residual,
                          float* y, int64_t row_begin, int64_t row_end);
void depthwise_nchwc_avx512(const DepthwiseNchwcParams& p, const float* x, const float* packed,
                            const float* residual, float* y, int64_t row_begin, int64_t row_end);

}  // namespace vigil::kernels
