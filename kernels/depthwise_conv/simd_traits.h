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

#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
// GCC 12 warns about the deliberately undefined register in _mm512_undefined_ps() once it is inlined (GCC
// bug 105593, fixed in 13): a false positive inside the compiler's own intrinsics headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#if defined(__AVX2__)
#include <immintrin.h>

#include <xsimd/xsimd.hpp>
#endif

namespace vigil::kernels::simd_detail {
namespace {

// d_ph[q] = src[4q + ph] for q < w: the plain loop every path can fall back to.
inline void deinterleave4_loop(int w, const float* src, float* d0, float* d1, float* d2, float* d3) {
  for (int q = 0; q < w; ++q)
    d0[q] = src[4 * q], d1[q] = src[4 * q + 1], d2[q] = src[4 * q + 2], d3[q] = src[4 * q + 3];
}

// d_ph[q] = src[2q + ph] for q < w.
inline void deinterleave2_loop(int w, const float* src, float* d0, float* d1) {
  for (int q = 0; q < w; ++q) d0[q] = src[2 * q], d1[q] = src[2 * q + 1];
}

struct ScalarIsa {
  static constexpr KernelIsa kKernelIsa = KernelIsa::Scalar;
  using F = float;
  static constexpr bool kMaskedRowSplit = false;
  static void deinterleave4(const float* src, float* d0, float* d1, float* d2, float* d3) {
    deinterleave4_loop(1, src, d0, d1, d2, d3);
  }
  // dst[4q + s] = s_s[q]
  static void interleave4(F s0, F s1, F s2, F s3, float* dst) { dst[0] = s0, dst[1] = s1, dst[2] = s2, dst[3] = s3; }
  static void deinterleave2(const float* src, float* d0, float* d1) { deinterleave2_loop(1, src, d0, d1); }
  static void interleave2(F s0, F s1, float* dst) { dst[0] = s0, dst[1] = s1; }
  static constexpr int W = 1;
  static F load(const float* p) { return *p; }
  static void store(float* p, F v) { *p = v; }
  static F set1(float v) { return v; }
  static F fma(F a, F b, F c) { return a * b + c; }
  // As activate_reference: relu keeps NaN and turns -0 into 0, leaky_relu is x >= 0 ? x : alpha * x.
  static F relu(F x) { return x <= 0.0f ? 0.0f : x; }
  static F leaky_relu(F x, F alpha) { return x >= 0.0f ? x : alpha * x; }
  static void activate(const ActivationParams& a, const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = activate_reference(a, x[i]);
  }
};

#if defined(__AVX512F__)
struct Avx512Isa {
  static constexpr KernelIsa kKernelIsa = KernelIsa::Avx512;
  using F = xsimd::batch<float, xsimd::avx512bw>;
  static constexpr int W = 16;
  static F load(const float* p) { return F::load_unaligned(p); }
  static void store(float* p, F v) { v.store_unaligned(p); }
  static F set1(float v) { return F(v); }
  static F fma(F a, F b, F c) { return xsimd::fma(a, b, c); }
  static F relu(F x) { return xsimd::select(x <= F(0.0f), F(0.0f), x); }
  static F leaky_relu(F x, F alpha) { return xsimd::select(x >= F(0.0f), x, alpha * x); }
  // Stride-4 split / merge of 64 floats with two-source permutes (xsimd has no 4-way unzip).
  static void deinterleave4(const float* src, float* d0, float* d1, float* d2, float* d3) {
    split4(_mm512_loadu_ps(src), _mm512_loadu_ps(src + 16), _mm512_loadu_ps(src + 32), _mm512_loadu_ps(src + 48), d0,
           d1, d2, d3);
  }
  // Straight from a row: load_mask(o, len) selects the lanes of row[o .. o + 16) inside [0, len), and
  // masked_load reads only those (0 elsewhere), so the row needs no padded copy.
  static constexpr bool kMaskedRowSplit = true;
  using Mask = __mmask16;
  static Mask load_mask(int64_t o, int64_t len) {
    const int64_t lo = o < 0 ? (-o < 16 ? -o : 16) : 0;
    const int64_t hi = len - o < 0 ? 0 : (len - o > 16 ? 16 : len - o);
    if (hi <= lo) return 0;
    return static_cast<Mask>(((1u << hi) - 1u) & ~((1u << lo) - 1u));
  }
  static __m512 masked_load(const float* row, int64_t o, Mask m) {
    return m ? _mm512_maskz_loadu_ps(m, row + o) : _mm512_setzero_ps();
  }
  static void split4(__m512 v0, __m512 v1, __m512 v2, __m512 v3, float* d0, float* d1, float* d2, float* d3) {
    const __m512i even = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const __m512i odd = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    const __m512 a = _mm512_permutex2var_ps(v0, even, v1), b = _mm512_permutex2var_ps(v0, odd, v1);  // [p0|p1] [p2|p3]
    const __m512 c = _mm512_permutex2var_ps(v2, even, v3), d = _mm512_permutex2var_ps(v2, odd, v3);
    _mm512_storeu_ps(d0, _mm512_shuffle_f32x4(a, c, 0x44));
    _mm512_storeu_ps(d1, _mm512_shuffle_f32x4(a, c, 0xEE));
    _mm512_storeu_ps(d2, _mm512_shuffle_f32x4(b, d, 0x44));
    _mm512_storeu_ps(d3, _mm512_shuffle_f32x4(b, d, 0xEE));
  }
  static void interleave4(F s0, F s1, F s2, F s3, float* dst) {
    const __m512 a = _mm512_shuffle_f32x4(s0, s1, 0x44), b = _mm512_shuffle_f32x4(s2, s3, 0x44);  // q 0..7
    const __m512 c = _mm512_shuffle_f32x4(s0, s1, 0xEE), d = _mm512_shuffle_f32x4(s2, s3, 0xEE);  // q 8..15
    const __m512i lo = _mm512_setr_epi32(0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
    const __m512i hi = _mm512_setr_epi32(4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31);
    _mm512_storeu_ps(dst, _mm512_permutex2var_ps(a, lo, b));
    _mm512_storeu_ps(dst + 16, _mm512_permutex2var_ps(a, hi, b));
    _mm512_storeu_ps(dst + 32, _mm512_permutex2var_ps(c, lo, d));
    _mm512_storeu_ps(dst + 48, _mm512_permutex2var_ps(c, hi, d));
  }
  // Lanes [i*g, (i+1)*g) from p + i*stride, for g = 4 or 8 (16 / g pieces).
  static F load_rows(const float* p, int64_t g, int64_t stride) {
    if (g == 8) return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(p)), _mm256_loadu_ps(p + stride), 1);
    __m512 v = _mm512_castps128_ps512(_mm_loadu_ps(p));
    v = _mm512_insertf32x4(v, _mm_loadu_ps(p + stride), 1);
    v = _mm512_insertf32x4(v, _mm_loadu_ps(p + 2 * stride), 2);
    return _mm512_insertf32x4(v, _mm_loadu_ps(p + 3 * stride), 3);
  }
  // Stride-2 split / merge of 32 floats.
  static void deinterleave2(const float* src, float* d0, float* d1) {
    split2(_mm512_loadu_ps(src), _mm512_loadu_ps(src + 16), d0, d1);
  }
  static void split2(__m512 v0, __m512 v1, float* d0, float* d1) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    _mm512_storeu_ps(d0, _mm512_permutex2var_ps(v0, even, v1));
    _mm512_storeu_ps(d1, _mm512_permutex2var_ps(v0, odd, v1));
  }
  static void interleave2(F s0, F s1, float* dst) {
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    _mm512_storeu_ps(dst, _mm512_permutex2var_ps(s0, lo, s1));
    _mm512_storeu_ps(dst + 16, _mm512_permutex2var_ps(s0, hi, s1));
  }
  // The gemm_packed epilogue activation (h9): bit-exact for the piecewise-linear kinds, ulp-bounded for
  // the transcendental ones (docs/KERNELS.md).
  static void activate(const ActivationParams& a, const float* x, float* y, int64_t n) {
    gemm_packed_activation_avx512(a, x, y, n);
  }
};
#elif defined(__AVX2__) && defined(__FMA__)
struct Avx2Isa {
  static constexpr KernelIsa kKernelIsa = KernelIsa::Avx2;
  using F = xsimd::batch<float, xsimd::fma3<xsimd::avx2> >;
  static constexpr int W = 8;
  static F load(const float* p) { return F::load_unaligned(p); }
  static void store(float* p, F v) { v.store_unaligned(p); }
  static F set1(float v) { return F(v); }
  static constexpr bool kMaskedRowSplit = false;
  static F fma(F a, F b, F c) { return xsimd::fma(a, b, c); }
  static F relu(F x) { return xsimd::select(x <= F(0.0f), F(0.0f), x); }
  static F leaky_relu(F x, F alpha) { return xsimd::select(x >= F(0.0f), x, alpha * x); }
  static void deinterleave4(const float* src, float* d0, float* d1, float* d2, float* d3) {
    deinterleave4_loop(W, src, d0, d1, d2, d3);
  }
  static void interleave4(F s0, F s1, F s2, F s3, float* dst) {
    alignas(32) float t[4][8];
    s0.store_aligned(t[0]), s1.store_aligned(t[1]), s2.store_aligned(t[2]), s3.store_aligned(t[3]);
    for (int q = 0; q < W; ++q)
      dst[4 * q] = t[0][q], dst[4 * q + 1] = t[1][q], dst[4 * q + 2] = t[2][q], dst[4 * q + 3] = t[3][q];
  }
  // Lanes [0, 4) from p and [4, 8) from p + stride (g is 4: the only row packing of 8-lane vectors).
  static F load_rows(const float* p, int64_t, int64_t stride) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)), _mm_loadu_ps(p + stride), 1);
  }
  static void deinterleave2(const float* src, float* d0, float* d1) { deinterleave2_loop(W, src, d0, d1); }
  static void interleave2(F s0, F s1, float* dst) {
    // unpacklo/hi interleave within 128-bit lanes; the lane permutes put the halves in order.
    const __m256 lo = _mm256_unpacklo_ps(s0, s1), hi = _mm256_unpackhi_ps(s0, s1);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(dst + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
  }
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
