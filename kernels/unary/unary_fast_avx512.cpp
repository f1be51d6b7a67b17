// unary_fast on zmm: 16 floats in, two 8-double halves through the formulas. Compiled with -mavx512f/bw/dq/vl.
// GCC 12 warns about the deliberately undefined register in _mm512_undefined_ps() once xsimd's double math
// inlines it (GCC bug 105593, fixed in 13): a false positive inside the compiler's own intrinsics headers.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/unary/unary_fast.h"
#include "kernels/unary/unary_fast_impl.h"

namespace vigil::kernels {

void unary_fast_avx512(const UnaryParams& p, const float* x, float* y, int64_t n) {
  UnaryVector<gemm_packed_detail::Avx512Isa>::run(p, x, y, n);
}

}  // namespace vigil::kernels
