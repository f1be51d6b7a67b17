// transpose_fast's 8x8 float tile with AVX2 (compiled with the avx2 flags): eight row loads, the register
// transpose of transpose8x8_avx2.h, eight row stores.
#include <immintrin.h>

#include "kernels/transpose/transpose.h"
#include "kernels/transpose/transpose8x8_avx2.h"

namespace vigil::kernels {

void transpose_tile8x8_avx2(const float* in, int64_t in_stride, float* out, int64_t out_stride) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(in + i * in_stride);
  transpose8x8_avx2(r);
  for (int i = 0; i < 8; ++i) _mm256_storeu_ps(out + i * out_stride, r[i]);
}

}  // namespace vigil::kernels
