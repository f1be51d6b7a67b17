// Conv2d as a packed-A GEMM (kernels/gemm_packed), per image and per group:
//
//   Y_g[Mg x OH*OW] = act( W_g[Mg x Cg*kh*kw] * im2col(X_g)[Cg*kh*kw x OH*OW] + bias_g ) + residual_g
//
// The weights are packed once, at load (conv2d_gemm_pack_weights). A 1x1, stride-1, unpadded conv reads X
// directly as the GEMM's B matrix ([C x H*W] row-major, no copy). Every other conv reads an implicit
// im2col view of X: the GEMM gathers one cache block (KC rows x NC columns) at a time into its workspace,
// so the im2col matrix never exists in full and the gathered block stays in L2 whatever the layer size.
// Same Conv2dParams and formula as conv2d_reference (kernels/conv2d/conv2d.h), plus an optional residual.
#pragma once

#include <cstdint>

#include "kernels/conv2d/conv2d.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::kernels {

// True when the conv is a plain matrix product over X: 1x1 kernel, stride 1, no padding (so out = in).
bool conv2d_gemm_is_direct(const Conv2dParams& p);

// Packed weights: `group` packed-A blocks of gemm_packed_a_floats(isa, Mg, Cg*kh*kw) floats each.
int64_t conv2d_gemm_packed_weights_floats(KernelIsa isa, const Conv2dParams& p);
// w is [out_channels, in_channels/group, kernel_h, kernel_w] (as conv2d_reference reads it).
void conv2d_gemm_pack_weights(KernelIsa isa, const Conv2dParams& p, const float* w, float* packed);

// Workspace bytes for a call with `threads` task slots (any alignment).
int64_t conv2d_gemm_workspace_bytes(KernelIsa isa, const Conv2dParams& p, int threads);

// y[n,m,oh,ow] = act(bias[m] + sum w*x) + residual[n,m,oh,ow]  (conv2d_reference's formula, plus the
// residual). bias and residual may be null; residual has y's shape. y must not alias x or residual.
// Threads: with several images or groups per call the (image, group) products are split across tasks,
// each running its GEMMs whole; otherwise each GEMM splits its own N or M range. Allocates nothing,
// throws nothing; the params must be valid (the op checks them). Calling a path the CPU lacks is undefined.
void conv2d_gemm(KernelIsa isa, const Conv2dParams& p, const float* x, const float* packed_weights, const float* bias,
                 const float* residual, float* y, void* workspace, const GemmThreading& threading);

}  // namespace vigil::kernels
