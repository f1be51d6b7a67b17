// layer_norm_fast on zmm (8 double lanes per half). GCC 12 false positive on _mm512_undefined_ps (bug 105593):
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/layer_norm/layer_norm_fast.h"
#include "kernels/layer_norm/layer_norm_fast_impl.h"

namespace vigil::kernels {

void layer_norm_fast_avx512(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                            float* mean, float* inv_std, int64_t row_begin, int64_t row_end) {
  LayerNormVector<gemm_packed_detail::Avx512Isa>::rows(p, x, scale, bias, y, mean, inv_std, row_begin, row_end);
}

}  // namespace vigil::kernels
