// The statistics layer_norm_fast and group_norm_fast share: the mean and the sum of squared deviations of n
// contiguous floats, as their references compute them (two passes, in double: the mean first, then the squares
// of the deviations from it; one pass of E[x^2] - E[x]^2 would cancel when the mean is large), with the sums
// formed in vector lanes. Written over an ISA traits struct (kernels/gemm_packed/gemm_packed_*_isa.h); included
// only by *_avx2.cpp / *_avx512.cpp files: internal linkage.
#pragma once

#include <cstdint>

namespace vigil::kernels {
namespace {

struct RowMoments {
  double mean;     // sum / n
  double squares;  // sum of (x - mean)^2
};

template <class Isa>
RowMoments row_moments(const float* x, int64_t n) {
  using F = typename Isa::F;
  using D = typename Isa::D;
  constexpr int W = Isa::W;
  const int64_t full = n / W * W;
  D lo(0.0), hi(0.0);
  for (int64_t i = 0; i < full; i += W) {
    const F v = F::load_unaligned(x + i);
    lo += Isa::widen_lo(v);
    hi += Isa::widen_hi(v);
  }
  double sum = xsimd::hadd(lo + hi);
  for (int64_t i = full; i < n; ++i) sum += x[i];
  const double mean = sum / static_cast<double>(n);
  const D m(mean);
  lo = D(0.0), hi = D(0.0);
  for (int64_t i = 0; i < full; i += W) {
    const F v = F::load_unaligned(x + i);
    const D dl = Isa::widen_lo(v) - m, dh = Isa::widen_hi(v) - m;
    lo += dl * dl;
    hi += dh * dh;
  }
  double squares = xsimd::hadd(lo + hi);
  for (int64_t i = full; i < n; ++i) {
    const double d = x[i] - mean;
    squares += d * d;
  }
  return {mean, squares};
}

}  // namespace
}  // namespace vigil::kernels
