// y[N] = x[K] * B + c for ONE row against a constant B (batch-1 classifier heads: Gemm, or MatMul on a
// [1, K] / [K] input), on kernels/gemv. gemv sums kGemvColumns columns over all K rows at a time, so B is
// stored at load block after block (the last zero-padded): each block's rows are one sequential stream, where
// the row-major B was K segments N floats apart (a 1280 -> 1000 head: 0.26 -> 0.20 ms). Threads split whole
// blocks when there is enough work.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/op_def.h"
#include "kernels/gemv/gemv.h"
#include "kernels/kernel_isa.h"

namespace vigil::ops {

class RowTimesConstant {
 public:
  // b: [K,N] row-major, or [N,K] when trans_b.
  RowTimesConstant(kernels::KernelIsa isa, int64_t k, int64_t n, const float* b, bool trans_b);
  // c: null or [N].
  void run(const float* x, const float* c, float* y, const RunContext& rc) const;

 private:
  kernels::KernelIsa isa_;
  int64_t k_, n_, blocks_;
  std::vector<float> blocks_data_;
};

}  // namespace vigil::ops
