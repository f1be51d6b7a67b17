// Depthwise ConvTranspose2d (group == in_channels: each output channel m reads input channel m / Mg alone,
// Mg = out_channels / group, any multiplier) as a direct kernel, instead of per-channel GEMMs with one row
// (~4.5 GFLOP/s). Same formula as conv_transpose2d_reference (conv_transpose2d.h), in float.
//
// Output row oh gets, from every kernel row i whose input row ih = (oh + pad_top - i*dh) / sh exists, the
// taps j of input row ih. With stride sw the output columns fall into sw phases (ow = q*sw + ph); tap j feeds
// only phase ph_j = (j*dw - pad_left) mod sw, where output q reads input column q + off_j, contiguous in q.
// So a phase's columns are a contiguous run: on AVX2 / AVX-512 a vector of them at a time sums bias, then
// the taps in (i, j) order, in a register (FMAs), over the columns where every tap reads inside the input;
// the few edge columns one at a time in the same order. Phases are interleaved into the output row (stride
// 1: the phase is the row itself); the activation runs last (the packed GEMM's epilogue activation of the
// path). Not bit-identical to the reference (float sums): within the packed-GEMM tolerance with K = kh*kw
// (docs/OPERATORS.md).
#pragma once

#include <cstdint>

#include "kernels/conv_transpose2d/conv_transpose2d.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// Strides above this go to the GEMM path (the phase buffer holds stride_w * ceil(out_w / stride_w) floats).
inline constexpr int64_t kConvTransposeDepthwiseMaxStride = 64;

// group == in_channels (> 1 or not: a single channel is depthwise too) and stride_w within the limit.
bool conv_transpose2d_depthwise_supported(const ConvTranspose2dParams& p);
// Floats of scratch one call needs, 8-byte aligned: the phase buffer (stride_w * ceil(out_w / stride_w)
// floats, rounded up to even; none for stride_w == 1), then where each kernel row and column lands (40 bytes
// per kernel row / column) and the list of kernel rows feeding an output row (8 bytes per kernel row).
int64_t conv_transpose2d_depthwise_workspace_floats(const ConvTranspose2dParams& p);
int64_t conv_transpose2d_depthwise_phase_floats(const ConvTranspose2dParams& p);

// Output planes [plane_begin, plane_end) of the batch * out_channels planes; w: [in_channels, Mg, kh, kw];
// bias may be null; work: conv_transpose2d_depthwise_workspace_floats(p) floats private to the call. y must
// not alias x. Allocates nothing, throws nothing; params must be valid and supported.
void conv_transpose2d_depthwise(KernelIsa isa, const ConvTranspose2dParams& p, const float* x, const float* w,
                                const float* bias, float* y, int64_t plane_begin, int64_t plane_end, float* work);

void conv_transpose2d_depthwise_avx2(const ConvTranspose2dParams& p, const float* x, const float* w, const float* bias,
                                     float* y, int64_t plane_begin, int64_t plane_end, float* work);
void conv_transpose2d_depthwise_avx512(const ConvTranspose2dParams& p, const float* x, const float* w,
                                       const float* bias, float* y, int64_t plane_begin, int64_t plane_end,
                                       float* work);

}  // namespace vigil::kernels
