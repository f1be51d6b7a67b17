// reduce_rows_fast on zmm (8 double lanes per half). GCC 12 false positive on _mm512_undefined_ps (bug 105593):
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "kernels/gemm_packed/gemm_packed_avx512_isa.h"
#include "kernels/reduce/reduce_rows_fast.h"
#include "kernels/reduce/reduce_rows_fast_impl.h"

namespace vigil::kernels {

void reduce_rows_fast_avx512(ReduceOp op, const float* x, int64_t n, float* y, int64_t row_begin, int64_t row_end) {
  ReduceRowsVector<gemm_packed_detail::Avx512Isa>::run(op, x, n, y, row_begin, row_end);
}

void reduce_columns_fast_avx512(ReduceOp op, const float* x, int64_t reduced, int64_t inner, float* y,
                                int64_t col_begin, int64_t col_end) {
  ReduceRowsVector<gemm_packed_detail::Avx512Isa>::run_columns(op, x, reduced, inner, y, col_begin, col_end);
}

}  // namespace vigil::kernels
