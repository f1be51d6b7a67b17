// batch_norm_fast on ymm (8 positions per step, as two 4-double vectors)
#include "kernels/batch_norm/batch_norm_fast_impl.h"
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"

namespace vigil::kernels {

void batch_norm_fast_avx2(const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                          const float* mean, const float* var, float* y, int64_t plane_begin, int64_t plane_end) {
  BatchNormVector<gemm_packed_detail::Avx2Isa>::planes(KernelIsa::Avx2, p, x, scale, bias, mean, var, y, plane_begin,
                                                       plane_end);
}

}  // namespace vigil::kernels
