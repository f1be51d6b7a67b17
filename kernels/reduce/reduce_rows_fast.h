// Reductions of contiguous rows on the optimised paths: the reduced axes of ReduceMean, ReduceSum,
// ReduceSumSquare, ReduceL1 and ReduceL2 are the innermost ones (LayerNorm decompositions: the mean over the
// last axis; global pooling of NCHW over H and W), so each output reduces one contiguous row of x. The sums are
// formed in double lanes (AVX2: 2 x 4, AVX-512: 2 x 8 partial sums) instead of left to right, then finished as
// reduce_reference does (Mean: / n, L2: sqrt) and rounded once. The double sums differ from the reference's in
// their last bits only, which moves a float output by at most 1 ulp, and only where it lies within a tiny
// fraction of an ulp of a rounding boundary (docs/OPERATORS.md). The Scalar path is the reference's left-to-right
// double loop, bit for bit.
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"
#include "kernels/reduce/reduce.h"

namespace vigil::kernels {

// The ops reduce_rows_fast computes: Mean, Sum, SumSquare, L1, L2.
bool reduce_rows_fast_supports(ReduceOp op);

// y[r] = op over x[r * n, r * n + n) for r in [row_begin, row_end); n >= 1; op one reduce_rows_fast_supports.
void reduce_rows_fast(KernelIsa isa, ReduceOp op, const float* x, int64_t n, float* y, int64_t row_begin,
                      int64_t row_end);

// The reduced axes between kept ones: x one slice [reduced, inner] (a mean over NCHW channels, over the frames of
// [N, T, C]); y[j] = op over x[r * inner + j] for r in [0, reduced), for the columns j in [col_begin, col_end).
// Each column is summed left to right in its own double lane, as the reference does: every path gives the
// reference's bits.
void reduce_columns_fast(KernelIsa isa, ReduceOp op, const float* x, int64_t reduced, int64_t inner, float* y,
                         int64_t col_begin, int64_t col_end);

void reduce_rows_fast_avx2(ReduceOp op, const float* x, int64_t n, float* y, int64_t row_begin, int64_t row_end);
void reduce_rows_fast_avx512(ReduceOp op, const float* x, int64_t n, float* y, int64_t row_begin, int64_t row_end);
void reduce_columns_fast_avx2(ReduceOp op, const float* x, int64_t reduced, int64_t inner, float* y, int64_t col_begin,
                              int64_t col_end);
void reduce_columns_fast_avx512(ReduceOp op, const float* x, int64_t reduced, int64_t inner, float* y,
                                int64_t col_begin, int64_t col_end);

}  // namespace vigil::kernels
