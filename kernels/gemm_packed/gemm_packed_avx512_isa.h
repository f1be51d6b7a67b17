// The AVX-512 (F/BW/DQ/VL, zmm) traits struct of the gemm_packed vector templates (gemm_packed_simd.h): lane masks,
// masked loads/stores, fused multiply-adds. Shared by every kernel built on those templates (gemm_packed,
// conv2d_direct). Included ONLY by *_avx512.cpp files (compiled with its -m flags); internal linkage like the rest of
// it (gemm_packed_driver.h says why).
#pragma once

#include <immintrin.h>

#include "kernels/gemm_packed/gemm_packed_simd.h"

namespace vigil::kernels::gemm_packed_detail {
namespace {

struct Avx512Isa {
  using Arch = xsimd::avx512bw;
  using F = xsimd::batch<float, Arch>;
  using D = xsimd::batch<double, Arch>;
  static constexpr int W = 16;

  static __mmask16 lanes(int count) { return static_cast<__mmask16>((1u << count) - 1u); }
  static F load_partial(const float* p, int count) { return _mm512_maskz_loadu_ps(lanes(count), p); }
  static void store_partial(float* p, F x, int count) { _mm512_mask_storeu_ps(p, lanes(count), x); }
  static F load_mask(const float* p, uint32_t bits) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits), p); }
  static F load_mask_s2(const float* p, uint32_t bits) {
    const __m512 a = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits), p);
    const __m512 b = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits >> 16), p + 16);
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, evens, b);
  }
  // The 32-float window at p (bit t of `bits`: p[t] is read, else taken as 0) split into its even and odd
  // positions.
  static void load_deinterleave(const float* p, uint32_t bits, F& even, F& odd) {
    const __m512 a = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits), p);
    const __m512 b = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits >> 16), p + 16);
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    even = _mm512_permutex2var_ps(a, evens, b);
    odd = _mm512_permutex2var_ps(a, odds, b);
  }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F fnma(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
  // v * 2^k for integral k, rounded once (into subnormals or to inf as the exact product would round).
  static F scale_by_pow2(F v, F k) { return _mm512_scalef_ps(v, k); }
  static D widen_lo(F x) { return _mm512_cvtps_pd(_mm512_castps512_ps256(x)); }
  static D widen_hi(F x) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)); }
  static F narrow(D lo, D hi) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
  }
};

}  // namespace
}  // namespace vigil::kernels::gemm_packed_detail
