// max_pool2d_fast with AVX-512: 16 output columns per vector. The portable max_pool2d_fast keeps the
// reference's NaN-aware update per element, which the compiler cannot vectorise (and stride 2 makes the
// reads non-contiguous): actdet's 2x2/2 pools ran at ~2 GFLOP/s, 0.6 ms per frame. Here the same update
// rule runs on masks, so the result is still bit-identical to max_pool2d_reference: per output, taps in the
// same (i, j) order, "v replaces the running maximum when it is larger or NaN".
// Stride 2 loads 32 consecutive inputs and keeps the even lanes with one permute.
#include <immintrin.h>

#include <cmath>
#include <limits>

#include "kernels/pooling/max_pool2d_padded_impl.h"
#include "kernels/pooling/pool_window.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

namespace {

using pool_detail::max_step;

// pool_detail::max_step on 16 lanes.
inline __m512 max_step(__m512 best, __m512 v) {
  // Exactly the reference condition: v > best (false if either is NaN) or v is NaN.
  const __mmask16 take = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  return _mm512_mask_mov_ps(best, take, v);
}

// Lanes [0, n) set (none for n <= 0, all 16 for n >= 16).
inline __mmask16 first_lanes(int64_t n) {
  if (n <= 0) return 0;
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u);
}

// One output column the slow way (window partly outside the image), taps in reference order.
float border_cell(const Pool2dParams& p, const float* x_p, int64_t oh, int64_t ow) {
  float best = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < p.kernel_h; ++i) {
    const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
    if (ih < 0 || ih >= p.in_h) continue;
    for (int64_t j = 0; j < p.kernel_w; ++j) {
      const int64_t iw = ow * p.stride_w - p.pad_left + j * p.dilation_w;
      if (iw >= 0 && iw < p.in_w) best = max_step(best, x_p[ih * p.in_w + iw]);
    }
  }
  return best;
}

}  // namespace

void max_pool2d_fast_avx512(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  if (p.stride_w > 2) {
    max_pool2d_fast(p, x, y, plane_begin, plane_end);
    return;
  }
  const auto [ow_lo, ow_hi] = pool_detail::interior_columns(p);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512 lowest = _mm512_set1_ps(-std::numeric_limits<float>::infinity());

  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    for (int64_t oh = 0; oh < p.out_h; ++oh) {
      float* row_out = y_p + oh * p.out_w;
      for (int64_t ow = 0; ow < ow_lo; ++ow) row_out[ow] = border_cell(p, x_p, oh, ow);
      for (int64_t ow = ow_hi; ow < p.out_w; ++ow) row_out[ow] = border_cell(p, x_p, oh, ow);
      for (int64_t ow = ow_lo; ow < ow_hi; ow += 16) {
        const int64_t n = ow_hi - ow < 16 ? ow_hi - ow : 16;
        __m512 best = lowest;
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
          if (ih < 0 || ih >= p.in_h) continue;
          const float* row_in = x_p + ih * p.in_w;
          for (int64_t j = 0; j < p.kernel_w; ++j) {
            const float* src = row_in + ow * p.stride_w - p.pad_left + j * p.dilation_w;
            __m512 v;
            if (p.stride_w == 1) {
              v = _mm512_maskz_loadu_ps(first_lanes(n), src);
            } else {
              // Inputs src[0 .. 2n-2]: the even lanes of two vectors.
              const int64_t need = 2 * n - 1;
              const __m512 lo = _mm512_maskz_loadu_ps(first_lanes(need), src);
              const __m512 hi = _mm512_maskz_loadu_ps(first_lanes(need - 16 > 0 ? need - 16 : 0), src + 16);
              v = _mm512_permutex2var_ps(lo, even, hi);
            }
            best = max_step(best, v);
          }
        }
        _mm512_mask_storeu_ps(row_out + ow, first_lanes(n), best);
      }
    }
  }
}

namespace {

// The lanes max_pool2d_padded_impl.h runs on: 16 floats, __mmask16 masks.
struct Avx512Lanes {
  using F = __m512;
  static constexpr int W = 16;
  static F lowest() { return _mm512_set1_ps(-std::numeric_limits<float>::infinity()); }
  static __mmask16 first_lanes(int64_t n) { return vigil::kernels::first_lanes(n); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static F load(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static void store(float* p, __mmask16 m, F v) { _mm512_mask_storeu_ps(p, m, v); }
  static void deinterleave(F a, F b, F& even, F& odd) {
    const __m512i even_lanes = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd_lanes = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    even = _mm512_permutex2var_ps(a, even_lanes, b);
    odd = _mm512_permutex2var_ps(a, odd_lanes, b);
  }
  static F max_step(F best, F v) { return vigil::kernels::max_step(best, v); }
  // v > best ? v : best (vmaxps returns its second operand on a tie or a NaN).
  // (maskz with every lane set: the plain _mm512_max_ps trips a false "maybe uninitialized" in GCC 12.)
  static F max_no_nan(F best, F v) { return _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), v, best); }
  using Nans = __mmask16;
  static Nans no_nans() { return 0; }
  static Nans note_nans(Nans n, F v) { return _kor_mask16(n, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q)); }
  static bool any_nan(Nans n) { return n != 0; }
};

}  // namespace

void max_pool2d_padded_avx512(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end,
                              float* scratch) {
  pool_detail::max_pool2d_padded<Avx512Lanes>(p, x, y, plane_begin, plane_end, scratch);
}

}  // namespace vigil::kernels
