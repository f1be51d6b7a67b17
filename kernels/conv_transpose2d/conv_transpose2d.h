// 2-D transposed convolution ("deconvolution") over NCHW tensors: the adjoint of Conv2d with respect to its
// input, with groups, stride, dilation, padding (which crops the output), output padding (which extends it
// at the bottom/right), an optional bias and a fused activation.
//
// Every input pixel scatters a kernel-sized, dilated stamp into the output at stride steps:
//   full[n, m, ih*sh + i*dh, iw*sw + j*dw] += x[n, g*Cg + c, ih, iw] * w[g*Cg + c, m - g*Mg, i, j]
// and y is the window of `full` that starts at (pad_top, pad_left), out_h x out_w, where positions outside
// `full` hold 0; then y = act(y + bias[m]). Cg = in_channels/group, Mg = out_channels/group, g = m / Mg.
//
// The reference gathers (for each output, the kernel taps that land on it) and accumulates in double: it is
// the audit baseline. The fast path is a packed GEMM per group, cols = W_g^T * X_g, followed by a col2im
// scatter-add of cols into Y (conv_transpose2d_fast).
#pragma once

#include <cstdint>

#include "kernels/activation/activation.h"
#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

struct ConvTranspose2dParams {
  int64_t batch = 1;
  int64_t in_channels = 1, in_h = 1, in_w = 1;     // X is [batch, in_channels, in_h, in_w]
  int64_t out_channels = 1, out_h = 1, out_w = 1;  // Y is [batch, out_channels, out_h, out_w]
  int64_t kernel_h = 1, kernel_w = 1;              // W is [in_channels, out_channels/group, kernel_h, kernel_w]
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  // Rows/columns cropped from the top/left of the full output (>= 0). The bottom/right crop (or, with output
  // padding, extension) is implied by out_h/out_w.
  int64_t pad_top = 0, pad_left = 0;
  int64_t group = 1;  // in_channels and out_channels are both multiples of it
  ActivationParams activation;
};

// Output extent along one spatial dim (ONNX ConvTranspose, NOTSET):
//   stride*(in-1) + output_padding + (kernel-1)*dilation + 1 - pad_begin - pad_end.
// May be < 1 when the pads crop everything (the op rejects that).
int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                                   int64_t pad_end, int64_t output_padding);

// The formula above, by gathering: for each output, the taps (c, i, j) whose input pixel
// ih = (oh + pad_top - i*dh) / sh (exact division, in range) lands on it, summed in double and rounded once.
// `bias` may be null. y must not alias x.
void conv_transpose2d_reference(const ConvTranspose2dParams& p, const float* x, const float* w, const float* bias,
                                float* y);

// ---- Fast path: packed GEMM + col2im, on one ISA path ----
// Packed weights: `group` packed-A blocks of gemm_packed_a_floats(isa, Mg*kh*kw, Cg) floats (W_g transposed).
int64_t conv_transpose2d_packed_weights_floats(KernelIsa isa, const ConvTranspose2dParams& p);
void conv_transpose2d_pack_weights(KernelIsa isa, const ConvTranspose2dParams& p, const float* w, float* packed);

// Workspace bytes for a call with `threads` task slots (any alignment; the kernel aligns what it needs).
int64_t conv_transpose2d_workspace_bytes(KernelIsa isa, const ConvTranspose2dParams& p, int threads);

// Same result as conv_transpose2d_reference (within float rounding). Per image and group, input rows are
// taken in blocks that keep the column buffer small: cols[Mg*kh*kw x rows*in_w] = W_g^T * X_g(rows) by the
// packed GEMM, then scattered into Y. Y is first set to the bias, the activation runs last, per plane.
// Threads: with many (image, group) products they are split across tasks; otherwise the GEMM splits itself
// and the scatter splits over output channels. Allocates nothing, throws nothing; params must be valid.
void conv_transpose2d_fast(KernelIsa isa, const ConvTranspose2dParams& p, const float* x, const float* packed_weights,
                           const float* bias, float* y, void* workspace, const GemmThreading& threading);

}  // namespace vigil::kernels
