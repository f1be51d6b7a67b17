// fake_quantize_run on ymm (8 floats). Compiled with -mavx2 -mfma; only mul/div/round/max/min are used, so
// nothing can be contracted into an FMA.
#include <immintrin.h>

#include "kernels/fake_quantize/fake_quantize_fast.h"

namespace vigil::kernels {

void fake_quantize_run_avx2(const float* x, float* y, int64_t n, float s, float lo, float hi) {
  const __m256 vs = _mm256_set1_ps(s), vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 r =
        _mm256_round_ps(_mm256_div_ps(_mm256_loadu_ps(x + i), vs), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_max_ps(r, vlo);  // the second operand when r is NaN
    r = _mm256_min_ps(r, vhi);
    r = _mm256_add_ps(r, _mm256_setzero_ps());  // -0 -> +0, as the reference's integer 0
    _mm256_storeu_ps(y + i, _mm256_mul_ps(r, vs));
  }
  fake_quantize_run_scalar(x + i, y + i, n - i, s, lo, hi);
}

}  // namespace vigil::kernels
