// Baseline x86-64 (SSE2 multiply + add, no FMA) peak loop (see peak.h). Compiled with no ISA flags.
#include <immintrin.h>

#include "apps/kbench/peak.h"

namespace vigil::kbench {

float peak_loop_baseline(int64_t iters) {
  // Named variables, not an array: an array bound to asm operands would be spilled every iteration.
  __m128 a0 = _mm_set1_ps(1.00f), a1 = _mm_set1_ps(1.01f), a2 = _mm_set1_ps(1.02f), a3 = _mm_set1_ps(1.03f);
  __m128 a4 = _mm_set1_ps(1.04f), a5 = _mm_set1_ps(1.05f), a6 = _mm_set1_ps(1.06f), a7 = _mm_set1_ps(1.07f);
  __m128 a8 = _mm_set1_ps(1.08f), a9 = _mm_set1_ps(1.09f), a10 = _mm_set1_ps(1.10f), a11 = _mm_set1_ps(1.11f);
  const __m128 m = _mm_set1_ps(0.999999f), c = _mm_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
    a0 = _mm_add_ps(_mm_mul_ps(a0, m), c);
    a1 = _mm_add_ps(_mm_mul_ps(a1, m), c);
    a2 = _mm_add_ps(_mm_mul_ps(a2, m), c);
    a3 = _mm_add_ps(_mm_mul_ps(a3, m), c);
    a4 = _mm_add_ps(_mm_mul_ps(a4, m), c);
    a5 = _mm_add_ps(_mm_mul_ps(a5, m), c);
    a6 = _mm_add_ps(_mm_mul_ps(a6, m), c);
    a7 = _mm_add_ps(_mm_mul_ps(a7, m), c);
    a8 = _mm_add_ps(_mm_mul_ps(a8, m), c);
    a9 = _mm_add_ps(_mm_mul_ps(a9, m), c);
    a10 = _mm_add_ps(_mm_mul_ps(a10, m), c);
    a11 = _mm_add_ps(_mm_mul_ps(a11, m), c);
    __asm__ volatile(""
                     : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7), "+x"(a8),
                       "+x"(a9), "+x"(a10), "+x"(a11));
  }
  __m128 s = _mm_add_ps(_mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3)),
                        _mm_add_ps(_mm_add_ps(a4, a5), _mm_add_ps(a6, a7)));
  s = _mm_add_ps(s, _mm_add_ps(_mm_add_ps(a8, a9), _mm_add_ps(a10, a11)));
  float lanes[16];
  _mm_storeu_ps(lanes, s);
  return lanes[0];
}

}  // namespace vigil::kbench
