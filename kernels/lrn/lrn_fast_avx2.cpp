// lrn_fast on ymm (8 positions per step, as two 4-double vectors).
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/lrn/lrn_fast_impl.h"

namespace vigil::kernels {

void lrn_fast_avx2(const LrnParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  LrnVector<gemm_packed_detail::Avx2Isa>::planes(p, x, y, plane_begin, plane_end);
}

}  // namespace vigil::kernels
