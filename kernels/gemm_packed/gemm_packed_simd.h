// The vector parts of gemm_packed written once over xsimd batches: the microkernel with its fused
// epilogue, and the epilogue activations. Each ISA file defines a traits struct `Isa` and instantiates
// these templates for it:
//
//   struct Isa {
//     using Arch = ...;                          // xsimd architecture tag
//     static constexpr int W;                    // floats per vector
//     static F load_partial(const float*, int count);          // lanes >= count read as 0, not touched
//     static void store_partial(float*, F, int count);         // lanes >= count not written
//     static D widen_lo(F), widen_hi(F);         // float lanes [0, W/2) / [W/2, W) to double
//     static F narrow(D lo, D hi);               // round both halves to float
//     static F fma(F a, F b, F c), fnma(F a, F b, F c);  // a*b + c and -(a*b) + c, one rounding

//     static F load_mask(const float* p, uint32_t bits);        // lane t = p[t] where bit t is set, else 0
//     static F load_mask_s2(const float* p, uint32_t bits);     // lane t = p[2t] where bit 2t is set, else 0
//   };
// All of these are masked loads: they never touch memory outside the lanes asked for.
//
// Fused multiply-adds go through Isa::fma (the intrinsic): xsimd 8.1 has no AVX-512 fma kernel and falls
// back to a*b + c, which is fused only if the compiler contracts it (it does at -O3, not under
// sanitizers), and the microkernel's speed and its exact rounding must not depend on that.
//
// Included ONLY by the *_avx2.cpp / *_avx512.cpp files, and only inside an anonymous namespace region of
// this header: every function has internal linkage (see gemm_packed_driver.h for why).
#pragma once

#include <xsimd/xsimd.hpp>

#include "kernels/gemm_packed/gemm_packed_driver.h"
#include "kernels/gemm_packed/separate_rounding.h"

namespace vigil::kernels::gemm_packed_detail {
namespace {

// ---- Activations on one vector ----
//
// The piecewise-linear kinds reproduce activate_reference bit for bit: the same comparisons in the same
// order (so NaN and signed zeros come out the same), and where the reference does its arithmetic in
// double, so do these (exact: every step is the same IEEE double operation, then one rounding to float).
// The transcendental kinds use an own exp (and xsimd's tanh); docs/KERNELS.md gives their max ulp error.
template <class Isa>
struct VectorActivation {
  using F = xsimd::batch<float, typename Isa::Arch>;
  using D = xsimd::batch<double, typename Isa::Arch>;

  static VIGIL_GEMM_INLINE F relu(F x) { return xsimd::select(x <= F(0.0f), F(0.0f), x); }  // -0, NaN as ref
  static VIGIL_GEMM_INLINE F leaky(F x, F alpha) { return xsimd::select(x >= F(0.0f), x, alpha * x); }
  static VIGIL_GEMM_INLINE F clip(F x, F lo, F hi) {
    const F m = xsimd::select(x < lo, lo, x);  // std::max(x, lo)
    return xsimd::select(hi < m, hi, m);       // std::min(m, hi)
  }
  static VIGIL_GEMM_INLINE D clamp(D v, D lo, D hi) {  // std::clamp
    return xsimd::select(v < lo, lo, xsimd::select(hi < v, hi, v));
  }

  // Double-precision kinds: y = f(double(x)) rounded once, and NaN inputs returned unchanged.
  template <class Fn>
  static VIGIL_GEMM_INLINE F via_double(F x, Fn fn) {
    const F y = Isa::narrow(fn(Isa::widen_lo(x)), fn(Isa::widen_hi(x)));
    return xsimd::select(xsimd::isnan(x), x, y);
  }
  static F hard_sigmoid(F x, double alpha, double beta) {
    const D a(alpha), b(beta);
    return via_double(x, [&](D v) { return clamp(a * v + b, D(0.0), D(1.0)); });
  }
  // The reference's v / 6.0 as v * (1/6): a vdivpd per half cost most of the epilogue, and the float result
  // is the same for all 2^32 inputs (checked exhaustively, not merely on samples). The product is rounded on
  // its own: fused into the + 0.5 it rounds differently for 845 inputs (test_gemm_packed.cpp holds some).
  // The clamp as max/min: its argument is never -0, and via_double returns NaN inputs itself.
  static F hard_swish(F x) {
    return via_double(x, [](D v) {
      const D t = separate_rounding(v * D(1.0 / 6.0)) + D(0.5);
      return v * xsimd::min(xsimd::max(t, D(0.0)), D(1.0));
    });
  }
  static F hard_mish(F x) {
    return via_double(x, [](D v) { return v * clamp(v + D(2.0), D(0.0), D(2.0)) / D(2.0); });
  }

  // exp(x) as p * 2^k with p in [0.7, 1.42]: Cody-Waite reduction x = k*ln2 + r, |r| <= ln2/2, and the
  // classic Cephes degree-7 expf polynomial for e^r (about 1 ulp). Keeping 2^k apart lets callers finish
  // their arithmetic on normal numbers and round into the subnormal range once, at the end. x is clamped
  // below at -110, where e^x is under half the smallest subnormal; every caller passes x <= 20, so there is
  // no upper clamp.
  struct ExpParts {
    F p, k;
  };
  static VIGIL_GEMM_INLINE ExpParts exp_parts(F x) {
    x = xsimd::max(x, F(-110.0f));
    const F k = xsimd::nearbyint(x * F(1.44269504088896341f));
    F r = Isa::fnma(k, F(0.693359375f), x);
    r = Isa::fnma(k, F(-2.12194440e-4f), r);
    F y = F(1.9875691500e-4f);
    y = Isa::fma(y, r, F(1.3981999507e-3f));
    y = Isa::fma(y, r, F(8.3334519073e-3f));
    y = Isa::fma(y, r, F(4.1665795894e-2f));
    y = Isa::fma(y, r, F(1.6666665459e-1f));
    y = Isa::fma(y, r, F(5.0000001201e-1f));
    return {Isa::fma(y, r * r, r) + F(1.0f), k};
  }
  // v * 2^k for integral k in [-160, 128], rounded once: two exact power-of-two factors (each within
  // the normal exponent range), so only the last multiply can round (into subnormals, or to inf). Where
  // the ISA has one instruction for it (AVX-512's vscalefps, also rounded once), that is used instead: the
  // same bits in 1 instruction instead of 9.
  static VIGIL_GEMM_INLINE F scale(F v, F k) {
    if constexpr (requires { Isa::scale_by_pow2(v, k); }) {
      return Isa::scale_by_pow2(v, k);
    } else {
      return scale_by_two_factors(v, k);
    }
  }
  static VIGIL_GEMM_INLINE F scale_by_two_factors(F v, F k) {
    using I = xsimd::batch<int32_t, typename Isa::Arch>;
    const I ki = xsimd::batch_cast<int32_t>(k);
    const I k1 = ki >> 1, k2 = ki - k1;
    const F f1 = xsimd::bitwise_cast<F>((k1 + I(127)) << 23);
    const F f2 = xsimd::bitwise_cast<F>((k2 + I(127)) << 23);
    return (v * f1) * f2;
  }

  // sigmoid(x) = 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below, with e = e^-|x| <= 1: nothing overflows and
  // the tail e^x/(1+e^x) is scaled into place last, so it keeps full precision down to the subnormals.
  // One division per vector: both branches divide by the same denominator, so the numerator is selected
  // first (the same IEEE operations per lane as dividing in each branch; a second vdivps cost ~1/3 of silu).
  static F sigmoid(F x) {
    const ExpParts e = exp_parts(-xsimd::abs(x));
    const F ev = scale(e.p, e.k);
    const F denom = F(1.0f) + ev;
    const auto positive = x >= F(0.0f);
    const F q = xsimd::select(positive, F(1.0f), e.p) / denom;
    const F y = xsimd::select(positive, q, scale(q, e.k));
    return xsimd::select(xsimd::isnan(x), x, y);
  }
  // silu(x) = x * sigmoid(x), with the negative tail x*e^x/(1+e^x) scaled last as in sigmoid. Below
  // x = -110, and for NaN, it is x * 0 (|x e^x| < half the smallest subnormal): -0, and NaN for NaN and
  // -inf as in the reference. One compare and select for both cases.
  static F silu(F x) {
    const ExpParts e = exp_parts(-xsimd::abs(x));
    const F ev = scale(e.p, e.k);
    const F denom = F(1.0f) + ev;
    const auto positive = x >= F(0.0f);
    const F q = xsimd::select(positive, x, x * e.p) / denom;
    const F y = xsimd::select(positive, q, scale(q, e.k));
    return xsimd::select(x >= F(-110.0f), y, x * F(0.0f));
  }
  static F tanh(F x) { return xsimd::tanh(x); }
  // mish(x) = x * tanh(log(1 + e^x)) = x * u(u+2) / (u(u+2) + 2) with u = e^x: exact algebra, no
  // cancellation; the factor 2^k of u is applied last so tiny results keep their precision. Beyond
  // x = 20 the factor rounds to 1 in float; below x = -110 the result is x * 0, so mish(-inf) = NaN like
  // the reference.
  static F mish(F x) {
    const ExpParts e = exp_parts(xsimd::min(x, F(20.0f)));
    const F u = scale(e.p, e.k);
    const F t = u + F(2.0f);
    const F y = scale(x * e.p * t / Isa::fma(u, t, F(2.0f)), e.k);
    const F r = xsimd::select(x > F(20.0f), x, y);
    return xsimd::select(x < F(-110.0f), x * F(0.0f), xsimd::select(xsimd::isnan(x), x, r));
  }

  // The kinds that are not a couple of instructions, out of line so the microkernel stays small.
  static __attribute__((noinline)) F heavy(const ActivationParams& p, F x) {
    switch (p.kind) {
      case Activation::Sigmoid: return sigmoid(x);
      case Activation::Tanh: return tanh(x);
      case Activation::Silu: return silu(x);
      case Activation::Mish: return mish(x);
      case Activation::HardSwish: return hard_swish(x);
      case Activation::HardSigmoid: return hard_sigmoid(x, p.alpha, p.beta);
      case Activation::HardMish: return hard_mish(x);
      case Activation::None: return x;
      case Activation::Relu: return relu(x);
      case Activation::LeakyRelu: return leaky(x, F(p.alpha));
      case Activation::Clip: return clip(x, F(p.alpha), F(p.beta));
    }
    return x;
  }

  // y[i] = act(x[i]) over a buffer, for gemm_packed_activation (Winograd applies its activation this way,
  // one output row at a time). The kind is dispatched once per call and the cheap kinds run inline: a call
  // to heavy() per vector cost ~3 % of actdet's frame. In place, None does nothing.
  static void apply(const ActivationParams& p, const float* x, float* y, int64_t n) {
    switch (p.kind) {
      case Activation::None:
        if (x != y) apply_with(x, y, n, [](F v) { return v; });
        return;
      case Activation::Relu:
        apply_with(x, y, n, [](F v) { return relu(v); });
        return;
      case Activation::LeakyRelu:
        apply_with(x, y, n, [alpha = F(p.alpha)](F v) { return leaky(v, alpha); });
        return;
      case Activation::Clip:  // ReLU6 of MobileNets: two compares, not a call per vector
        apply_with(x, y, n, [lo = F(p.alpha), hi = F(p.beta)](F v) { return clip(v, lo, hi); });
        return;
      default:
        apply_with(x, y, n, [&p](F v) { return heavy(p, v); });
        return;
    }
  }
  template <class Fn>
  static void apply_with(const float* x, float* y, int64_t n, const Fn& fn) {
    constexpr int W = Isa::W;
    for (int64_t i = 0; i < n; i += W) {
      const int count = static_cast<int>(min_i64(W, n - i));
      const F v = count == W ? F::load_unaligned(x + i) : Isa::load_partial(x + i, count);
      const F r = fn(v);
      if (count == W)
        r.store_unaligned(y + i);
      else
        Isa::store_partial(y + i, r, count);
    }
  }
};

// Epilogue activation functors: the common cheap kinds inline, everything else through heavy().
template <class Isa>
struct ActNone {
  using F = xsimd::batch<float, typename Isa::Arch>;
  explicit ActNone(const ActivationParams&) {}
  VIGIL_GEMM_INLINE F operator()(F x) const { return x; }
};
template <class Isa>
struct ActRelu {
  using F = xsimd::batch<float, typename Isa::Arch>;
  explicit ActRelu(const ActivationParams&) {}
  VIGIL_GEMM_INLINE F operator()(F x) const { return VectorActivation<Isa>::relu(x); }
};
template <class Isa>
struct ActLeaky {
  using F = xsimd::batch<float, typename Isa::Arch>;
  F alpha;
  explicit ActLeaky(const ActivationParams& p) : alpha(p.alpha) {}
  VIGIL_GEMM_INLINE F operator()(F x) const { return VectorActivation<Isa>::leaky(x, alpha); }
};
template <class Isa>
struct ActClip {
  using F = xsimd::batch<float, typename Isa::Arch>;
  F lo, hi;
  explicit ActClip(const ActivationParams& p) : lo(p.alpha), hi(p.beta) {}
  VIGIL_GEMM_INLINE F operator()(F x) const { return VectorActivation<Isa>::clip(x, lo, hi); }
};
template <class Isa>
struct ActHeavy {
  using F = xsimd::batch<float, typename Isa::Arch>;
  const ActivationParams* p;
  explicit ActHeavy(const ActivationParams& params) : p(&params) {}
  VIGIL_GEMM_INLINE F operator()(F x) const { return VectorActivation<Isa>::heavy(*p, x); }
};

// ---- Dense B packing: row by row (sequential reads of B), each row spread over the block's panels ----
template <class Isa, int NR>
void pack_dense_vector(const float* b, int64_t ldb, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
  using F = xsimd::batch<float, typename Isa::Arch>;
  constexpr int W = Isa::W;
  const int64_t stride = panel_stride(kc, NR);
  for (int64_t q = 0; q < kc; ++q) {
    const float* src = b + (k0 + q) * ldb + n0;
    float* out = dst + q * NR;
    int64_t j = 0;
    for (; j + NR <= nc; j += NR, out += stride) {
#pragma GCC unroll 4
      for (int v = 0; v < NR / W; ++v) F::load_unaligned(src + j + v * W).store_aligned(out + v * W);
    }
    if (j < nc) {  // the last, partial panel: masked loads, zero padding
#pragma GCC unroll 4
      for (int v = 0; v < NR / W; ++v) {
        const int64_t count = nc - j - v * W;
        const F x = count >= W  ? F::load_unaligned(src + j + v * W)
                    : count > 0 ? Isa::load_partial(src + j + v * W, static_cast<int>(count))
                                : F(0.0f);
        x.store_aligned(out + v * W);
      }
    }
  }
}

// ---- Implicit im2col packing with masked vector loads ----
// Stride 1 and 2 segments are W-lane window loads (the mask does the zero padding); other strides use the
// plain C++ segment. Stores are masked at the segment end so a segment never writes past its own columns.
template <class Isa, int NR>
void pack_im2col_vector(const Im2colGeometry& g, const float* x, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                        float* dst) {
  using F = xsimd::batch<float, typename Isa::Arch>;
  constexpr int W = Isa::W;
  const int64_t sw = g.stride_w, in_w = g.in_w;
  walk_im2col<NR>(g, x, k0, kc, n0, nc, dst, [&](const float* row, int64_t iw0, int64_t len, float* out) {
    if (row != nullptr && sw > 2) {
      gather_row_segment(row, in_w, iw0, sw, len, out);
      return;
    }
    const SegmentRange r = row ? segment_range(in_w, iw0, sw, len) : SegmentRange{0, 0};
    for (int64_t t0 = 0; t0 < len; t0 += W) {
      const int lo = static_cast<int>(min_i64(max_i64(r.lo - t0, 0), W));
      const int hi = static_cast<int>(min_i64(max_i64(r.hi - t0, lo), W));
      F v(0.0f);
      if (lo < hi)
        v = sw == 1 ? Isa::load_mask(row + iw0 + t0, bit_range(lo, hi))
                    : Isa::load_mask_s2(row + iw0 + 2 * t0, bit_range(2 * lo, 2 * hi - 1));
      const int64_t count = len - t0;
      if (count >= W)
        v.store_unaligned(out + t0);
      else
        Isa::store_partial(out + t0, v, static_cast<int>(count));
    }
  });
}

// Packs rows k0..k0+kc with a prebuilt plan (build_im2col_plan).
template <class Isa, int NR>
void pack_im2col_planned(const Im2colGeometry& g, const float* x, int64_t k0, int64_t kc, int64_t nc,
                         const Im2colPlan& plan, float* dst) {
  using F = xsimd::batch<float, typename Isa::Arch>;
  constexpr int W = Isa::W, NV = NR / W;
  const int64_t kernel_area = g.kernel_h * g.kernel_w;
  const int64_t plane = g.in_h * g.in_w;
  const int64_t stride = panel_stride(kc, NR);
  const int64_t chunks = plan.chunk_count;
  const bool stride2 = g.stride_w == 2;
  const auto* all_taps = static_cast<const Im2colTap<NV>*>(plan.taps);
  int64_t c = k0 / kernel_area, tap = k0 % kernel_area;
  for (int64_t q = 0; q < kc; ++q) {
    const float* base = x + c * plane;
    const Im2colTap<NV>* taps = all_taps + tap * chunks;
    float* row_dst = dst + q * NR;
    for (int64_t ch = 0; ch < chunks; ++ch) {
      const Im2colTap<NV>& t = taps[ch];
      const Im2colChunk& k = plan.chunks[ch];
      float* out = row_dst + k.panel * stride + k.in_panel;
      const float* src = base + t.src;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const int count = k.count - v * W;
        if (count <= 0) break;
        const F x = stride2 ? Isa::load_mask_s2(src + 2 * v * W, t.mask[v]) : Isa::load_mask(src + v * W, t.mask[v]);
        if (count >= W)
          x.store_unaligned(out + v * W);
        else
          Isa::store_partial(out + v * W, x, count);
      }
    }
    if (nc % NR != 0)
      std::memset(row_dst + (nc / NR) * stride + nc % NR, 0, static_cast<size_t>(NR - nc % NR) * sizeof(float));
    if (++tap == kernel_area) tap = 0, ++c;
  }
}

// ---- The microkernel: an MR x (NV*W) tile of C kept in registers for the whole K block ----
template <class Isa, int MR_, int NV_, int64_t KC_, int64_t NC_, int64_t MC_>
struct Microkernel {
  static constexpr int W = Isa::W;
  static constexpr int MR = MR_, NV = NV_, NR = NV_ * Isa::W;
  static constexpr BlockingConfig kConfig = {MR_, Isa::W* NV_, KC_, NC_, MC_};
  using F = xsimd::batch<float, typename Isa::Arch>;

  // One k step of the tile over its first R rows and NVC vectors: acc[r][v] += a[r] * b[v] for the values
  // of a packed A column (R = MR, NVC = NV: the whole tile; fewer: tile_rows's partial tiles).
  template <int R, int NVC>
  static VIGIL_GEMM_INLINE void rank1_rows(const float* a, const F (&b)[NVC], F (&acc)[MR][NV]) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const F ar(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NVC; ++v) acc[r][v] = Isa::fma(ar, b[v], acc[r][v]);
    }
  }
  // The whole tile's step; shared with conv2d_direct's tile, which loads its b vectors differently.
  static VIGIL_GEMM_INLINE void rank1_update(const float* a, const F (&b)[NV], F (&acc)[MR][NV]) {
    rank1_rows<MR, NV>(a, b, acc);
  }

  // Loads C (or the residual) for the current row: full vectors, or masked at the N edge.
  template <bool kFull>
  static VIGIL_GEMM_INLINE F load_row(const float* p, int v, int nr) {
    if constexpr (kFull) return F::load_unaligned(p + v * W);
    return Isa::load_partial(p + v * W, nr - v * W < W ? nr - v * W : W);
  }
  template <bool kFull>
  static VIGIL_GEMM_INLINE void store_row(float* p, int v, int nr, F x) {
    if constexpr (kFull)
      x.store_unaligned(p + v * W);
    else
      Isa::store_partial(p + v * W, x, nr - v * W < W ? nr - v * W : W);
  }

  template <bool kFull, class Act>
  static VIGIL_GEMM_INLINE void store_tile(const TileArgs& t, F (&acc)[MR][NV], const Act& act) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      if (r >= t.mr) break;
      float* c = t.c + r * t.ldc;
      F bias(0.0f);
      if (t.last && t.bias) bias = F(t.bias[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        if (!kFull && v * W >= t.nr) break;
        F x = acc[r][v];
        if (t.load_c) x += load_row<kFull>(c, v, t.nr);
        if (t.last) {
          x += bias;
          if (t.residual && t.residual_first) x += load_row<kFull>(t.residual + r * t.ld_residual, v, t.nr);
          x = act(x);
          if (t.residual && !t.residual_first) x += load_row<kFull>(t.residual + r * t.ld_residual, v, t.nr);
        }
        store_row<kFull>(c, v, t.nr, x);
      }
    }
  }

  template <class Act>
  static VIGIL_GEMM_INLINE void store_any(const TileArgs& t, F (&acc)[MR][NV]) {
    const Act act(*t.act);
    if (t.nr == NR)
      store_tile<true>(t, acc, act);
    else
      store_tile<false>(t, acc, act);
  }

  static void pack_dense(const float* b, int64_t ldb, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
    pack_dense_vector<Isa, NR>(b, ldb, k0, kc, n0, nc, dst);
  }
  static Im2colPlan plan_im2col(const Im2colGeometry& g, int64_t n0, int64_t nc, float* storage) {
    return build_im2col_plan<NR, W>(g, n0, nc, storage);
  }
  static void pack_im2col(const Im2colGeometry& g, const float* x, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                          const Im2colPlan& plan, float* dst) {
    if (plan.valid)
      pack_im2col_planned<Isa, NR>(g, x, k0, kc, nc, plan, dst);
    else
      pack_im2col_vector<Isa, NR>(g, x, k0, kc, n0, nc, dst);
  }

  static VIGIL_GEMM_INLINE void tile(const TileArgs& t) {
    // A panel's last rows (M not a multiple of MR: 49 tokens of a 7x7 map are 6 panels of 8 and one of 1)
    // compute only the rows that exist, rounded up to 1, 2 or 4: each output keeps its sum in the same order,
    // so the results do not change; the full tile spent a whole panel's multiply-adds on one row.
    // Likewise a last panel of at most W columns (N = 169 = 5 x 32 + 9 on a 13x13 map) computes its first
    // vector only. Those partial tiles are calls of their own: inlined beside the full tile into the
    // driver's loops, they made GCC spill the full tile's accumulators on AVX2. AVX2 (16 registers) keeps
    // the full tile for every panel: even out of line, GCC kept one of the partial tiles' accumulators on
    // the stack, a store and a load in its FMA chain every k step, and 1x1 convs on 7x7 maps ran 25 %
    // slower than with full tiles.
    if (Isa::W < 16 || (t.mr == MR && (NV == 1 || t.nr > W)))
      tile_rows<MR, NV>(t);
    else
      tile_partial(t);
  }

  static __attribute__((noinline)) void tile_partial(const TileArgs& t) {
    if (NV > 1 && t.nr <= W)
      tile_rows_for<1>(t);
    else
      tile_rows_for<NV>(t);
  }

  template <int NVC>
  static VIGIL_GEMM_INLINE void tile_rows_for(const TileArgs& t) {
    constexpr int kFour = MR < 4 ? MR : 4, kTwo = MR < 2 ? MR : 2;
    if (t.mr == MR || t.mr > 4)
      tile_rows<MR, NVC>(t);
    else if (t.mr > 2)
      tile_rows<kFour, NVC>(t);
    else if (t.mr == 2)
      tile_rows<kTwo, NVC>(t);
    else
      tile_rows<1, NVC>(t);
  }

  // The tile with its first R rows and NVC vectors computed (R >= t.mr, NVC * W >= t.nr); the rest of acc
  // stays 0 and is not stored.
  template <int R, int NVC>
  static VIGIL_GEMM_INLINE void tile_rows(const TileArgs& t) {
    // The C tile is read (or written) only after the K loop: start pulling its lines in now.
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      if (r >= t.mr) break;
      __builtin_prefetch(t.c + r * t.ldc, 1, 3);
      __builtin_prefetch(t.c + r * t.ldc + NR - 1, 1, 3);
    }
    F acc[MR][NV];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = F(0.0f);

    const float* a = t.a;
    const float* b = t.b;
    const float* a_next = t.a_next;
#pragma GCC unroll 4
    for (int64_t q = 0; q < t.kc; ++q) {
      // A line of the prefetch target every 64 / (a_step * 4) steps (a whole panel's K range when a_step
      // = MR, half of it when MR / 2; some lines are requested twice: cheaper than a branch).
      if (a_next) __builtin_prefetch(a_next + q * t.a_step, 0, 2);
      F bv[NVC];
#pragma GCC unroll 4
      for (int v = 0; v < NVC; ++v) bv[v] = F::load_aligned(b + v * W);
      rank1_rows<R, NVC>(a, bv, acc);
      a += MR;
      b += NR;
    }

    store(t.last ? t.act->kind : Activation::None, t, acc);
  }

  // The epilogue with activation `kind` (the cheap kinds inline, the rest through heavy()); also used by
  // conv2d_direct's tile.
  static VIGIL_GEMM_INLINE void store(Activation kind, const TileArgs& t, F (&acc)[MR][NV]) {
    switch (kind) {
      case Activation::None: store_any<ActNone<Isa>>(t, acc); break;
      case Activation::Relu: store_any<ActRelu<Isa>>(t, acc); break;
      case Activation::LeakyRelu: store_any<ActLeaky<Isa>>(t, acc); break;
      case Activation::Clip: store_any<ActClip<Isa>>(t, acc); break;
      default: store_any<ActHeavy<Isa>>(t, acc); break;
    }
  }
};

}  // namespace
}  // namespace vigil::kernels::gemm_packed_detail
