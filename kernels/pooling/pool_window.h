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

}  // namespace
}  // namespace vigil::kernels::pool_detail
