#include "kernels/matmul/matmul.h"

namespace vigil::kernels {

void matmul_reference(const MatMulParams& p, const float* a, const float* b, float* y) {
  int64_t batch = 1;
  for (int d = 0; d < p.batch_rank; ++d) batch *= p.batch_dims[d];
  for (int64_t flat = 0; flat < batch; ++flat) {
    // Unravel the flat batch index into per-dimension indices to find each operand's matrix.
    int64_t a_offset = 0, b_offset = 0, rest = flat;
    for (int d = p.batch_rank - 1; d >= 0; --d) {
      const int64_t idx = rest % p.batch_dims[d];
      rest /= p.batch_dims[d];
      a_offset += idx * p.a_batch_stride[d];
      b_offset += idx * p.b_batch_stride[d];
    }
    const float* am = a + a_offset;
    const float* bm = b + b_offset;
    float* ym = y + flat * p.m * p.n;
    for (int64_t i = 0; i < p.m; ++i)
      for (int64_t j = 0; j < p.n; ++j) {
        double sum = 0.0;
        for (int64_t q = 0; q < p.k; ++q) sum += static_cast<double>(am[i * p.k + q]) * bm[q * p.n + j];
        ym[i * p.n + j] = static_cast<float>(sum);
      }
  }
}

}  // namespace vigil::kernels
