// max_pool2d_padded on AVX2 (8 output columns per vector): the AVX-512 version's -inf-bordered plane and
// update rule (kernels/pooling/max_pool2d_fast_avx512.cpp), for the CPUs without AVX-512 that most x86 edge
// boxes have. Bit-identical to max_pool2d_reference.
#include <immintrin.h>

#include <limits>

#include "kernels/pooling/pool_window.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

namespace {

// pool_detail::max_step on 8 lanes: v replaces the running maximum when it is larger or NaN.
inline __m256 max_step(__m256 best, __m256 v) {
  const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  return _mm256_blendv_ps(best, v, take);
}

// Lanes [0, n) set, n in [0, 8], as a maskstore mask.
inline __m256i first_lanes(int64_t n) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n < 8 ? n : 8)), lane);
}

// 8 consecutive outputs' taps: stride 1 one load; stride 2 the even elements of 16 loaded.
template <int kStride>
inline __m256 taps(const float* src) {
  if constexpr (kStride == 1) return _mm256_loadu_ps(src);
  const __m256 t = _mm256_shuffle_ps(_mm256_loadu_ps(src), _mm256_loadu_ps(src + 8), _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}

// As padded_plane_rows in the AVX-512 file: kRows output rows at a time, each its own chain of max steps.
template <int kStride>
void padded_plane_rows(const Pool2dParams& p, const pool_detail::PaddedPlane& g, const float* plane, float* y_p) {
  constexpr int kRows = 4;
  const __m256 lowest = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  for (int64_t ow = 0; ow < p.out_w; ow += 8) {
    const __m256i lanes = first_lanes(p.out_w - ow);
    int64_t oh = 0;
    for (; oh + kRows <= p.out_h; oh += kRows) {
      __m256 best[kRows];
      for (int r = 0; r < kRows; ++r) best[r] = lowest;
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const float* row_in = plane + (oh * p.stride_h + i * p.dilation_h) * g.stride + ow * kStride;
        for (int64_t j = 0; j < p.kernel_w; ++j)
          for (int r = 0; r < kRows; ++r)
            best[r] = max_step(best[r], taps<kStride>(row_in + r * p.stride_h * g.stride + j * p.dilation_w));
      }
      for (int r = 0; r < kRows; ++r) _mm256_maskstore_ps(y_p + (oh + r) * p.out_w + ow, lanes, best[r]);
    }
    for (; oh < p.out_h; ++oh) {
      __m256 best = lowest;
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const float* row_in = plane + (oh * p.stride_h + i * p.dilation_h) * g.stride + ow * kStride;
        for (int64_t j = 0; j < p.kernel_w; ++j) best = max_step(best, taps<kStride>(row_in + j * p.dilation_w));
      }
      _mm256_maskstore_ps(y_p + oh * p.out_w + ow, lanes, best);
    }
  }
}

}  // namespace

void max_pool2d_padded_avx2(const Pool2dParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end,
                            float* scratch) {
  const pool_detail::PaddedPlane g = pool_detail::padded_plane(p);
  const __m256 lowest = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  for (int64_t i = 0; i < g.rows * g.stride; i += 8) _mm256_storeu_ps(scratch + i, lowest);
  float* image = scratch + p.pad_top * g.stride + p.pad_left;
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const float* x_p = x + plane * p.in_h * p.in_w;
    float* y_p = y + plane * p.out_h * p.out_w;
    for (int64_t r = 0; r < g.copy_rows; ++r) {
      const float* src = x_p + r * p.in_w;
      float* dst = image + r * g.stride;
      int64_t c = 0;
      for (; c + 8 <= g.copy_cols; c += 8) _mm256_storeu_ps(dst + c, _mm256_loadu_ps(src + c));
      if (c < g.copy_cols) {
        const __m256i lanes = first_lanes(g.copy_cols - c);
        _mm256_maskstore_ps(dst + c, lanes, _mm256_maskload_ps(src + c, lanes));
      }
    }
    if (p.stride_w == 1)
      padded_plane_rows<1>(p, g, scratch, y_p);
    else
      padded_plane_rows<2>(p, g, scratch, y_p);
  }
}

}  // namespace vigil::kernels
