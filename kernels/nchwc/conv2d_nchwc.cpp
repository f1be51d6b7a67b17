// conv2d_nchwc (kernels/nchwc/conv2d_nchwc.h): the support test, the weight packing, the dispatcher and the
// Scalar path, a plain loop nest over the blocked layout that the vector paths are tested against. It sums
// in float in the order (c, i, j), skipping the taps outside the image, then applies the epilogue in
// gemm_packed's order: + bias, (+ R when residual_before_activation), activation, (+ R otherwise).
#include "kernels/nchwc/conv2d_nchwc.h"

#include <algorithm>

#include "kernels/activation/activation.h"
#include "kernels/nchwc/nchwc_layout.h"

namespace vigil::kernels {

namespace {

bool sizes_valid(const Conv2dParams& c) {
  return c.batch >= 1 && c.in_channels >= 1 && c.in_h >= 1 && c.in_w >= 1 && c.out_channels >= 1 && c.out_h >= 1 &&
         c.out_w >= 1 && c.kernel_h >= 1 && c.kernel_w >= 1 && c.stride_h >= 1 && c.stride_w >= 1 &&
         c.dilation_h >= 1 && c.dilation_w >= 1 && c.pad_top >= 0 && c.pad_left >= 0;
}

}  // namespace

bool conv2d_nchwc_supported(KernelIsa isa, const Conv2dNchwcParams& p) {
  const Conv2dParams& c = p.conv;
  if (c.group != 1 || !sizes_valid(c) || c.in_image_stride != 0 || c.out_image_stride != 0) return false;
  if (p.block < 1 || p.block > kNchwcMaxBlock) return false;
  return nchwc_isa(isa, p.block) == isa;  // Scalar: any block; a vector path: its own width
}

int64_t conv2d_nchwc_packed_floats(const Conv2dNchwcParams& p) {
  const Conv2dParams& c = p.conv;
  const int64_t padded_out = nchwc_blocks(c.out_channels, p.block) * p.block;
  return padded_out * c.in_channels * c.kernel_h * c.kernel_w + padded_out;
}

void conv2d_nchwc_pack(const Conv2dNchwcParams& p, const float* w, const float* bias, float* packed) {
  const Conv2dParams& c = p.conv;
  const int64_t b = p.block, blocks = nchwc_blocks(c.out_channels, b);
  const int64_t taps = c.kernel_h * c.kernel_w, per_out = c.in_channels * taps;
  for (int64_t mb = 0; mb < blocks; ++mb)
    for (int64_t k = 0; k < per_out; ++k)  // k = (c * kh + i) * kw + j, W's own order
      for (int64_t lane = 0; lane < b; ++lane) {
        const int64_t m = mb * b + lane;
        packed[(mb * per_out + k) * b + lane] = m < c.out_channels ? w[m * per_out + k] : 0.0f;
      }
  float* packed_bias = packed + blocks * b * per_out;
  for (int64_t m = 0; m < blocks * b; ++m) packed_bias[m] = bias != nullptr && m < c.out_channels ? bias[m] : 0.0f;
}

int64_t conv2d_nchwc_rows(const Conv2dNchwcParams& p) {
  return p.conv.batch * nchwc_blocks(p.conv.out_channels, p.block) * p.conv.out_h;
}

void conv2d_nchwc(KernelIsa isa, const Conv2dNchwcParams& p, const float* x, const float* packed, const float* residual,
                  float* y, int64_t row_begin, int64_t row_end) {
  switch (isa) {
    case KernelIsa::Scalar:
      conv2d_nchwc_scalar(p, x, packed, residual, y, row_begin, row_end);
      return;
    case KernelIsa::Avx2:
      conv2d_nchwc_avx2(p, x, packed, residual, y, row_begin, row_end);
      return;
    case KernelIsa::Avx512:
      conv2d_nchwc_avx512(p, x, packed, residual, y, row_begin, row_end);
      return;
  }
}

void conv2d_nchwc_scalar(const Conv2dNchwcParams& p, const float* x, const float* packed, const float* residual,
                         float* y, int64_t row_begin, int64_t row_end) {
  const Conv2dParams& c = p.conv;
  const int64_t b = p.block;
  const int64_t in_blocks = nchwc_blocks(c.in_channels, b), out_blocks = nchwc_blocks(c.out_channels, b);
  const int64_t per_out = c.in_channels * c.kernel_h * c.kernel_w;
  const float* packed_bias = packed + out_blocks * b * per_out;
  // Where channel ch of pixel (ih, iw) of image n sits in X.
  const auto x_at = [&](int64_t n, int64_t ch, int64_t ih, int64_t iw) -> float {
    if (p.x_plain) return x[((n * c.in_channels + ch) * c.in_h + ih) * c.in_w + iw];
    return x[(((n * in_blocks + ch / b) * c.in_h + ih) * c.in_w + iw) * b + ch % b];
  };
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t oh = row % c.out_h, mb = row / c.out_h % out_blocks, n = row / c.out_h / out_blocks;
    for (int64_t ow = 0; ow < c.out_w; ++ow) {
      const int64_t at = (row * c.out_w + ow) * b;  // Y's and R's offset of this pixel's block
      // Every lane, padding lanes too (their packed weights and bias are 0), as the vector paths compute them:
      // the audit compares whole tensors, so both must give act(0) (+ R) there, not 0.
      for (int64_t lane = 0; lane < b; ++lane) {
        float sum = 0.0f;
        for (int64_t ch = 0; ch < c.in_channels; ++ch)
          for (int64_t i = 0; i < c.kernel_h; ++i) {
            const int64_t ih = oh * c.stride_h - c.pad_top + i * c.dilation_h;
            if (ih < 0 || ih >= c.in_h) continue;
            for (int64_t j = 0; j < c.kernel_w; ++j) {
              const int64_t iw = ow * c.stride_w - c.pad_left + j * c.dilation_w;
              if (iw < 0 || iw >= c.in_w) continue;
              const float w = packed[(mb * per_out + (ch * c.kernel_h + i) * c.kernel_w + j) * b + lane];
              sum += w * x_at(n, ch, ih, iw);
            }
          }
        float v = sum + packed_bias[mb * b + lane];
        if (residual != nullptr && c.residual_before_activation) v += residual[at + lane];
        v = activate_reference(c.activation, v);
        if (residual != nullptr && !c.residual_before_activation) v += residual[at + lane];
        y[at + lane] = v;
      }
    }
  }
}

}  // namespace vigil::kernels
