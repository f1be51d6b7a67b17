// Y[rows x N] = X[rows x K] * B + C for a few rows (kRowsTimesConstantMaxRows) against a constant B, on
// kernels/rows_linear: B packed once at load, column blocks split over the threads. Used by MatMul and
// Gemm (a Linear layer over a short sequence) in place of RowsTimesMatrix, whose packed GEMM re-packs B
// on every run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/op_def.h"
#include "kernels/kernel_isa.h"

namespace vigil::ops {

// Measured on a transformer head (16 rows; K 256; N 256, 512, 768) at 1 thread: the packed GEMM ran these
// at ~80 GFLOP/s. Above 32 rows the GEMM's packing is spread over enough rows to pay.
inline constexpr int64_t kRowsTimesConstantMaxRows = 32;

class RowsTimesConstant {
 public:
  // b: [K,N] row-major, or [N,K] when trans_b. isa: Avx2 or Avx512 (not Scalar: the caller keeps the
  // packed GEMM there).
  RowsTimesConstant(kernels::KernelIsa isa, int64_t rows, int64_t k, int64_t n, const float* b, bool trans_b,
                    int max_threads);
  size_t workspace_bytes() const;
  // c: null, or element (r, j) at c[r * c_row_stride + j].
  void run(const float* x, const float* c, int64_t c_row_stride, float* y, const RunContext& rc) const;

 private:
  kernels::KernelIsa isa_;
  int64_t rows_, k_, n_;
  int max_threads_;
  std::vector<float> packed_;
};

}  // namespace vigil::ops
