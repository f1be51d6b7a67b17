// max_pool2d_padded on AVX2 (8 output columns per vector), for the CPUs without AVX-512 that most x86 edge
// boxes have: kernels/pooling/max_pool2d_padded_impl.h on 8-float lanes. Bit-identical to
// max_pool2d_reference.
#include <immintrin.h>

#include <limits>

#include "kernels/pooling/max_pool2d_padded_impl.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

namespace {

// The lanes max_pool2d_padded_impl.h runs on: 8 floats, masks as lane vectors (maskload / maskstore).
struct Avx2Lanes {
  using F = __m256;
  static constexpr int W = 8;
  static F lowest() { return _mm256_set1_ps(-std::numeric_limits<float>::infinity()); }
  static __m256i first_lanes(int64_t n) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n < 8 ? n : 8)), lane);
  }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static F load(const float* p, __m256i m) { return _mm256_maskload_ps(p, m); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static void store(float* p, __m256i m, F v) { _mm256_maskstore_ps(p, m, v); }
  static void deinterleave(F a, F b, F& even, F& odd) {
    // Within each 128-bit half: a0 a2 b0 b2 | a4 a6 b4 b6 (shuffle), then the 64-bit pieces in order.
    const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
    odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
  }
  // pool_detail::max_step on 8 lanes: v replaces the running maximum when it is larger or NaN.
  static F max_step(F best, F v) {
    const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    return _mm256_blendv_ps(best, v, take);
  }
  // v > best ? v : best (maxps returns its second operand on a tie or a NaN).
  static F max_no_nan(F best, F v) { return _mm256_max_ps(v, best); }
  using Nans = __m256;
  static Nans no_nans() { return _mm256_setzero_ps(); }
  static Nans note_nans(Nans n, F v) { return _mm256_or_ps(n, _mm256_cmp_ps(v, v, _CMP_UNORD_Q)); }
  static bool any_nan(Nans n) { return _mm256_movemask_ps(n) != 0; }
};

}  // namespace

void max_pool2d_padded_avx2(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end,
                            float* scratch) {
  pool_detail::max_pool2d_padded<Avx2Lanes>(p, x, y, plane_begin, plane_end, scratch);
}

}  // namespace vigil::kernels
