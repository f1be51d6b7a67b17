// Grouped 2-D convolution with few channels per group (ResNeXt's 32 groups of 4-32 channels, RegNet's
// groups of 8) over NCHW, with any kernel size, stride, dilation and zero padding, optional bias and a
// fused activation. Same Conv2dParams and formula as conv2d_reference (kernels/conv2d/conv2d.h); scalar,
// AVX2 and AVX-512 paths behind one function-pointer API. Tested against conv2d_reference
// (tests/unit/test_grouped_conv.cpp); tolerance and measurements in docs/KERNELS.md.
//
// Why: the packed GEMM ran such a conv as one product per group with M = the group's output channels
// (4 on ResNeXt's first stage: half of each 8-row register tile empty) and K = 36, so each tile did little
// more than load and store; ResNeXt-50's grouped convs took 6.5 ms, ONNX Runtime's 1.7 ms.
//
// How it works: the depthwise kernel's plan (kernels/depthwise_conv) with the group's input channels
// summed into each output: per group and band of output rows, each input channel of the group is copied
// into a zero-padded, stride-phase-split plane (every tap of a row of outputs is then a contiguous vector
// load), and blocks of up to 4 output channels x a few rows x a few vectors of outputs keep their
// accumulators in registers over all input channels and taps; each loaded input vector serves the block's
// output channels, each weight is one broadcast. Bias is the initial value; the activation runs over each
// finished output plane.
//
// Threads: groups are independent. To split, call the function on a group range with in_channels,
// out_channels and group scaled to the range and x, w, bias, y offset to its first group (batch 1 per
// call), each call with its own workspace.
#pragma once

#include <cstdint>

#include "kernels/conv2d/conv2d.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// True when p is a grouped conv these kernels compute: group > 1 dividing both channel counts, not
// depthwise (group == in_channels == out_channels: kernels/depthwise_conv), all sizes >= 1.
bool grouped_conv_supported(const Conv2dParams& p);

// Where it beats the packed GEMM per group: supported, on a vector path, and at most
// kGroupedConvMaxGroupChannels input channels per group. Single 3x3 pad-1 convs + ReLU, one thread, AVX-512
// (ms, this kernel vs the packed GEMM per group): 32 groups of 4 at 56x56 0.250 vs 0.665, of 8 at 28x28 0.251
// vs 0.370, of 8 at stride 2 from 56x56 0.346 vs 0.499, 26 groups of 8 at 14x14 0.079 vs 0.104; but of 16 at
// 14x14 0.325 vs 0.298 and of 32 at 7x7 0.558 vs 0.307 (a 7-wide row fills 7 of a vector's 16 lanes).
inline constexpr int64_t kGroupedConvMaxGroupChannels = 8;
bool grouped_conv_preferred(KernelIsa isa, const Conv2dParams& p);

// Bytes of scratch for one call (any path); the workspace may have any alignment.
int64_t grouped_conv_workspace_bytes(const Conv2dParams& p);

// y = act(bias + grouped conv(x, w)); w is [out_channels, in_channels / group, kernel_h, kernel_w]; bias
// [out_channels] or null. y must not alias x. Allocates nothing, throws nothing. Calling a path the CPU
// lacks is undefined.
using GroupedConvFn = void (*)(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                               void* workspace);
GroupedConvFn select_grouped_conv(KernelIsa isa);

void grouped_conv_scalar(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                         void* workspace);
void grouped_conv_avx2(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                       void* workspace);
void grouped_conv_avx512(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                         void* workspace);

}  // namespace vigil::kernels
