// batch_norm_fast over an ISA traits struct (kernels/gemm_packed/gemm_packed_*_isa.h). Included only by
// batch_norm_fast_avx2.cpp and batch_norm_fast_avx512.cpp; everything here has internal linkage.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/batch_norm/batch_norm_fast.h"
#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/gemm_packed/separate_rounding.h"

namespace vigil::kernels {
namespace {

template <class Isa>
struct BatchNormVector {
  using F = typename Isa::F;
  using D = typename Isa::D;
  static constexpr int W = Isa::W;  // floats per step, two double halves
  // The activation runs over chunks of this many outputs right after they are written (still in L1).
  static constexpr int64_t kChunk = 2048;

  static D separate(D v) { return separate_rounding(v); }  // no FMA contraction: the reference has none

  // The reference's (x - mean) * inv_std, then * scale + bias, in double, rounded once.
  static F normalise(F v, D mean, D inv_std, D scale, D bias) {
    const D lo = separate(separate((Isa::widen_lo(v) - mean) * inv_std) * scale) + bias;
    const D hi = separate(separate((Isa::widen_hi(v) - mean) * inv_std) * scale) + bias;
    return Isa::narrow(lo, hi);
  }

  static void planes(KernelIsa isa, const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                     const float* mean, const float* var, float* y, int64_t plane_begin, int64_t plane_end) {
    const bool activate = p.activation.kind != Activation::None;
    for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
      const int64_t c = plane % p.channels;
      const double inv_std = 1.0 / std::sqrt(static_cast<double>(var[c]) + static_cast<double>(p.epsilon));
      const D m(static_cast<double>(mean[c])), k(inv_std), s(static_cast<double>(scale[c])),
          b(static_cast<double>(bias[c]));
      const float* in = x + plane * p.spatial;
      float* out = y + plane * p.spatial;
      for (int64_t c0 = 0; c0 < p.spatial; c0 += kChunk) {
        const int64_t c1 = std::min(p.spatial, c0 + kChunk);
        int64_t i = c0;
        for (; i + W <= c1; i += W) normalise(F::load_unaligned(in + i), m, k, s, b).store_unaligned(out + i);
        if (i < c1) {
          const int lanes = static_cast<int>(c1 - i);
          Isa::store_partial(out + i, normalise(Isa::load_partial(in + i, lanes), m, k, s, b), lanes);
        }
        if (activate) gemm_packed_activation(isa, p.activation, out + c0, out + c0, c1 - c0);
      }
    }
  }
};

}  // namespace
}  // namespace vigil::kernels
