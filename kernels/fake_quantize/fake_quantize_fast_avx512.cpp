// fake_quantize_run on zmm (16 floats), the tail under a mask. Compiled with the AVX-512 flags. GCC 12 false
// positive on the undefined register inside _mm512_roundscale_ps / max / min (bug 105593):
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/fake_quantize/fake_quantize_fast.h"

namespace vigil::kernels {

void fake_quantize_run_avx512(const float* x, float* y, int64_t n, float s, float lo, float hi) {
  const __m512 vs = _mm512_set1_ps(s), vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t left = n - i;
    const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    __m512 r = _mm512_roundscale_ps(_mm512_div_ps(v, vs), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm512_max_ps(r, vlo);  // the second operand when r is NaN
    r = _mm512_min_ps(r, vhi);
    r = _mm512_add_ps(r, _mm512_setzero_ps());  // -0 -> +0, as the reference's integer 0
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(r, vs));
  }
}

}  // namespace vigil::kernels
