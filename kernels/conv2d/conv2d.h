// 2-D convolution over NCHW tensors with groups, stride, dilation, zero padding, optional bias and a
// fused activation. The reference is the audit baseline: it accumulates every output in double and rounds
// once, so faster variants are tested against it.
#pragma once

#include <cstdint>

#include "kernels/activation/activation.h"

namespace vigil::kernels {

struct Conv2dParams {
  int64_t batch = 1;
  int64_t in_channels = 1, in_h = 1, in_w = 1;     // X is [batch, in_channels, in_h, in_w]
  int64_t out_channels = 1, out_h = 1, out_w = 1;  // Y is [batch, out_channels, out_h, out_w]
  int64_t kernel_h = 1, kernel_w = 1;              // W is [out_channels, in_channels/group, kernel_h, kernel_w]
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  // Zero padding before the first row/column. The padding after the last one is implied by out_h/out_w.
  int64_t pad_top = 0, pad_left = 0;
  int64_t group = 1;  // in_channels and out_channels are both multiples of it
  ActivationParams activation;
  // With a residual R (the engine's fused Add): false, y = act(conv + bias) + R; true, y = act(conv + bias + R)
  // (ResNet's conv -> Add -> ReLU). conv2d_gemm and conv2d_direct honour it in their epilogue; the kernels
  // without a residual operand leave both orders to the engine (engine/ops/conv2d_fast.h).
  bool residual_before_activation = false;
  // Elements from one image of X (Y) to the next; 0 = dense (in_channels * in_h * in_w). Set by the engine
  // for images placed inside a channel Concat's output; the Winograd and GEMM/direct kernels honour them,
  // the reference and depthwise kernels require 0.
  int64_t in_image_stride = 0, out_image_stride = 0;
};

// X's and Y's image strides in elements, with 0 resolved to the dense ones.
inline int64_t conv_in_image_stride(const Conv2dParams& p) {
  return p.in_image_stride ? p.in_image_stride : p.in_channels * p.in_h * p.in_w;
}
inline int64_t conv_out_image_stride(const Conv2dParams& p) {
  return p.out_image_stride ? p.out_image_stride : p.out_channels * p.out_h * p.out_w;
}

// Output extent along one spatial dim: floor((in + pad_begin + pad_end - ((kernel-1)*dilation + 1)) / stride)
// + 1. Returns a value < 1 when the dilated kernel does not fit in the padded input.
int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                         int64_t pad_end);

// y[n,m,oh,ow] = act(bias[m] + sum_{c,i,j} w[m,c,i,j] * x[n, g*Cg + c, oh*sh - pt + i*dh, ow*sw - pl + j*dw])
// where g = m / (out_channels/group), Cg = in_channels/group, and x outside the image reads as 0.
// `bias` may be null (no bias). y must not alias x.
void conv2d_reference(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y);

}  // namespace vigil::kernels
