// group_norm_fast written once over an ISA traits struct (kernels/gemm_packed/gemm_packed_*_isa.h). Included only
// by group_norm_fast_avx2.cpp and group_norm_fast_avx512.cpp; everything here has internal linkage.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/group_norm/group_norm.h"
#include "kernels/normalization/row_moments_impl.h"

namespace vigil::kernels {
namespace {

template <class Isa>
struct GroupNormVector {
  using F = typename Isa::F;
  using D = typename Isa::D;
  static constexpr int W = Isa::W;

  static void units(const GroupNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                    int64_t unit_begin, int64_t unit_end) {
    const int64_t per_group = p.channels / p.groups, n = per_group * p.spatial;
    for (int64_t u = unit_begin; u < unit_end; ++u) {
      const float* xg = x + u * n;
      float* yg = y + u * n;
      const RowMoments moments = row_moments<Isa>(xg, n);
      const double mean = moments.mean, squares = moments.squares;
      const D m(mean);
      const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(n) + static_cast<double>(p.epsilon));
      const D is(inv_std);
      // Per channel of the group: its plane of `spatial` values with that channel's scale and bias.
      const int64_t first_channel = (u % p.groups) * per_group, plane_full = p.spatial / W * W;
      for (int64_t k = 0; k < per_group; ++k) {
        const double s = scale[first_channel + k], sh = bias[first_channel + k];
        const D vs(s), vsh(sh);
        const float* xc = xg + k * p.spatial;
        float* yc = yg + k * p.spatial;
        for (int64_t i = 0; i < plane_full; i += W) {
          const F v = F::load_unaligned(xc + i);
          Isa::narrow((Isa::widen_lo(v) - m) * is * vs + vsh, (Isa::widen_hi(v) - m) * is * vs + vsh)
              .store_unaligned(yc + i);
        }
        for (int64_t i = plane_full; i < p.spatial; ++i) yc[i] = static_cast<float>((xc[i] - mean) * inv_std * s + sh);
      }
    }
  }
};

}  // namespace
}  // namespace vigil::kernels
