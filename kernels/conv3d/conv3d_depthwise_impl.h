// The depthwise Conv3d loop, compiled once per instruction set by conv3d_depthwise{,_avx2,_avx512}.cpp
// (each with its file's target flags). Internal linkage: an inline function built with AVX-512 flags must
// not be linked into the baseline files.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/conv3d/conv3d.h"

namespace vigil::kernels::conv3d_depthwise_detail {
namespace {

// Output columns [lo, hi) whose tap at column offset `offset` (= j*dw - pad_left) lies inside the row.
struct Span {
  int64_t lo, hi;
};
inline Span inside_columns(int64_t offset, int64_t stride, int64_t in_w, int64_t out_w) {
  const int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t last = in_w - 1 - offset;  // ow*stride <= last
  const int64_t hi = last < 0 ? 0 : std::min(out_w, last / stride + 1);
  return {lo, std::max(lo, hi)};
}

// `activate_row(y_row, n)` applies the fused activation in place.
template <typename ActivateRow>
void depthwise(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y, int64_t first,
               int64_t last, ActivateRow activate_row) {
  const int64_t multiplier = p.out_channels / p.in_channels;
  const int64_t in_volume = p.in_d * p.in_h * p.in_w, out_volume = p.out_d * p.out_h * p.out_w;
  const int64_t taps = p.kernel_d * p.kernel_h * p.kernel_w;
  for (int64_t nm = first; nm < last; ++nm) {
    const int64_t n = nm / p.out_channels, m = nm % p.out_channels;
    const float* x_c = x + (n * p.in_channels + m / multiplier) * in_volume;
    const float* w_m = w + m * taps;
    const float b = bias ? bias[m] : 0.0f;
    float* y_m = y + nm * out_volume;
    for (int64_t od = 0; od < p.out_d; ++od) {
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        float* row = y_m + (od * p.out_h + oh) * p.out_w;
        std::fill(row, row + p.out_w, b);
        for (int64_t a = 0; a < p.kernel_d; ++a) {
          const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
          if (id < 0 || id >= p.in_d) continue;
          for (int64_t i = 0; i < p.kernel_h; ++i) {
            const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
            if (ih < 0 || ih >= p.in_h) continue;
            const float* src = x_c + (id * p.in_h + ih) * p.in_w;
            for (int64_t j = 0; j < p.kernel_w; ++j) {
              const float wv = w_m[(a * p.kernel_h + i) * p.kernel_w + j];
              const int64_t offset = j * p.dilation_w - p.pad_left;
              const Span s = inside_columns(offset, p.stride_w, p.in_w, p.out_w);
              if (p.stride_w == 1) {  // contiguous: vectorises
                for (int64_t ow = s.lo; ow < s.hi; ++ow) row[ow] += wv * src[ow + offset];
              } else {
                for (int64_t ow = s.lo; ow < s.hi; ++ow) row[ow] += wv * src[ow * p.stride_w + offset];
              }
            }
          }
        }
        activate_row(row, p.out_w);
      }
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::conv3d_depthwise_detail
