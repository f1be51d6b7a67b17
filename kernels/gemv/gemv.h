// y[j] = sum_k a[k] * B[k][j] (+ c[j]) for columns [j_begin, j_end): one row times a row-major matrix, the
// batch-1 form of a Linear layer. The packed GEMM computes 8 rows per microkernel and packs B on every
// call, so a single row wasted 7/8 of its work. Float sums over k in order, then + c, as the packed GEMM's
// epilogue does. Written once as plain loops (gemv_impl.h), compiled for each ISA path.
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// Columns gemv sums at once over all k (a 1 KB row of sums stays in L1): B stored in blocks this wide reads
// as one sequential stream per block (engine/ops/row_times_constant.h).
inline constexpr int64_t kGemvColumns = 256;

void gemv(KernelIsa isa, int64_t k, const float* a, const float* b, int64_t ldb, const float* c, float* y,
          int64_t j_begin, int64_t j_end);
void gemv_baseline(int64_t k, const float* a, const float* b, int64_t ldb, const float* c, float* y, int64_t j_begin,
                   int64_t j_end);
void gemv_avx2(int64_t k, const float* a, const float* b, int64_t ldb, const float* c, float* y, int64_t j_begin,
               int64_t j_end);
void gemv_avx512(int64_t k, const float* a, const float* b, int64_t ldb, const float* c, float* y, int64_t j_begin,
                 int64_t j_end);

}  // namespace vigil::kernels
