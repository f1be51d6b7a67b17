#include "engine/ops/rows_times_constant.h"

#include "engine/thread_pool.h"
#include "kernels/rows_linear/rows_linear.h"

namespace vigil::ops {

RowsTimesConstant::RowsTimesConstant(kernels::KernelIsa isa, int64_t rows, int64_t k, int64_t n, const float* b,
                                     bool trans_b, int max_threads)
    : isa_(isa),
      rows_(rows),
      k_(k),
      n_(n),
      max_threads_(max_threads < 1 ? 1 : max_threads),
      packed_(static_cast<size_t>(kernels::rows_linear_packed_floats(k, n))) {
  kernels::rows_linear_pack(k, n, b, trans_b, packed_.data());
}

size_t RowsTimesConstant::workspace_bytes() const {
  // Each thread's scratch covers at most all blocks; a whole number of 64-byte lines apart.
  const int64_t per_thread =
      (kernels::rows_linear_scratch_floats(rows_, 0, kernels::rows_linear_blocks(n_)) + 15) / 16 * 16;
  return static_cast<size_t>(per_thread * max_threads_) * sizeof(float);
}

void RowsTimesConstant::run(const float* x, const float* c, int64_t c_row_stride, float* y,
                            const RunContext& rc) const {
  const int64_t blocks = kernels::rows_linear_blocks(n_);
  const int64_t per_thread = (kernels::rows_linear_scratch_floats(rows_, 0, blocks) + 15) / 16 * 16;
  // Split the column blocks when there is enough work: ~1 M multiply-adds, the packed GEMM's threshold
  // (kernels/gemm_packed/gemm_packed_config.h says why).
  constexpr int64_t kMinParallelMacs = int64_t{1} << 20;
  int threads = rows_ * k_ * n_ >= kMinParallelMacs ? rc.pool->size() : 1;
  if (threads > max_threads_) threads = max_threads_;
  if (threads > blocks) threads = static_cast<int>(blocks);
  auto* scratch = static_cast<float*>(rc.workspace);
  rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
    for (int64_t t = t_begin; t < t_end; ++t) {
      const int64_t b0 = blocks * t / threads, b1 = blocks * (t + 1) / threads;
      if (b0 < b1)
        kernels::rows_linear(isa_, rows_, k_, n_, x, packed_.data(), c, c_row_stride, y, b0, b1,
                             scratch + t * per_thread);
    }
  });
}

}  // namespace vigil::ops
