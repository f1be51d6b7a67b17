// max_pool2d_padded written once over a small vector-lanes traits struct (Avx512Lanes in
// max_pool2d_fast_avx512.cpp, Avx2Lanes in max_pool2d_padded_avx2.cpp); included only by those two files,
// which compile it with their own ISA flags: internal linkage throughout.
//
// Each plane is copied into a plane bordered with -inf (kernels/pooling/pool_window.h: PaddedPlane), which
// never replaces a running maximum, so every window runs the vector loop with the reference's taps in order.
//   Lanes::F, Lanes::Mask, Lanes::W        vector of W floats, a lane mask
//   Lanes::lowest()                        W x -inf
//   Lanes::first_lanes(n)                  lanes [0, min(n, W))
//   Lanes::load(p), load(p, m), store(p, m, v)   unaligned; masked
//   Lanes::taps<kStride>(p)                W consecutive outputs' taps: p[0..W) or the even elements of p[0..2W)
//   Lanes::max_step(best, v)               v replaces best where v > best or v is NaN (pool_detail::max_step)
#pragma once

#include <cstdint>

#include "kernels/pooling/pool_window.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels::pool_detail {
namespace {

// Output rows of one bordered plane, kRows rows at a time: each output vector's taps form one chain of
// dependent max steps, so several rows in flight keep the vector units busy on small planes, where a row is
// a single vector.
template <class Lanes, int kStride>
void padded_plane_rows(const Pool2dParams& p, const PaddedPlane& g, const float* plane, float* y_p) {
  using F = typename Lanes::F;
  constexpr int W = Lanes::W;
  constexpr int kRows = 4;
  for (int64_t ow = 0; ow < p.out_w; ow += W) {
    const auto lanes = Lanes::first_lanes(p.out_w - ow);
    int64_t oh = 0;
    for (; oh + kRows <= p.out_h; oh += kRows) {
      F best[kRows];
      for (int r = 0; r < kRows; ++r) best[r] = Lanes::lowest();
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const float* row_in = plane + (oh * p.stride_h + i * p.dilation_h) * g.stride + ow * kStride;
        for (int64_t j = 0; j < p.kernel_w; ++j)
          for (int r = 0; r < kRows; ++r)
            best[r] = Lanes::max_step(
                best[r], Lanes::template taps<kStride>(row_in + r * p.stride_h * g.stride + j * p.dilation_w));
      }
      for (int r = 0; r < kRows; ++r) Lanes::store(y_p + (oh + r) * p.out_w + ow, lanes, best[r]);
    }
    for (; oh < p.out_h; ++oh) {
      F best = Lanes::lowest();
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const float* row_in = plane + (oh * p.stride_h + i * p.dilation_h) * g.stride + ow * kStride;
        for (int64_t j = 0; j < p.kernel_w; ++j)
          best = Lanes::max_step(best, Lanes::template taps<kStride>(row_in + j * p.dilation_w));
      }
      Lanes::store(y_p + oh * p.out_w + ow, lanes, best);
    }
  }
}

template <class Lanes>
void max_pool2d_padded(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end,
                       float* scratch) {
  constexpr int W = Lanes::W;
  const PaddedPlane g = padded_plane(p);  // its stride is a multiple of 16 floats
  // The border is the same for every plane of the call: -inf everywhere once, then only the image part is
  // overwritten plane by plane.
  for (int64_t i = 0; i < g.rows * g.stride; i += W) Lanes::store(scratch + i, Lanes::first_lanes(W), Lanes::lowest());
  float* image = scratch + p.pad_top * g.stride + p.pad_left;
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    for (int64_t r = 0; r < g.copy_rows; ++r) {
      const float* src = x_p + r * p.in_w;
      float* dst = image + r * g.stride;
      for (int64_t c = 0; c < g.copy_cols; c += W) {
        const auto lanes = Lanes::first_lanes(g.copy_cols - c);
        Lanes::store(dst + c, lanes, Lanes::load(src + c, lanes));
      }
    }
    if (p.stride_w == 1)
      padded_plane_rows<Lanes, 1>(p, g, scratch, y_p);
    else
      padded_plane_rows<Lanes, 2>(p, g, scratch, y_p);
  }
}

}  // namespace
}  // namespace vigil::kernels::pool_detail
