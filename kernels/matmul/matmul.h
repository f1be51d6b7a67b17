// Batched matrix product with numpy broadcasting of the batch dimensions (the math of the MatMul op).
// The caller resolves shapes: 1-D promotion and batch broadcasting become the strides below, so the kernel
// only ever sees row-major [M,K] x [K,N] matrices.
#pragma once

#include <cstdint>

namespace vigil::kernels {

inline constexpr int kMatMulMaxBatchRank = 4;

struct MatMulParams {
  int64_t m = 1, k = 1, n = 1;
  // Output batch dimensions (outermost first); batch_rank 0 means a single matrix product.
  int batch_rank = 0;
  int64_t batch_dims[kMatMulMaxBatchRank] = {};
  // Element offset between consecutive A (resp. B) matrices along each output batch dimension; 0 where
  // that operand is broadcast along the dimension.
  int64_t a_batch_stride[kMatMulMaxBatchRank] = {};
  int64_t b_batch_stride[kMatMulMaxBatchRank] = {};
};

// For every batch index: y[M,N] = a[M,K] * b[K,N], each dot product accumulated in double and rounded once.
// y is dense [batch..., M, N] and must not alias a or b.
void matmul_reference(const MatMulParams& p, const float* a, const float* b, float* y);

}  // namespace vigil::kernels
