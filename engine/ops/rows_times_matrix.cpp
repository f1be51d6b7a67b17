#include "engine/ops/rows_times_matrix.h"

#include <algorithm>

#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"

namespace vigil::ops {

size_t RowsTimesMatrix::packed_x_bytes() const {  // a whole number of 64-byte lines, so what follows stays aligned
  return (static_cast<size_t>(kernels::gemm_packed_a_floats(isa_, rows_, k_)) * sizeof(float) + 63) / 64 * 64;
}

size_t RowsTimesMatrix::workspace_bytes() const {
  return packed_x_bytes() +
         static_cast<size_t>(kernels::gemm_packed_workspace_bytes(isa_, rows_, n_, k_, max_threads_));
}

RowsTimesMatrix::RowsTimesMatrix(kernels::KernelIsa isa, int64_t rows, int64_t k, int64_t n, const float* b,
                                 int64_t ldb, int max_threads)
    : RowsTimesMatrix(isa, rows, k, n, max_threads) {
  packed_b_ = allocate_aligned(static_cast<size_t>(kernels::gemm_packed_b_floats(isa, k, n)) * sizeof(float));
  kernels::gemm_pack_b(isa, k, n, b, ldb, reinterpret_cast<float*>(packed_b_.get()));
}

void RowsTimesMatrix::run(const float* x, const float* b, int64_t ldb, const float* r, int64_t ld_r, float* y,
                          const RunContext& rc) const {
  kernels::GemmBOperand operand;
  operand.data = b;
  operand.ld = ldb;
  run_product(x, operand, r, ld_r, y, rc);
}

void RowsTimesMatrix::run(const float* x, const float* r, int64_t ld_r, float* y, const RunContext& rc) const {
  kernels::GemmBOperand operand;
  operand.packed = reinterpret_cast<const float*>(packed_b_.get());
  run_product(x, operand, r, ld_r, y, rc);
}

void RowsTimesMatrix::run_product(const float* x, const kernels::GemmBOperand& b, const float* r, int64_t ld_r,
                                  float* y, const RunContext& rc) const {
  float* packed = static_cast<float*>(rc.workspace);
  // The rows packed into MR-row panels, the panels split over the threads (a serial pack left one thread idle
  // for it on every run).
  const int64_t mr = kernels::gemm_blocking(isa_).mr, panels = (rows_ + mr - 1) / mr;
  const int threads = rows_ * k_ >= kMinParallelElements && panels > 1 ? rc.pool->size() : 1;
  rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
    for (int64_t t = t_begin; t < t_end; ++t) {
      const int64_t r0 = panels * t / threads * mr, r1 = std::min(rows_, panels * (t + 1) / threads * mr);
      if (r0 < r1) kernels::gemm_pack_a(isa_, r1 - r0, k_, x + r0 * k_, k_, packed + r0 * k_);
    }
  });
  kernels::GemmPackedParams gp;
  gp.m = rows_;
  gp.n = n_;
  gp.k = k_;
  gp.packed_a = packed;
  gp.b = b;
  gp.c = y;
  gp.ldc = n_;
  gp.residual = r;
  gp.ld_residual = ld_r;
  kernels::GemmThreading threading{pool_parallel_for, rc.pool, rc.pool->size()};
  kernels::gemm_packed(isa_, gp, static_cast<std::byte*>(rc.workspace) + packed_x_bytes(), threading);
}

}  // namespace vigil::ops
