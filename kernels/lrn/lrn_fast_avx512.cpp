// lrn_fast on zmm (16 positions per step, as two 8-double vectors). GCC 12 false positive on
// _mm512_undefined_ps once inlined (bug 105593, fixed in 13):
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/lrn/lrn_fast_impl.h"

namespace vigil::kernels {

void lrn_fast_avx512(const LrnParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  LrnVector<gemm_packed_detail::Avx512Isa>::planes(p, x, y, plane_begin, plane_end);
}

}  // namespace vigil::kernels
