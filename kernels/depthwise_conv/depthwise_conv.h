// Depthwise 2-D convolution (group == in_channels == out_channels, one filter per channel) over NCHW, with
// any kernel size, stride, dilation and zero padding, optional bias and a fused activation. Same
// Conv2dParams and the same formula as conv2d_reference (kernels/conv2d/conv2d.h); scalar, AVX2 and
// AVX-512 paths behind one function-pointer API. Tested against conv2d_reference
// (tests/unit/test_depthwise_conv.cpp); tolerance and design in docs/KERNELS.md.
//
// How it works: per channel the input plane is copied once into a zero-padded, stride-phase-split copy in
// the workspace (phase p of a padded row holds columns p, p+stride, ...), so every kernel tap of a row of
// outputs becomes a contiguous, unmasked vector load; the accumulators of 4 vectors of outputs stay in
// registers across all taps (single vectors for row tails); bias is the initial value; the activation runs
// over each finished row.
//
// Threads: channels are independent. To split, call the function on a channel range with in_channels =
// out_channels = group = the range's size and x, w, bias, y offset to its first channel (batch = 1 per
// call, or keep batch and split only when batch == 1), each call with its own workspace.
#pragma once

#include <cstdint>

#include "kernels/conv2d/conv2d.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {


// True when p describes a depthwise conv these kernels handle: group == in_channels == out_channels >= 1,
// all sizes >= 1.
bool depthwise_conv_supported(const Conv2dParams& p);

// Bytes of scratch for one call (any path); the workspace may have any alignment.
int64_t depthwise_conv_workspace_bytes(const Conv2dParams& p);

// y = act(bias + depthwise conv(x, w)); w is [C, 1, kernel_h, kernel_w]; bias [C] or null. y must not
// alias x. Allocates nothing, throws nothing. Calling a path the CPU lacks is undefined.
using DepthwiseConvFn = void (*)(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                                 void* workspace);
DepthwiseConvFn select_depthwise_conv(KernelIsa isa);

void depthwise_conv_scalar(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                           void* workspace);
void depthwise_conv_avx2(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                         void* workspace);
void depthwise_conv_avx512(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                           void* workspace);

}  // namespace vigil::kernels
