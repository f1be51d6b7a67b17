// gemm_packed for AVX2 + FMA: 6x16 microkernel on ymm registers (12 accumulators, 2 B vectors, 1
// broadcast). Compiled with -mavx2 -mfma -mf16c.
#include <immintrin.h>

#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/gemm_packed/gemm_packed_simd.h"
#include "kernels/transpose/transpose8x8_avx2.h"

namespace vigil::kernels {
namespace gemm_packed_detail {
namespace {

using Kernel =
    Microkernel<Avx2Isa, kAvx2Config.mr, kAvx2Config.nr / Avx2Isa::W, kAvx2Config.kc, kAvx2Config.nc, kAvx2Config.mc>;

}  // namespace
}  // namespace gemm_packed_detail

void gemm_packed_avx2(const GemmPackedParams& p, void* workspace, const GemmThreading& threading) {
  gemm_packed_detail::Driver<gemm_packed_detail::Kernel>::run(p, workspace, threading);
}

int64_t gemm_pack_a6_avx2(const float* a, int64_t lda, int64_t k, float* dst) {
  // Rows 6 and 7 of the register transpose are zero; column j's 6 values go to dst + (q + j) * 6 with
  // overlapping 8-float stores, each overwriting the previous one's two zeros, the last one masked.
  const __m256i first6 = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
  int64_t q = 0;
  for (; q + 8 <= k; q += 8) {
    __m256 r[8];
    for (int i = 0; i < 6; ++i) r[i] = _mm256_loadu_ps(a + i * lda + q);
    r[6] = r[7] = _mm256_setzero_ps();
    transpose8x8_avx2(r);
    float* d = dst + q * 6;
    for (int j = 0; j < 7; ++j) _mm256_storeu_ps(d + j * 6, r[j]);
    _mm256_maskstore_ps(d + 42, first6, r[7]);
  }
  return q;
}

void gemm_packed_activation_avx2(const ActivationParams& p, const float* x, float* y, int64_t n) {
  gemm_packed_detail::VectorActivation<gemm_packed_detail::Avx2Isa>::apply(p, x, y, n);
}

}  // namespace vigil::kernels
