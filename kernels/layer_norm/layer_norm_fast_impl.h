// layer_norm_fast written once over an ISA traits struct (kernels/gemm_packed/gemm_packed_*_isa.h). Included only
// by layer_norm_fast_avx2.cpp and layer_norm_fast_avx512.cpp; everything here has internal linkage.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/layer_norm/layer_norm.h"
#include "kernels/normalization/row_moments_impl.h"

namespace vigil::kernels {
namespace {

template <class Isa>
struct LayerNormVector {
  using F = typename Isa::F;
  using D = typename Isa::D;
  static constexpr int W = Isa::W;

  static void rows(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                   float* mean_out, float* inv_std_out, int64_t row_begin, int64_t row_end) {
    const int64_t n = p.row_len, full = n / W * W;
    for (int64_t r = row_begin; r < row_end; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      const RowMoments moments = row_moments<Isa>(xr, n);
      const double mean = moments.mean, squares = moments.squares;
      const D m(mean);
      const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(n) + static_cast<double>(p.epsilon));
      if (mean_out) mean_out[r] = static_cast<float>(mean);
      if (inv_std_out) inv_std_out[r] = static_cast<float>(inv_std);
      const D is(inv_std);
      const D s_shared(static_cast<double>(scale[0]));
      const D b_shared(bias ? static_cast<double>(bias[0]) : 0.0);
      for (int64_t j = 0; j < full; j += W) {
        const F v = F::load_unaligned(xr + j);
        D s_lo = s_shared, s_hi = s_shared, b_lo = b_shared, b_hi = b_shared;
        if (!p.scale_shared) {
          const F s = F::load_unaligned(scale + j);
          s_lo = Isa::widen_lo(s), s_hi = Isa::widen_hi(s);
        }
        if (bias && !p.bias_shared) {
          const F b = F::load_unaligned(bias + j);
          b_lo = Isa::widen_lo(b), b_hi = Isa::widen_hi(b);
        }
        const D out_lo = (Isa::widen_lo(v) - m) * is * s_lo + b_lo;
        const D out_hi = (Isa::widen_hi(v) - m) * is * s_hi + b_hi;
        Isa::narrow(out_lo, out_hi).store_unaligned(yr + j);
      }
      for (int64_t j = full; j < n; ++j) {
        const double s = scale[p.scale_shared ? 0 : j];
        const double b = bias ? bias[p.bias_shared ? 0 : j] : 0.0;
        yr[j] = static_cast<float>((xr[j] - mean) * inv_std * s + b);
      }
    }
  }
};

}  // namespace
}  // namespace vigil::kernels
