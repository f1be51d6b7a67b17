// Minimal per-ISA vector traits shared by the depthwise and Winograd kernels. The templates in
// depthwise_conv_impl.h / conv2d_winograd_impl.h are written once against this interface and
// instantiated in each ISA's own translation unit:
//
//   struct Isa {
//     using F;                    // one vector of W floats (plain float for the scalar path)
//     static constexpr int W;
//     static F load(const float*);   static void store(float*, F);     // unaligned
//     static F set1(float);          static F fma(F a, F b, F c);      // a*b + c
//     static void activate(const ActivationParams&, const float* x, float* y, int64_t n);
//   };
//
// Everything is in an anonymous namespace (internal linkage): this header is compiled with different -m
// flags in different files and a shared inline function could otherwise be linked from an AVX-512 object
// into baseline code. It instantiates nothing from the standard library.
#pragma once

#include <cstdint>

#include "kernels/activation/activation.h"
#include "kernels/gemm_packed/gemm_packed.h"

#if defined(__AVX2__)
#include <xsimd/xsimd.hpp>
#endif

namespace vigil::kernels::simd_detail {
namespace {

struct ScalarIsa {
  using F = float;
  static constexpr int W = 1;
  static F load(const float* p) { return *p; }
  static void store(float* p, F v) { *p = v; }
  static F set1(float v) { return v; }
  static F fma(F a, F b, F c) { return a * b + c; }
  static void activate(const ActivationParams& a, const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = activate_reference(a, x[i]);
  }
};

#if defined(__AVX512F__)
struct Avx512Isa {
  using F = xsimd::batch<float, xsimd::avx512bw>;
  static constexpr int W = 16;
  static F load(const float* p) { return F::load_unaligned(p); }
  static void store(float* p, F v) { v.store_unaligned(p); }
  static F set1(float v) { return F(v); }
  static F fma(F a, F b, F c) { return xsimd::fma(a, b, c); }
  // The gemm_packed epilogue activation (h9): bit-exact for the piecewise-linear kinds, ulp-bounded for
  // the transcendental ones (docs/ops/h9.md).
  static void activate(const ActivationParams& a, const float* x, float* y, int64_t n) {
    gemm_packed_activation_avx512(a, x, y, n);
  }
};
#elif defined(__AVX2__) && defined(__FMA__)
struct Avx2Isa {
  using F = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
  static constexpr int W = 8;
  static F load(const float* p) { return F::load_unaligned(p); }
  static void store(float* p, F v) { v.store_unaligned(p); }
  static F set1(float v) { return F(v); }
  static F fma(F a, F b, F c) { return xsimd::fma(a, b, c); }
  static void activate(const ActivationParams& a, const float* x, float* y, int64_t n) {
    gemm_packed_activation_avx2(a, x, y, n);
  }
};
#endif

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
constexpr int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }
inline float* align64(void* p) {
  const uintptr_t u = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<float*>((u + 63) & ~uintptr_t{63});
}

}  // namespace
}  // namespace vigil::kernels::simd_detail
