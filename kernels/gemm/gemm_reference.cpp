#include "kernels/gemm/gemm.h"

namespace vigil::kernels {

void gemm_reference(const GemmParams& p, const float* a, const float* b, const float* c, float* y) {
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      double sum = 0.0;
      for (int64_t q = 0; q < p.k; ++q) {
        const float av = p.trans_a ? a[q * p.m + i] : a[i * p.k + q];
        const float bv = p.trans_b ? b[j * p.k + q] : b[q * p.n + j];
        sum += static_cast<double>(av) * bv;
      }
      double result = static_cast<double>(p.alpha) * sum;
      if (c) result += static_cast<double>(p.beta) * c[i * p.c_row_stride + j * p.c_col_stride];
      y[i * p.n + j] = static_cast<float>(result);
    }
}

}  // namespace vigil::kernels
