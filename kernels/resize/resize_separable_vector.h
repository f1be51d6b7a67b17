// The AVX2 / AVX-512 passes of resize_linear_fast / resize_cubic_fast over an ISA traits struct
// (gemm_packed_*_isa.h) plus a gather: the column taps gathered as floats, widened to double, multiplied
// and summed in the reference's order. Each product goes through `separate` (an empty asm) so the compiler
// cannot fuse it with the following addition into an FMA (these files are built with -mfma and GCC contracts
// a*b + c by default): a fused result can differ from the reference's in the last bit of a double, and so,
// rarely, after rounding to float (the bit-identity test caught it). Included only by
// resize_separable_avx2.cpp / _avx512.cpp; internal linkage.
#pragma once

#include <cstdint>

#include "kernels/resize/resize_separable_impl.h"

namespace vigil::kernels {
namespace {

template <class Isa, class Gather, int Taps>
struct ResizeSeparableVectorPasses {
  using F = typename Isa::F;
  using D = typename Isa::D;
  static constexpr int W = Isa::W;  // float lanes; two double vectors of W / 2 each

  static D separate(D v) {
    auto reg = static_cast<typename D::register_type>(v);
    asm("" : "+v"(reg));
    return D(reg);
  }
  // sum + product, or the first product as the reference starts its sum.
  static D accumulate(int k, D sum, D product) {
    if (k > 0) return sum + product;
    return kResizeSumsFromZero<Taps> ? D(0.0) + product : product;
  }

  static void horizontal(const float* row, const ResizeSeparablePlan<Taps>& plan, double* h) {
    const int64_t pw = plan.padded_w;
    const int32_t* index = plan.col_index.data();
    const double* weight = plan.col_weight.data();
    for (int64_t x = 0; x < pw; x += W) {
      D lo(0.0), hi(0.0);
      for (int k = 0; k < Taps; ++k) {
        const F v = Gather::gather(row, index + k * pw + x);
        lo = accumulate(k, lo, separate(D::load_unaligned(weight + k * pw + x) * Isa::widen_lo(v)));
        hi = accumulate(k, hi, separate(D::load_unaligned(weight + k * pw + x + W / 2) * Isa::widen_hi(v)));
      }
      lo.store_aligned(h + x);
      hi.store_aligned(h + x + W / 2);
    }
  }

  static void vertical(const double* const* h, const double* w, float* out, int64_t out_w) {
    D weights[Taps];
    for (int k = 0; k < Taps; ++k) weights[k] = D(w[k]);
    for (int64_t x = 0; x < out_w; x += W) {
      D lo(0.0), hi(0.0);
      for (int k = 0; k < Taps; ++k) {
        lo = accumulate(k, lo, separate(weights[k] * D::load_aligned(h[k] + x)));
        hi = accumulate(k, hi, separate(weights[k] * D::load_aligned(h[k] + x + W / 2)));
      }
      const F v = Isa::narrow(lo, hi);
      if (x + W <= out_w)
        v.store_unaligned(out + x);
      else
        Isa::store_partial(out + x, v, static_cast<int>(out_w - x));
    }
  }
};

}  // namespace
}  // namespace vigil::kernels
