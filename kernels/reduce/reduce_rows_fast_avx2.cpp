// reduce_rows_fast on ymm (4 double lanes per half).
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"
#include "kernels/reduce/reduce_rows_fast.h"
#include "kernels/reduce/reduce_rows_fast_impl.h"

namespace vigil::kernels {

void reduce_rows_fast_avx2(ReduceOp op, const float* x, int64_t n, float* y, int64_t row_begin, int64_t row_end) {
  ReduceRowsVector<gemm_packed_detail::Avx2Isa>::run(op, x, n, y, row_begin, row_end);
}

void reduce_columns_fast_avx2(ReduceOp op, const float* x, int64_t reduced, int64_t inner, float* y, int64_t col_begin,
                              int64_t col_end) {
  ReduceRowsVector<gemm_packed_detail::Avx2Isa>::run_columns(op, x, reduced, inner, y, col_begin, col_end);
}

}  // namespace vigil::kernels
