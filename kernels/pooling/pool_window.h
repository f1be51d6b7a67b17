// What the fast pooling kernels share (internal to kernels/pooling): max pooling's update rule and the
// output columns whose window needs no bounds checks. Internal linkage: the AVX-512 file includes this too,
// and an inline function compiled with its flags must not be linked into baseline code.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/pooling/pooling.h"

namespace vigil::kernels::pool_detail {
namespace {

// max_pool2d_reference's update rule: v replaces best when v > best or v is NaN, so the first occurrence
// of the maximum stays (a later -0 does not replace +0) and a later NaN replaces an earlier one (the last
// NaN's payload is kept).
inline float max_step(float best, float v) { return (v > best || std::isnan(v)) ? v : best; }

// Output columns whose whole window lies inside the image horizontally: ow in [lo, hi).
struct Columns {
  int64_t lo, hi;
};
inline Columns interior_columns(const Pool2dParams& p) {
  int64_t lo = 0;
  while (lo < p.out_w && lo * p.stride_w - p.pad_left < 0) ++lo;
  int64_t hi = p.out_w;
  while (hi > lo && (hi - 1) * p.stride_w - p.pad_left + (p.kernel_w - 1) * p.dilation_w >= p.in_w) --hi;
  return {lo, hi};
}

// The -inf-bordered plane of max_pool2d_padded_avx512: rows of `stride` floats, the image at (pad_top,
// pad_left), only the columns some window reads copied. The stride leaves room for whole-vector
// loads (16 outputs, 32 inputs at stride 2) past the last output column. The kernels hold band_rows() of
// its rows at a time: the input rows of kBandOutputRows output rows.
struct PaddedPlane {
  static constexpr int64_t kBandOutputRows = 8;
  static constexpr int64_t kMaxKernelW = 64;  // wider windows are not supported (max_pool2d_padded_supported)
  int64_t stride, copy_cols;
  int64_t band_rows(const Pool2dParams& p) const {
    const int64_t out = p.out_h < kBandOutputRows ? p.out_h : kBandOutputRows;
    return (out - 1) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1;
  }
};
inline PaddedPlane padded_plane(const Pool2dParams& p) {
  PaddedPlane g;
  const int64_t cols = (p.out_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1;
  const int64_t vector_cols = (p.out_w + 15) / 16 * 16 * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 16;
  g.stride = (vector_cols + 15) / 16 * 16;
  g.copy_cols = cols - p.pad_left < p.in_w ? cols - p.pad_left : p.in_w;
  return g;
}

}  // namespace
}  // namespace vigil::kernels::pool_detail
