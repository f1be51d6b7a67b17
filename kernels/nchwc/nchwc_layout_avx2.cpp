// The NCHWc reorders for AVX2, block 8: per channel block, a [8 channels][pixels] <-> [pixels][8]
// transpose in 8x8 tiles held in registers, so both sides are read and written in whole vectors (masked at
// the pixel tail). A copy: the bits are those of the plain loops (nchwc_layout.cpp).
#include <immintrin.h>

#include <algorithm>

#include "kernels/nchwc/nchwc_layout.h"

namespace vigil::kernels {
namespace {

constexpr int64_t kBlock = 8;

// r[i][j] -> r[j][i] for an 8x8 tile: unpacks within 128-bit lanes, 4x4 blocks with shuffle_ps, then the
// 128-bit halves swapped into place.
inline void transpose8(__m256 (&r)[8]) {
  __m256 lo[4], hi[4];
#pragma GCC unroll 4
  for (int m = 0; m < 4; ++m) {
    lo[m] = _mm256_unpacklo_ps(r[2 * m], r[2 * m + 1]);
    hi[m] = _mm256_unpackhi_ps(r[2 * m], r[2 * m + 1]);
  }
  // s[q][c], 128-bit half L: rows 4q .. 4q+3 of column 4L + c.
  __m256 s[2][4];
#pragma GCC unroll 2
  for (int q = 0; q < 2; ++q) {
    s[q][0] = _mm256_shuffle_ps(lo[2 * q], lo[2 * q + 1], 0x44);
    s[q][1] = _mm256_shuffle_ps(lo[2 * q], lo[2 * q + 1], 0xEE);
    s[q][2] = _mm256_shuffle_ps(hi[2 * q], hi[2 * q + 1], 0x44);
    s[q][3] = _mm256_shuffle_ps(hi[2 * q], hi[2 * q + 1], 0xEE);
  }
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(s[0][c], s[1][c], 0x20);
    r[4 + c] = _mm256_permute2f128_ps(s[0][c], s[1][c], 0x31);
  }
}

// Lane i all-ones when i < count.
inline __m256i first_lanes(int64_t count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

}  // namespace

void nchwc_from_nchw_avx2(const NchwcShape& s, const float* x, float* y, int64_t block_begin, int64_t block_end) {
  const int64_t blocks = nchwc_blocks(s.channels, kBlock);
  for (int64_t n = 0; n < s.images; ++n)
    for (int64_t cb = block_begin; cb < block_end; ++cb) {
      const int64_t lanes = std::min(kBlock, s.channels - cb * kBlock);
      const float* xc = x + (n * s.channels + cb * kBlock) * s.pixels;  // channel plane of lane 0
      float* yb = y + (n * blocks + cb) * s.pixels * kBlock;
      for (int64_t p0 = 0; p0 < s.pixels; p0 += kBlock) {
        const int64_t count = std::min(kBlock, s.pixels - p0);
        const __m256i mask = first_lanes(count);
        __m256 r[8];
#pragma GCC unroll 8
        for (int lane = 0; lane < 8; ++lane)  // channels past the last are the zero padding lanes
          r[lane] = lane < lanes ? _mm256_maskload_ps(xc + lane * s.pixels + p0, mask) : _mm256_setzero_ps();
        transpose8(r);
#pragma GCC unroll 8
        for (int q = 0; q < 8; ++q)
          if (q < count) _mm256_storeu_ps(yb + (p0 + q) * kBlock, r[q]);
      }
    }
}

void nchw_from_nchwc_avx2(const NchwcShape& s, const float* x, float* y, int64_t block_begin, int64_t block_end) {
  const int64_t blocks = nchwc_blocks(s.channels, kBlock);
  for (int64_t n = 0; n < s.images; ++n)
    for (int64_t cb = block_begin; cb < block_end; ++cb) {
      const int64_t lanes = std::min(kBlock, s.channels - cb * kBlock);
      const float* xb = x + (n * blocks + cb) * s.pixels * kBlock;
      float* yc = y + (n * s.channels + cb * kBlock) * s.pixels;
      for (int64_t p0 = 0; p0 < s.pixels; p0 += kBlock) {
        const int64_t count = std::min(kBlock, s.pixels - p0);
        const __m256i mask = first_lanes(count);
        __m256 r[8];
#pragma GCC unroll 8
        for (int q = 0; q < 8; ++q) r[q] = q < count ? _mm256_loadu_ps(xb + (p0 + q) * kBlock) : _mm256_setzero_ps();
        transpose8(r);
#pragma GCC unroll 8
        for (int lane = 0; lane < 8; ++lane)  // padding lanes are dropped
          if (lane < lanes) {                 // vmaskmovps stores are slow: whole tiles use plain ones
            if (count == kBlock)
              _mm256_storeu_ps(yc + lane * s.pixels + p0, r[lane]);
            else
              _mm256_maskstore_ps(yc + lane * s.pixels + p0, mask, r[lane]);
          }
      }
    }
}

void global_average_pool_nchwc_avx2(const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                                    int64_t block_end) {
  // Each lane sums its pixels in double in pixel order and divides once, as the plain loop does: the same
  // IEEE operations per lane, so the same bits.
  const int64_t blocks = nchwc_blocks(s.channels, kBlock);
  const __m256d count = _mm256_set1_pd(static_cast<double>(s.pixels));
  for (int64_t n = 0; n < s.images; ++n)
    for (int64_t cb = block_begin; cb < block_end; ++cb) {
      const float* xb = x + (n * blocks + cb) * s.pixels * kBlock;
      __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
      for (int64_t p = 0; p < s.pixels; ++p) {
        lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm_loadu_ps(xb + p * kBlock)));
        hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm_loadu_ps(xb + p * kBlock + 4)));
      }
      float* yb = y + (n * blocks + cb) * kBlock;
      _mm_storeu_ps(yb, _mm256_cvtpd_ps(_mm256_div_pd(lo, count)));
      _mm_storeu_ps(yb + 4, _mm256_cvtpd_ps(_mm256_div_pd(hi, count)));
    }
}

}  // namespace vigil::kernels
