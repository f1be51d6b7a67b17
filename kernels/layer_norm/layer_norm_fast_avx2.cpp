// layer_norm_fast on ymm (4 double lanes per half).
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/layer_norm/layer_norm_fast.h"
#include "kernels/layer_norm/layer_norm_fast_impl.h"

namespace vigil::kernels {

void layer_norm_fast_avx2(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                          float* mean, float* inv_std, int64_t row_begin, int64_t row_end) {
  LayerNormVector<gemm_packed_detail::Avx2Isa>::rows(p, x, scale, bias, y, mean, inv_std, row_begin, row_end);
}

}  // namespace vigil::kernels
