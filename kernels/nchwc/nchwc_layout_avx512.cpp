// The NCHWc reorders for AVX-512, block 16: per channel block, a [16 channels][pixels] <-> [pixels][16]
// transpose in 16x16 tiles held in registers (loads of 16 pixels of each channel plane, stores of one
// vector per pixel, or the reverse), so both sides are read and written in whole vectors. A copy: the bits
// are those of the plain loops (nchwc_layout.cpp).
// GCC 12 false positive inside its own intrinsics headers (see gemm_packed_avx512.cpp).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <algorithm>

#include "kernels/nchwc/nchwc_layout.h"

namespace vigil::kernels {
namespace {

constexpr int64_t kBlock = 16;

// r[i][j] -> r[j][i] for a 16x16 tile: unpacks within 128-bit lanes (pairs of rows), 4x4 blocks with
// shuffle_ps, then the 128-bit lanes moved into place with two rounds of shuffle_f32x4.
inline void transpose16(__m512 (&r)[16]) {
  __m512 lo[8], hi[8];
#pragma GCC unroll 8
  for (int m = 0; m < 8; ++m) {
    lo[m] = _mm512_unpacklo_ps(r[2 * m], r[2 * m + 1]);
    hi[m] = _mm512_unpackhi_ps(r[2 * m], r[2 * m + 1]);
  }
  // s[q][c], 128-bit lane L: rows 4q .. 4q+3 of column 4L + c.
  __m512 s[4][4];
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) {
    s[q][0] = _mm512_shuffle_ps(lo[2 * q], lo[2 * q + 1], 0x44);
    s[q][1] = _mm512_shuffle_ps(lo[2 * q], lo[2 * q + 1], 0xEE);
    s[q][2] = _mm512_shuffle_ps(hi[2 * q], hi[2 * q + 1], 0x44);
    s[q][3] = _mm512_shuffle_ps(hi[2 * q], hi[2 * q + 1], 0xEE);
  }
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    const __m512 a_lo = _mm512_shuffle_f32x4(s[0][c], s[1][c], 0x44),
                 a_hi = _mm512_shuffle_f32x4(s[0][c], s[1][c], 0xEE);
    const __m512 b_lo = _mm512_shuffle_f32x4(s[2][c], s[3][c], 0x44),
                 b_hi = _mm512_shuffle_f32x4(s[2][c], s[3][c], 0xEE);
    r[c] = _mm512_shuffle_f32x4(a_lo, b_lo, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(a_lo, b_lo, 0xDD);
    r[8 + c] = _mm512_shuffle_f32x4(a_hi, b_hi, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(a_hi, b_hi, 0xDD);
  }
}

}  // namespace

void nchwc_from_nchw_avx512(const NchwcShape& s, const float* x, float* y, int64_t block_begin, int64_t block_end) {
  const int64_t blocks = nchwc_blocks(s.channels, kBlock);
  for (int64_t n = 0; n < s.images; ++n)
    for (int64_t cb = block_begin; cb < block_end; ++cb) {
      const int64_t lanes = std::min(kBlock, s.channels - cb * kBlock);
      const float* xc = x + (n * s.channels + cb * kBlock) * s.pixels;  // channel plane of lane 0
      float* yb = y + (n * blocks + cb) * s.pixels * kBlock;
      for (int64_t p0 = 0; p0 < s.pixels; p0 += kBlock) {
        const int64_t count = std::min(kBlock, s.pixels - p0);
        const __mmask16 mask = static_cast<__mmask16>((1u << count) - 1u);
        __m512 r[16];
#pragma GCC unroll 16
        for (int lane = 0; lane < 16; ++lane)  // channels past the last are the zero padding lanes
          r[lane] = lane < lanes ? _mm512_maskz_loadu_ps(mask, xc + lane * s.pixels + p0) : _mm512_setzero_ps();
        transpose16(r);
#pragma GCC unroll 16
        for (int q = 0; q < 16; ++q)
          if (q < count) _mm512_storeu_ps(yb + (p0 + q) * kBlock, r[q]);
      }
    }
}

void nchw_from_nchwc_avx512(const NchwcShape& s, const float* x, float* y, int64_t block_begin, int64_t block_end) {
  const int64_t blocks = nchwc_blocks(s.channels, kBlock);
  for (int64_t n = 0; n < s.images; ++n)
    for (int64_t cb = block_begin; cb < block_end; ++cb) {
      const int64_t lanes = std::min(kBlock, s.channels - cb * kBlock);
      const float* xb = x + (n * blocks + cb) * s.pixels * kBlock;
      float* yc = y + (n * s.channels + cb * kBlock) * s.pixels;
      for (int64_t p0 = 0; p0 < s.pixels; p0 += kBlock) {
        const int64_t count = std::min(kBlock, s.pixels - p0);
        const __mmask16 mask = static_cast<__mmask16>((1u << count) - 1u);
        __m512 r[16];
#pragma GCC unroll 16
        for (int q = 0; q < 16; ++q) r[q] = q < count ? _mm512_loadu_ps(xb + (p0 + q) * kBlock) : _mm512_setzero_ps();
        transpose16(r);
#pragma GCC unroll 16
        for (int lane = 0; lane < 16; ++lane)  // padding lanes are dropped
          if (lane < lanes) {
            if (count == kBlock)
              _mm512_storeu_ps(yc + lane * s.pixels + p0, r[lane]);
            else
              _mm512_mask_storeu_ps(yc + lane * s.pixels + p0, mask, r[lane]);
          }
      }
    }
}

void global_average_pool_nchwc_avx512(const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                                      int64_t block_end) {
  // Each lane sums its pixels in double in pixel order and divides once, as the plain loop does: the same
  // IEEE operations per lane, so the same bits.
  const int64_t blocks = nchwc_blocks(s.channels, kBlock);
  const __m512d count = _mm512_set1_pd(static_cast<double>(s.pixels));
  for (int64_t n = 0; n < s.images; ++n)
    for (int64_t cb = block_begin; cb < block_end; ++cb) {
      const float* xb = x + (n * blocks + cb) * s.pixels * kBlock;
      __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
      for (int64_t p = 0; p < s.pixels; ++p) {
        const __m512 v = _mm512_loadu_ps(xb + p * kBlock);
        lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
        hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
      }
      const __m256 mean_lo = _mm512_cvtpd_ps(_mm512_div_pd(lo, count));
      const __m256 mean_hi = _mm512_cvtpd_ps(_mm512_div_pd(hi, count));
      _mm512_storeu_ps(y + (n * blocks + cb) * kBlock, _mm512_insertf32x8(_mm512_castps256_ps512(mean_lo), mean_hi, 1));
    }
}

}  // namespace vigil::kernels
