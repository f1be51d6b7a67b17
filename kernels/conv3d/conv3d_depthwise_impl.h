// The depthwise Conv3d loop, compiled once per instruction set by conv3d_depthwise{,_avx2,_avx512}.cpp
// (each with its file's target flags). Internal linkage: an inline function built with AVX-512 flags must
// not be linked into the baseline files.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/conv3d/conv3d.h"

namespace vigil::kernels::conv3d_depthwise_detail {
namespace {

// Outputs [lo, hi) along one dim whose tap at offset `offset` (= j*dilation - pad_begin) lies inside the
// input (rows and columns alike).
struct Span {
  int64_t lo, hi;
};
inline Span inside_columns(int64_t offset, int64_t stride, int64_t in_w, int64_t out_w) {
  const int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t last = in_w - 1 - offset;  // ow*stride <= last
  const int64_t hi = last < 0 ? 0 : std::min(out_w, last / stride + 1);
  return {lo, std::max(lo, hi)};
}

// `activate(y, n)` applies the fused activation in place. Per output plane: the bias, then each tap
// (a, i, j) added over every output row it reaches (the in-bounds rows and columns of a tap are found once
// per plane, so short rows cost little), then the activation over the plane.
template <typename Activate>
void depthwise(const Conv3dParams& p, const float* x, const float* w, const float* bias, float* y, int64_t first,
               int64_t last, Activate activate) {
  const int64_t multiplier = p.out_channels / p.in_channels;
  const int64_t in_volume = p.in_d * p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  const int64_t taps = p.kernel_d * p.kernel_h * p.kernel_w;
  for (int64_t nm = first; nm < last; ++nm) {
    const int64_t n = nm / p.out_channels, m = nm % p.out_channels;
    const float* x_c = x + (n * p.in_channels + m / multiplier) * in_volume;
    const float* w_m = w + m * taps;
    const float b = bias ? bias[m] : 0.0f;
    for (int64_t od = 0; od < p.out_d; ++od) {
      float* plane = y + (nm * p.out_d + od) * out_plane;
      std::fill(plane, plane + out_plane, b);
      for (int64_t a = 0; a < p.kernel_d; ++a) {
        const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
        if (id < 0 || id >= p.in_d) continue;
        const float* x_plane = x_c + id * p.in_h * p.in_w;
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          const Span rows = inside_columns(i * p.dilation_h - p.pad_top, p.stride_h, p.in_h, p.out_h);
          for (int64_t j = 0; j < p.kernel_w; ++j) {
            const float wv = w_m[(a * p.kernel_h + i) * p.kernel_w + j];
            const int64_t offset = j * p.dilation_w - p.pad_left;
            const Span cols = inside_columns(offset, p.stride_w, p.in_w, p.out_w);
            for (int64_t oh = rows.lo; oh < rows.hi; ++oh) {
              const float* src = x_plane + (oh * p.stride_h - p.pad_top + i * p.dilation_h) * p.in_w;
              float* row = plane + oh * p.out_w;
              if (p.stride_w == 1) {  // contiguous: vectorises
                for (int64_t ow = cols.lo; ow < cols.hi; ++ow) row[ow] += wv * src[ow + offset];
              } else {
                for (int64_t ow = cols.lo; ow < cols.hi; ++ow) row[ow] += wv * src[ow * p.stride_w + offset];
              }
            }
          }
        }
      }
      activate(plane, out_plane);
    }
  }
}

}  // namespace
}  // namespace vigil::kernels::conv3d_depthwise_detail
