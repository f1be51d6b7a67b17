// Y[rows x N] = X[rows x K] * B[K x N] (+ C) for a few rows against a constant B: a Linear layer over a
// short sequence (a transformer head's 16 steps: 16 x 256 times 256 x 768). The packed GEMM packs B, its
// per-run operand, on every call, and with 16 rows that costs as much as the arithmetic (~80 GFLOP/s).
// Here B is packed once at load, column-block-major (kernels/recurrent_fast: the product lstm_fast's input
// projections run on), and each run streams it once: 8 rows x 2 vectors of accumulators per k.
// Float sums over k in order, then + C (as the packed GEMM's epilogue adds it). AVX2 and AVX-512 only.
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"

namespace vigil::kernels {

inline constexpr int64_t kRowsLinearBlock = 32;  // columns per packed block

inline int64_t rows_linear_blocks(int64_t n) { return (n + kRowsLinearBlock - 1) / kRowsLinearBlock; }
inline int64_t rows_linear_packed_floats(int64_t k, int64_t n) { return rows_linear_blocks(n) * kRowsLinearBlock * k; }

// packed <- B, from b = [K,N] row-major, or [N,K] when trans_b (PyTorch's Linear weight); columns past N
// are zeros.
void rows_linear_pack(int64_t k, int64_t n, const float* b, bool trans_b, float* packed);

// Scratch floats for column blocks [block_begin, block_end) of one call.
inline int64_t rows_linear_scratch_floats(int64_t rows, int64_t block_begin, int64_t block_end) {
  return rows * (block_end - block_begin) * kRowsLinearBlock;
}

// Columns of blocks [block_begin, block_end) (clipped to N) of y = x * B + c: x [rows,K] (row stride K),
// y [rows,N]; c may be null, else element (r, j) is c[r * c_row_stride + j] (c_row_stride 0: one row for
// all). Threads may take disjoint block ranges, each with its own scratch. isa: Avx2 or Avx512.
void rows_linear(KernelIsa isa, int64_t rows, int64_t k, int64_t n, const float* x, const float* packed, const float* c,
                 int64_t c_row_stride, float* y, int64_t block_begin, int64_t block_end, float* scratch);

void rows_linear_avx2(int64_t rows, int64_t k, int64_t n, const float* x, const float* packed, const float* c,
                      int64_t c_row_stride, float* y, int64_t block_begin, int64_t block_end, float* scratch);
void rows_linear_avx512(int64_t rows, int64_t k, int64_t n, const float* x, const float* packed, const float* c,
                        int64_t c_row_stride, float* y, int64_t block_begin, int64_t block_end, float* scratch);

}  // namespace vigil::kernels
