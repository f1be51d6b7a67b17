// General matrix multiply with ONNX Gemm semantics: Y = alpha * A' * B' + beta * C, where A' is A or
// its transpose and B' likewise, and C is broadcast to Y's [M,N] shape.
#pragma once

#include <cstdint>

namespace vigil::kernels {

struct GemmParams {
  int64_t m = 1, k = 1, n = 1;  // Y is [M,N]; the product's inner dimension is K
  bool trans_a = false;         // A is stored [K,M] (else [M,K]), row-major
  bool trans_b = false;         // B is stored [N,K] (else [K,N]), row-major
  float alpha = 1.0f, beta = 1.0f;
  // C is read at c[i * c_row_stride + j * c_col_stride]; a stride is 0 where C is broadcast along it.
  int64_t c_row_stride = 0, c_col_stride = 0;
};

// y[i,j] = alpha * sum_q A'[i,q] B'[q,j] + beta * C[i,j]; the dot product and the whole expression are
// evaluated in double and rounded once. c may be null (no C term). y must not alias a, b or c.
void gemm_reference(const GemmParams& p, const float* a, const float* b, const float* c, float* y);

}  // namespace vigil::kernels
