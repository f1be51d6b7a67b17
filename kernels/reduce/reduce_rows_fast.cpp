// reduce_rows_fast: dispatch, and the Scalar path (the reference's arithmetic: a left-to-right double sum).
#include "kernels/reduce/reduce_rows_fast.h"

#include <cmath>

namespace vigil::kernels {

bool reduce_rows_fast_supports(ReduceOp op) {
  return op == ReduceOp::Mean || op == ReduceOp::Sum || op == ReduceOp::SumSquare || op == ReduceOp::L1 ||
         op == ReduceOp::L2;
}

void reduce_rows_fast(KernelIsa isa, ReduceOp op, const float* x, int64_t n, float* y, int64_t row_begin,
                      int64_t row_end) {
  switch (isa) {
    case KernelIsa::Avx2:
      return reduce_rows_fast_avx2(op, x, n, y, row_begin, row_end);
    case KernelIsa::Avx512:
      return reduce_rows_fast_avx512(op, x, n, y, row_begin, row_end);
    case KernelIsa::Scalar:
      break;
  }
  for (int64_t r = row_begin; r < row_end; ++r) {
    const float* row = x + r * n;
    double acc = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double v = row[i];
      acc += op == ReduceOp::L1 ? std::fabs(v) : op == ReduceOp::SumSquare || op == ReduceOp::L2 ? v * v : v;
    }
    const double result = op == ReduceOp::Mean ? acc / static_cast<double>(n)
                          : op == ReduceOp::L2 ? std::sqrt(acc)
                                               : acc;
    y[r] = static_cast<float>(result);
  }
}

void reduce_columns_fast(KernelIsa isa, ReduceOp op, const float* x, int64_t reduced, int64_t inner, float* y,
                         int64_t col_begin, int64_t col_end) {
  switch (isa) {
    case KernelIsa::Avx2:
      return reduce_columns_fast_avx2(op, x, reduced, inner, y, col_begin, col_end);
    case KernelIsa::Avx512:
      return reduce_columns_fast_avx512(op, x, reduced, inner, y, col_begin, col_end);
    case KernelIsa::Scalar:
      break;
  }
  for (int64_t j = col_begin; j < col_end; ++j) {
    double acc = 0.0;
    for (int64_t r = 0; r < reduced; ++r) {
      const double v = x[r * inner + j];
      acc += op == ReduceOp::L1 ? std::fabs(v) : op == ReduceOp::SumSquare || op == ReduceOp::L2 ? v * v : v;
    }
    const double result = op == ReduceOp::Mean ? acc / static_cast<double>(reduced)
                          : op == ReduceOp::L2 ? std::sqrt(acc)
                                               : acc;
    y[j] = static_cast<float>(result);
  }
}

}  // namespace vigil::kernels
