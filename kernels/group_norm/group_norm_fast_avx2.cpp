// group_norm_fast on ymm.
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/group_norm/group_norm_fast.h"
#include "kernels/group_norm/group_norm_fast_impl.h"

namespace vigil::kernels {

void group_norm_fast_avx2(const GroupNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                          int64_t unit_begin, int64_t unit_end) {
  GroupNormVector<gemm_packed_detail::Avx2Isa>::units(p, x, scale, bias, y, unit_begin, unit_end);
}

}  // namespace vigil::kernels
