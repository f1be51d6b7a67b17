// Y[rows x N] = X[rows x K] * B[K x N] (+ R[rows x N] with row stride ld_r, 0 = one row for all) on the
// packed GEMM, for ops whose left operand is activations and whose right operand is a dense row-major
// matrix (MatMul with a shared B, Gemm in a Linear layer). X is packed per run into the workspace (it
// changes every run). B is the GEMM's dense B operand, or, when it is a constant, packed once at load
// (gemm_pack_b): the GEMM packed all of B on every run, for few rows of X a large share of the work
// (ConvNeXt-T's last stage, 49 rows against 768 x 3072 weights). Float accumulation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/op_def.h"
#include "engine/tensor.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::ops {

class RowsTimesMatrix {
 public:
  RowsTimesMatrix(kernels::KernelIsa isa, int64_t rows, int64_t k, int64_t n, int max_threads)
      : isa_(isa), rows_(rows), k_(k), n_(n), max_threads_(max_threads) {}
  // A constant B (K x N, row stride ldb), packed here; run it with the run() that takes no b.
  RowsTimesMatrix(kernels::KernelIsa isa, int64_t rows, int64_t k, int64_t n, const float* b, int64_t ldb,
                  int max_threads);
  size_t workspace_bytes() const;
  // x: rows x K, row stride K; b: K x N, row stride ldb; r may be null.
  void run(const float* x, const float* b, int64_t ldb, const float* r, int64_t ld_r, float* y,
           const RunContext& rc) const;
  // The same with the constant B given at construction.
  void run(const float* x, const float* r, int64_t ld_r, float* y, const RunContext& rc) const;
  bool has_constant_b() const { return packed_b_ != nullptr; }

 private:
  size_t packed_x_bytes() const;
  kernels::KernelIsa isa_;
  int64_t rows_, k_, n_;
  int max_threads_;
  AlignedBytes packed_b_;  // the constant B packed once, or empty
  void run_product(const float* x, const kernels::GemmBOperand& b, const float* r, int64_t ld_r, float* y,
                   const RunContext& rc) const;
};

}  // namespace vigil::ops
