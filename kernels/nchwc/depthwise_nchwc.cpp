// Baseline parts of depthwise_nchwc (kernels/nchwc/depthwise_nchwc.h): the support test, the weight
// packing, the dispatcher and the Scalar path, a plain loop nest over the blocked layout that the vector
// paths are tested against. Per output: taps summed in float in (i, j) order starting from 0, then the
// epilogue in gemm_packed's order (bias, residual if before, activation, residual if after).
#include "kernels/nchwc/depthwise_nchwc.h"

#include <algorithm>

#include "kernels/nchwc/nchwc_layout.h"

namespace vigil::kernels {

bool depthwise_nchwc_supported(KernelIsa isa, const DepthwiseNchwcParams& dp) {
  const Conv2dParams& p = dp.conv;
  const bool shape_ok = p.group >= 1 && p.group == p.in_channels && p.group == p.out_channels && p.batch >= 1 &&
                        p.in_h >= 1 && p.in_w >= 1 && p.out_h >= 1 && p.out_w >= 1 && p.kernel_h >= 1 &&
                        p.kernel_w >= 1 && p.stride_h >= 1 && p.stride_w >= 1 && p.dilation_h >= 1 &&
                        p.dilation_w >= 1 && p.pad_top >= 0 && p.pad_left >= 0 && p.in_image_stride == 0 &&
                        p.out_image_stride == 0;
  if (!shape_ok || dp.block < 1 || dp.block > kNchwcMaxBlock) return false;
  return nchwc_isa(isa, dp.block) == isa;  // Scalar: any block; a vector path: its own width
}

int64_t depthwise_nchwc_packed_floats(const DepthwiseNchwcParams& dp) {
  const Conv2dParams& p = dp.conv;
  const int64_t lanes = nchwc_blocks(p.in_channels, dp.block) * dp.block;
  return lanes * p.kernel_h * p.kernel_w + lanes;
}

void depthwise_nchwc_pack(const DepthwiseNchwcParams& dp, const float* w, const float* bias, float* packed) {
  const Conv2dParams& p = dp.conv;
  const int64_t b = dp.block, blocks = nchwc_blocks(p.in_channels, b), taps = p.kernel_h * p.kernel_w;
  for (int64_t cb = 0; cb < blocks; ++cb)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t lane = 0; lane < b; ++lane) {
        const int64_t c = cb * b + lane;
        packed[(cb * taps + t) * b + lane] = c < p.in_channels ? w[c * taps + t] : 0.0f;
      }
  float* packed_bias = packed + blocks * taps * b;
  for (int64_t c = 0; c < blocks * b; ++c) packed_bias[c] = bias && c < p.in_channels ? bias[c] : 0.0f;
}

int64_t depthwise_nchwc_rows(const DepthwiseNchwcParams& dp) {
  const Conv2dParams& p = dp.conv;
  return p.batch * nchwc_blocks(p.in_channels, dp.block) * p.out_h;
}

void depthwise_nchwc_scalar(const DepthwiseNchwcParams& dp, const float* x, const float* packed, const float* residual,
                            float* y, int64_t row_begin, int64_t row_end) {
  const Conv2dParams& p = dp.conv;
  const int64_t b = dp.block, blocks = nchwc_blocks(p.in_channels, b), taps = p.kernel_h * p.kernel_w;
  const float* packed_bias = packed + blocks * taps * b;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t oh = row % p.out_h, image_block = row / p.out_h, cb = image_block % blocks;
    const float* xb = x + image_block * p.in_h * p.in_w * b;  // (n, cb) plane of X
    const float* wb = packed + cb * taps * b;
    const float* bias = packed_bias + cb * b;
    float* yr = y + row * p.out_w * b;
    const float* rr = residual ? residual + row * p.out_w * b : nullptr;
    for (int64_t ow = 0; ow < p.out_w; ++ow)
      for (int64_t lane = 0; lane < b; ++lane) {
        float acc = 0.0f;
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
          if (ih < 0 || ih >= p.in_h) continue;  // zero padding adds nothing
          for (int64_t j = 0; j < p.kernel_w; ++j) {
            const int64_t iw = ow * p.stride_w - p.pad_left + j * p.dilation_w;
            if (iw < 0 || iw >= p.in_w) continue;
            acc += wb[(i * p.kernel_w + j) * b + lane] * xb[(ih * p.in_w + iw) * b + lane];
          }
        }
        float v = acc + bias[lane];
        if (rr && p.residual_before_activation) v += rr[ow * b + lane];
        v = activate_reference(p.activation, v);
        if (rr && !p.residual_before_activation) v += rr[ow * b + lane];
        yr[ow * b + lane] = v;
      }
  }
}

void depthwise_nchwc(KernelIsa isa, const DepthwiseNchwcParams& p, const float* x, const float* packed,
                     const float* residual, float* y, int64_t row_begin, int64_t row_end) {
  switch (isa) {
    case KernelIsa::Scalar:
      return depthwise_nchwc_scalar(p, x, packed, residual, y, row_begin, row_end);
    case KernelIsa::Avx2:
      return depthwise_nchwc_avx2(p, x, packed, residual, y, row_begin, row_end);
    case KernelIsa::Avx512:
      return depthwise_nchwc_avx512(p, x, packed, residual, y, row_begin, row_end);
  }
}

}  // namespace vigil::kernels
