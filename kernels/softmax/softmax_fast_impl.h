// softmax_fast written once over an ISA traits struct (kernels/gemm_packed/gemm_packed_*_isa.h). Included only by
// softmax_fast_avx2.cpp and softmax_fast_avx512.cpp; everything here has internal linkage.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace vigil::kernels {
namespace {

// Exps of a row kept on the stack for its outputs (rows up to this long): 16 KiB.
constexpr int64_t kKeptExps = 2048;

template <class Isa>
struct SoftmaxVector {
  using F = typename Isa::F;
  using D = typename Isa::D;
  static constexpr int W = Isa::W;

  // One contiguous row (inner = 1), as the reference computes it: the max ignoring NaN (v > max), then the
  // double sum of exp(v - max), then each output; a NaN in the row makes every output NaN (softmax), or
  // comes out of the NaN sum by itself (log_softmax, as in the reference).
  static void row(bool log, int64_t n, const float* x, float* y) {
    const int64_t full = n / W * W;
    F vmax(-std::numeric_limits<float>::infinity());
    auto nan_lanes = vmax != vmax;
    for (int64_t a = 0; a < full; a += W) {
      const F v = F::load_unaligned(x + a);
      nan_lanes = nan_lanes || (v != v);
      vmax = xsimd::select(v > vmax, v, vmax);
    }
    float lanes[W];  // no NaN in vmax: NaN never wins v > vmax
    vmax.store_unaligned(lanes);
    float max = lanes[0];
    for (int t = 1; t < W; ++t)
      if (lanes[t] > max) max = lanes[t];
    bool has_nan = xsimd::any(nan_lanes);
    for (int64_t a = full; a < n; ++a) {
      has_nan |= std::isnan(x[a]);
      if (x[a] > max) max = x[a];
    }
    const double m = max;
    const D dm(m);
    D lo(0.0), hi(0.0);
    // The exps of a row that fits `kept` are kept for the outputs instead of computed again: the exp on
    // double vectors is most of the time (ViT-B/16's 12 attention softmaxes, rows of 197: 8.1 ms, ONNX
    // Runtime 1.7 ms).
    alignas(64) double kept[kKeptExps];
    const bool keep = !log && full <= kKeptExps;
    for (int64_t a = 0; a < full; a += W) {
      const F v = F::load_unaligned(x + a);
      const D e_lo = xsimd::exp(Isa::widen_lo(v) - dm), e_hi = xsimd::exp(Isa::widen_hi(v) - dm);
      if (keep) {
        e_lo.store_aligned(kept + a);
        e_hi.store_aligned(kept + a + W / 2);
      }
      lo += e_lo;
      hi += e_hi;
    }
    double sum = xsimd::hadd(lo + hi);
    for (int64_t a = full; a < n; ++a) sum += std::exp(static_cast<double>(x[a]) - m);
    if (log) {
      const double log_sum = std::log(sum);
      const D ls(log_sum);
      for (int64_t a = 0; a < full; a += W) {
        const F v = F::load_unaligned(x + a);
        Isa::narrow(Isa::widen_lo(v) - dm - ls, Isa::widen_hi(v) - dm - ls).store_unaligned(y + a);
      }
      for (int64_t a = full; a < n; ++a) y[a] = static_cast<float>(static_cast<double>(x[a]) - m - log_sum);
      return;
    }
    if (has_nan) {
      for (int64_t a = 0; a < n; ++a) y[a] = std::numeric_limits<float>::quiet_NaN();
      return;
    }
    const D s(sum);
    if (keep) {
      // e * (1 / sum) instead of e / sum: the two doubles differ by an ulp of a double at most, so the float
      // outputs only where the quotient lies within ~2^-29 float ulp of a rounding boundary (as the lanes'
      // sum order already allows), and a multiply is several times cheaper than a division.
      const D inv(1.0 / sum);
      for (int64_t a = 0; a < full; a += W)
        Isa::narrow(D::load_aligned(kept + a) * inv, D::load_aligned(kept + a + W / 2) * inv).store_unaligned(y + a);
    } else {
      for (int64_t a = 0; a < full; a += W) {
        const F v = F::load_unaligned(x + a);
        Isa::narrow(xsimd::exp(Isa::widen_lo(v) - dm) / s, xsimd::exp(Isa::widen_hi(v) - dm) / s)
            .store_unaligned(y + a);
      }
    }
    for (int64_t a = full; a < n; ++a) y[a] = static_cast<float>(std::exp(static_cast<double>(x[a]) - m) / sum);
  }

  // `count` (<= W) neighbouring rows of a strided axis, one per lane: lane t is row i0 + t, its values
  // `inner` apart. Lanes past `count` load zeros and are never stored.
  static void columns(bool log, int64_t axis_len, int64_t inner, const float* x, float* y, int count) {
    auto load = [&](int64_t a) {
      return count == W ? F::load_unaligned(x + a * inner) : Isa::load_partial(x + a * inner, count);
    };
    auto store = [&](int64_t a, F v) {
      if (count == W)
        v.store_unaligned(y + a * inner);
      else
        Isa::store_partial(y + a * inner, v, count);
    };
    F vmax(-std::numeric_limits<float>::infinity());
    auto nan_lanes = vmax != vmax;
    for (int64_t a = 0; a < axis_len; ++a) {
      const F v = load(a);
      nan_lanes = nan_lanes || (v != v);
      vmax = xsimd::select(v > vmax, v, vmax);
    }
    const D m_lo = Isa::widen_lo(vmax), m_hi = Isa::widen_hi(vmax);
    D s_lo(0.0), s_hi(0.0);
    for (int64_t a = 0; a < axis_len; ++a) {
      const F v = load(a);
      s_lo += xsimd::exp(Isa::widen_lo(v) - m_lo);
      s_hi += xsimd::exp(Isa::widen_hi(v) - m_hi);
    }
    if (log) {
      const D l_lo = xsimd::log(s_lo), l_hi = xsimd::log(s_hi);
      for (int64_t a = 0; a < axis_len; ++a) {
        const F v = load(a);
        store(a, Isa::narrow(Isa::widen_lo(v) - m_lo - l_lo, Isa::widen_hi(v) - m_hi - l_hi));
      }
      return;
    }
    const F nan(std::numeric_limits<float>::quiet_NaN());
    for (int64_t a = 0; a < axis_len; ++a) {
      const F v = load(a);
      const F q = Isa::narrow(xsimd::exp(Isa::widen_lo(v) - m_lo) / s_lo, xsimd::exp(Isa::widen_hi(v) - m_hi) / s_hi);
      store(a, xsimd::select(nan_lanes, nan, q));
    }
  }

  static void column_range(bool log, int64_t axis_len, int64_t inner, const float* x, float* y, int64_t i_begin,
                           int64_t i_end) {
    for (int64_t i = i_begin; i < i_end; i += W)
      columns(log, axis_len, inner, x + i, y + i, static_cast<int>(std::min<int64_t>(W, i_end - i)));
  }

  static void run(bool log, int64_t axis_len, int64_t inner, const float* x, float* y, int64_t outer_begin,
                  int64_t outer_end) {
    for (int64_t o = outer_begin; o < outer_end; ++o) {
      const float* xo = x + o * axis_len * inner;
      float* yo = y + o * axis_len * inner;
      if (inner == 1) {
        row(log, axis_len, xo, yo);
        continue;
      }
      column_range(log, axis_len, inner, xo, yo, 0, inner);
    }
  }
};

}  // namespace
}  // namespace vigil::kernels
