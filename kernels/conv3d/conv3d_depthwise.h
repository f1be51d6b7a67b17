// Depthwise 3-D convolution (group == in_channels: one input channel per group, M/C filters per channel;
// X3D and separable video nets). Same Conv3dParams and formula as conv3d_reference. Direct: each output
// plane starts at the bias and accumulates, tap by tap, `w * x` over every output row the tap reaches
// (unit-stride rows vectorise), then the activation runs over the finished plane. Float accumulation, bias first, taps
// in (a, i, j) order. No workspace. Scalar, AVX2 and AVX-512 builds of the same code (conv3d_depthwise_impl.h).
#pragma once

#include <cstdint>

#include "kernels/conv3d/conv3d.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// group == in_channels (>= 1), out_channels a multiple of it.
bool conv3d_depthwise_supported(const Conv3dParams& p);

// Output channels [first, last) of the flattened (image, output channel) range [0, batch*out_channels), so
// callers split channels over threads. w is [M, 1, kd, kh, kw]; bias [M] or null. y must not alias x.
// Allocates nothing, throws nothing. Calling a path the CPU lacks is undefined.
void conv3d_depthwise(KernelIsa isa, const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                      int64_t first, int64_t last);

void conv3d_depthwise_scalar(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                             int64_t first, int64_t last);
void conv3d_depthwise_avx2(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                           int64_t first, int64_t last);
void conv3d_depthwise_avx512(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y,
                             int64_t first, int64_t last);

}  // namespace vigil::kernels
