// 3-D convolution over NCDHW tensors (video: D is time) with groups, stride, dilation, zero padding, optional
// bias and a fused activation. The reference is the audit baseline: it accumulates every output in double and
// rounds once. The fast path (conv3d_gemm) lowers the convolution to the packed GEMM and is tested against it.
#pragma once

#include <cstdint>

#include "kernels/activation/activation.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

struct Conv3dParams {
  int64_t batch = 1;
  int64_t in_channels = 1, in_d = 1, in_h = 1, in_w = 1;      // X is [batch, in_channels, in_d, in_h, in_w]
  int64_t out_channels = 1, out_d = 1, out_h = 1, out_w = 1;  // Y is [batch, out_channels, out_d, out_h, out_w]
  int64_t kernel_d = 1, kernel_h = 1, kernel_w = 1;           // W is [out_channels, in_channels/group, kd, kh, kw]
  int64_t stride_d = 1, stride_h = 1, stride_w = 1;
  int64_t dilation_d = 1, dilation_h = 1, dilation_w = 1;
  // Zero padding before the first plane/row/column. The padding after the last one is implied by the
  // output extents.
  int64_t pad_front = 0, pad_top = 0, pad_left = 0;
  int64_t group = 1;  // in_channels and out_channels are both multiples of it
  ActivationParams activation;
};

// y[n,m,od,oh,ow] = act(bias[m] + sum_{c,a,i,j} w[m,c,a,i,j] *
//                       x[n, g*Cg + c, od*sd - pf + a*dd, oh*sh - pt + i*dh, ow*sw - pl + j*dw])
// where g = m / (out_channels/group), Cg = in_channels/group, and x outside the volume reads as 0.
// `bias` may be null (no bias). y must not alias x.
void conv3d_reference(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y);

// ---- Fast path: the packed GEMM (kernels/gemm_packed) ----
// Per image and group g: Y_g[Mg x N] = act(W_g[Mg x K] * B + bias_g), with Mg = out_channels/group,
// K = Cg*kd*kh*kw, N = out_d*out_h*out_w and B the vol2col matrix of the group's input channels, computed
// in one of three ways (conv3d_gemm_mode, by shape):
//  - Pointwise (1x1x1, stride 1, no padding): B is X itself;
//  - DepthSliced (output planes of >= 32 positions): the image is copied depth-major ([D, C, H, W]) into
//    the workspace, and each output plane od is the sum over the depth taps a inside the volume of one
//    product W_ga[Mg x Cg*kh*kw] * im2col(plane od*sd - pf + a*dd), the GEMM's implicit im2col view (no
//    column matrix), accumulated in Y; bias and activation with the last tap; a plane whose taps all lie
//    in the depth padding is act(bias); with enough planes they are split over the threads (each GEMM on
//    one thread), else each GEMM splits its range;
//  - Vol2col (the rest: small planes, where per-plane products would be too short): B is gathered into the
//    workspace a block of columns at a time (never the whole matrix).
enum class Conv3dGemmMode { Pointwise, DepthSliced, Vol2col };
Conv3dGemmMode conv3d_gemm_mode(const Conv3dParams& p);

// Floats of the weights packed for `isa` (all groups).
int64_t conv3d_gemm_packed_weights_floats(KernelIsa isa, const Conv3dParams& p);
// Packs W [out_channels, Cg, kd, kh, kw] once (at load); run with the same isa.
void conv3d_gemm_pack_weights(KernelIsa isa, const Conv3dParams& p, const float* w, float* packed);
// Workspace for conv3d_gemm run with up to `threads` tasks.
int64_t conv3d_gemm_workspace_bytes(KernelIsa isa, const Conv3dParams& p, int threads);
// Columns of one vol2col block (Vol2col mode: what the workspace is sized for); exposed so tests can make
// shapes that need several blocks.
int64_t conv3d_gemm_block_columns(const Conv3dParams& p);

struct GemmThreading;  // kernels/gemm_packed/gemm_packed.h
// The same result as conv3d_reference up to float summation order (see docs/OPERATORS.md). Allocates
// nothing, throws nothing; `workspace` holds conv3d_gemm_workspace_bytes(isa, p, threading.threads).
void conv3d_gemm(KernelIsa isa, const Conv3dParams& p, const float* x, const float* packed_w, const float* bias,
                 float* y, void* workspace, const GemmThreading& threading);

}  // namespace vigil::kernels
