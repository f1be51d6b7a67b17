// Dense (group 1) 2-D convolution in the NCHWc layout (kernels/nchwc/nchwc_layout.h): any kernel size,
// stride, dilation and zero padding, optional bias, a fused activation and an optional residual, with Y in
// NCHWc and X in NCHWc or, for a run's first conv (e.g. the stem reading a 3-channel image), plain NCHW.
// Pointwise (1x1) convs are the common case: a product whose rows are pixels and whose columns are output
// channels (one vector = b output channels), so a 7x7 image still fills every lane.
//
// Same formula as conv2d_reference (kernels/conv2d/conv2d.h) on the real channels:
//   y[n,m,oh,ow] = act(bias[m] + sum_{c,i,j} w[m,c,i,j] * x[n,c,oh*sh - pt + i*dh, ow*sw - pl + j*dw]) (+ R)
// accumulated in float; tolerance in docs/KERNELS.md. Padding lanes of X (and R) are never read into a
// real output; padding lanes of Y get act(bias 0 + zero weights times X) (+ R), the same on every path.
#pragma once

#include <cstdint>

#include "kernels/conv2d/conv2d.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

struct Conv2dNchwcParams {
  // Shapes in NCHW terms with the REAL channel counts; group must be 1. in_image_stride/out_image_stride
  // must be 0. activation and residual_before_activation as in Conv2dParams.
  Conv2dParams conv;
  int64_t block = 16;    // b: lanes per channel block of Y and R (and of X unless x_plain)
  bool x_plain = false;  // X is plain NCHW [N, C, H, W] instead of NCHWc
};

// True when the kernels below compute p: group 1, sizes >= 1, image strides 0, block in 1..64; on Avx2 the
// block must be 8, on Avx512 16 (Scalar: any).
bool conv2d_nchwc_supported(KernelIsa isa, const Conv2dNchwcParams& p);

// Weights packed once at load (same layout on every path for a given block):
//   packed[((mb * C + c) * kh + i) * kw + j) * b + lane] = w[mb*b + lane, c, i, j]   (0 for padding lanes)
// followed by the bias padded to MB * b floats (0 where bias is null or for padding lanes), MB =
// nchwc_blocks(out_channels, b).
int64_t conv2d_nchwc_packed_floats(const Conv2dNchwcParams& p);
void conv2d_nchwc_pack(const Conv2dNchwcParams& p, const float* w, const float* bias, float* packed);

// Y = act(conv(X) + bias) (+ R after the activation, or inside it with residual_before_activation);
// residual may be null. y must not alias x or residual. Computes the output rows [row_begin, row_end) of
// the flattened (n, mb, oh) index row = (n * MB + mb) * out_h + oh, so the caller splits work over
// threads by rows. Allocates nothing, throws nothing. Requires conv2d_nchwc_supported(isa, p).
// Every split of the rows gives the same bits (each output is summed in one fixed order on each path).
int64_t conv2d_nchwc_rows(const Conv2dNchwcParams& p);  // N * MB * out_h
void conv2d_nchwc(KernelIsa isa, const Conv2dNchwcParams& p, const float* x, const float* packed,
                  const float* residual, float* y, int64_t row_begin, int64_t row_end);

// Per-path entry points. The Scalar one is the plain-loop reference the vector paths are tested against.
void conv2d_nchwc_scalar(const Conv2dNchwcParams& p, const float* x, const float* packed, const float* residual,
                         float* y, int64_t row_begin, int64_t row_end);
void conv2d_nchwc_avx2(const Conv2dNchwcParams& p, const float* x, const float* packed, const float* residual,
                       float* y, int64_t row_begin, int64_t row_end);
void conv2d_nchwc_avx512(const Conv2dNchwcParams& p, const float* x, const float* packed, const float* residual,
                         float* y, int64_t row_begin, int64_t row_end);

}  // namespace vigil::kernels
