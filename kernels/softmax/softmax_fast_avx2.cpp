// softmax_fast on ymm.
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/softmax/softmax_fast.h"
#include "kernels/softmax/softmax_fast_impl.h"

namespace vigil::kernels {

void softmax_fast_avx2(bool log, int64_t axis_len, int64_t inner, const float* x, float* y, int64_t outer_begin,
                       int64_t outer_end) {
  SoftmaxVector<gemm_packed_detail::Avx2Isa>::run(log, axis_len, inner, x, y, outer_begin, outer_end);
}

void softmax_fast_columns_avx2(bool log, int64_t axis_len, int64_t inner, const float* x, float* y, int64_t inner_begin,
                               int64_t inner_end) {
  SoftmaxVector<gemm_packed_detail::Avx2Isa>::column_range(log, axis_len, inner, x, y, inner_begin, inner_end);
}

}  // namespace vigil::kernels
