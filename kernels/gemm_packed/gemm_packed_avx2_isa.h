// The AVX2 + FMA (ymm) traits struct of the gemm_packed vector templates (gemm_packed_simd.h): lane masks, masked
// loads/stores, fused multiply-adds. Shared by every kernel built on those templates (gemm_packed,
// conv2d_direct). Included ONLY by *_avx2.cpp files (compiled with its -m flags); internal linkage like the rest of it
// (gemm_packed_driver.h says why).
#pragma once

#include <immintrin.h>

#include "kernels/gemm_packed/gemm_packed_simd.h"

namespace vigil::kernels::gemm_packed_detail {
namespace {

struct Avx2Isa {
  using Arch = xsimd::fma3<xsimd::avx2>;
  using F = xsimd::batch<float, Arch>;
  using D = xsimd::batch<double, Arch>;
  static constexpr int W = 8;

  // Lane i of the mask is all-ones when i < count.
  static __m256i lanes(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static F load_partial(const float* p, int count) { return _mm256_maskload_ps(p, lanes(count)); }
  static void store_partial(float* p, F x, int count) { _mm256_maskstore_ps(p, lanes(count), x); }
  // Lane i all-ones when bit i of `bits` is set.
  static __m256i bit_lanes(uint32_t bits) {
    const __m256i b = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(static_cast<int>(bits)), b), b);
  }
  static F load_mask(const float* p, uint32_t bits) { return _mm256_maskload_ps(p, bit_lanes(bits)); }
  static F load_mask_s2(const float* p, uint32_t bits) {
    const __m256 a = _mm256_maskload_ps(p, bit_lanes(bits));
    const __m256 b = _mm256_maskload_ps(p + 8, bit_lanes(bits >> 8));
    const __m256 evens = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));  // a0 a2 b0 b2 | a4 a6 b4 b6
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), _MM_SHUFFLE(3, 1, 2, 0)));
  }
  // The 16-float window at p (bit t of `bits`: p[t] is read, else taken as 0) split into its even and odd
  // positions.
  static void load_deinterleave(const float* p, uint32_t bits, F& even, F& odd) {
    const __m256 a = _mm256_maskload_ps(p, bit_lanes(bits));
    const __m256 b = _mm256_maskload_ps(p + 8, bit_lanes(bits >> 8));
    const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));  // a0 a2 b0 b2 | a4 a6 b4 b6
    const __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));  // a1 a3 b1 b3 | a5 a7 b5 b7
    even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
    odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
  }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F fnma(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  static D widen_lo(F x) { return _mm256_cvtps_pd(_mm256_castps256_ps128(x)); }
  static D widen_hi(F x) { return _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)); }
  static F narrow(D lo, D hi) { return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo)); }
};

}  // namespace
}  // namespace vigil::kernels::gemm_packed_detail
