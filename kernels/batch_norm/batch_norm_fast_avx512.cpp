// batch_norm_fast on zmm (16 positions per step, as two 8-double vectors). GCC 12 false positive on
// _mm512_undefined_ps once inlined (bug 105593, fixed in 13):
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/batch_norm/batch_norm_fast_impl.h"
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"

namespace vigil::kernels {

void batch_norm_fast_avx512(const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                            const float* mean, const float* var, float* y, int64_t plane_begin, int64_t plane_end) {
  BatchNormVector<gemm_packed_detail::Avx512Isa>::planes(KernelIsa::Avx512, p, x, scale, bias, mean, var, y,
                                                         plane_begin, plane_end);
}

}  // namespace vigil::kernels
