// lrn_fast over an ISA traits struct (kernels/gemm_packed/gemm_packed_*_isa.h). Included only by
// lrn_fast_avx2.cpp and lrn_fast_avx512.cpp; everything here has internal linkage.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/gemm_packed/separate_rounding.h"
#include "kernels/lrn/lrn_fast.h"

namespace vigil::kernels {
namespace {

template <class Isa>
struct LrnVector {
  using F = typename Isa::F;
  using D = typename Isa::D;
  static constexpr int W = Isa::W;  // floats per step, two double halves

  static D separate(D v) { return separate_rounding(v); }  // no FMA contraction: the reference has none

  static void planes(const LrnParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
    const int64_t before = (p.size - 1) / 2, after = p.size - 1 - before;
    const D scale(static_cast<double>(p.alpha) / static_cast<double>(p.size));
    const D bias(static_cast<double>(p.bias)), beta(static_cast<double>(p.beta));
    for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
      const int64_t n = plane / p.channels, c = plane % p.channels;
      const float* xn = x + n * p.channels * p.spatial;
      const int64_t first = std::max<int64_t>(0, c - before), last = std::min<int64_t>(p.channels - 1, c + after);
      float* out = y + plane * p.spatial;
      for (int64_t s = 0; s < p.spatial; s += W) {
        const int lanes = static_cast<int>(std::min<int64_t>(W, p.spatial - s));
        auto load = [&](const float* at) { return lanes == W ? F::load_unaligned(at) : Isa::load_partial(at, lanes); };
        D lo(0.0), hi(0.0);
        for (int64_t k = first; k <= last; ++k) {
          const F v = load(xn + k * p.spatial + s);
          const D vl = Isa::widen_lo(v), vh = Isa::widen_hi(v);
          lo = lo + separate(vl * vl);
          hi = hi + separate(vh * vh);
        }
        const F v = load(xn + c * p.spatial + s);
        const D den_lo = xsimd::pow(bias + separate(scale * lo), beta);
        const D den_hi = xsimd::pow(bias + separate(scale * hi), beta);
        const F result = Isa::narrow(Isa::widen_lo(v) / den_lo, Isa::widen_hi(v) / den_hi);
        if (lanes == W)
          result.store_unaligned(out + s);
        else
          Isa::store_partial(out + s, result, lanes);
      }
    }
  }
};

}  // namespace
}  // namespace vigil::kernels
