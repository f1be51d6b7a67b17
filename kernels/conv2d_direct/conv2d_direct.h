// Direct convolution for convs with a short reduction and a wide output, e.g. a network's first layers
// (3 input channels x 3x3 taps = K 27, stride 2, a 128x128 output; then K 288), on the AVX2 and AVX-512
// paths.
//
// The packed GEMM (kernels/gemm_packed) gathers an im2col block for every product; with K = 27 and 32
// output channels each gathered value feeds only 32 multiply-adds, and the gather (a stride-2 shuffle per
// vector) plus the extra pass over the block cost as much as the multiply-adds. Here, one band of output
// rows (from oh0) at a time, the input rows the band needs are copied into zero-padded,
// column-deinterleaved planes
//
//   planes[c][phase][r][u] = x[c][oh0*sh + r - pad_top][(u - L) * sw + phase]   (0 outside the image)
//
// (sw = stride_w phases, L = left margin), in which every kernel tap (c, i, j) of an output row is one
// contiguous run: output pixels ow0 .. ow0+NR-1 of row oh read
//   planes[c][(j*dw - pad_left) mod sw][(oh - oh0)*sh + i*dh][ow0 + floor((j*dw - pad_left) / sw) + L + t].
// The microkernel (the GEMM's MR x NR register tile and fused epilogue) then loads its B vectors straight
// from the planes: each input value is shuffled once (stride 2), not once per kernel tap, and there is no
// packing pass.
//
// Weights: the packed-A layout of kernels/gemm_packed for the same isa (conv2d_gemm_pack_weights), so a
// conv packed for conv2d_gemm runs here unchanged. Each output is summed over k = (c*kh + i)*kw + j in
// order, in one chain (like the GEMM when K <= its KC).
#pragma once

#include <cstdint>

#include "kernels/conv2d/conv2d.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::kernels {

// The convs this kernel computes correctly: an AVX2 or AVX-512 path, group 1, stride_w 1 or 2. (Which
// of them it is FASTER for is conv2d_direct_preferred.)
bool conv2d_direct_supported(KernelIsa isa, const Conv2dParams& p);

// The convs where it beat the packed GEMM when measured (docs/KERNELS.md): supported, not a plain 1x1
// conv, and either an output at least one register tile (NR pixels) wide with K = C*kh*kw at most 288
// (stride 1: 1152), or an output exactly one vector (NR / 2 pixels) wide with stride 1 and K <= 1152.
bool conv2d_direct_preferred(KernelIsa isa, const Conv2dParams& p);

// Workspace bytes (any alignment) for `threads` tasks: per task the deinterleaved planes of one band of
// output rows, and the tap offset table.
int64_t conv2d_direct_workspace_bytes(KernelIsa isa, const Conv2dParams& p, int threads);

// y[n,m,oh,ow] = act(bias[m] + sum w*x) + residual[n,m,oh,ow], as conv2d_gemm. packed_weights from
// conv2d_gemm_pack_weights(isa, p, ...). bias and residual may be null; y must not alias x or residual.
// Threads: bands of output rows are split over tasks. Requires
// conv2d_direct_supported(isa, p). Allocates nothing, throws nothing.
void conv2d_direct(KernelIsa isa, const Conv2dParams& p, const float* x, const float* packed_weights, const float* bias,
                   const float* residual, float* y, void* workspace, const GemmThreading& threading);

// Per-path entry points.
void conv2d_direct_avx2(const Conv2dParams& p, const float* x, const float* packed_weights, const float* bias,
                        const float* residual, float* y, void* workspace, const GemmThreading& threading);
void conv2d_direct_avx512(const Conv2dParams& p, const float* x, const float* packed_weights, const float* bias,
                          const float* residual, float* y, void* workspace, const GemmThreading& threading);

}  // namespace vigil::kernels
