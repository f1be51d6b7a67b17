#include "engine/ops/row_times_constant.h"

#include <algorithm>

#include "engine/thread_pool.h"
#include "kernels/gemv/gemv.h"

namespace vigil::ops {

RowTimesConstant::RowTimesConstant(kernels::KernelIsa isa, int64_t k, int64_t n, const float* b, bool trans_b)
    : isa_(isa), k_(k), n_(n), blocks_((n + kernels::kGemvColumns - 1) / kernels::kGemvColumns) {
  blocks_data_.assign(static_cast<size_t>(blocks_ * k * kernels::kGemvColumns), 0.0f);
  for (int64_t q = 0; q < k; ++q)
    for (int64_t j = 0; j < n; ++j)
      blocks_data_[static_cast<size_t>((j / kernels::kGemvColumns * k + q) * kernels::kGemvColumns +
                                       j % kernels::kGemvColumns)] = trans_b ? b[j * k + q] : b[q * n + j];
}

void RowTimesConstant::run(const float* x, const float* c, float* y, const RunContext& rc) const {
  const int threads = k_ * n_ >= (1 << 16) ? static_cast<int>(std::min<int64_t>(rc.pool->size(), blocks_)) : 1;
  rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
    for (int64_t t = t_begin; t < t_end; ++t)
      for (int64_t block = blocks_ * t / threads; block < blocks_ * (t + 1) / threads; ++block) {
        const int64_t j0 = block * kernels::kGemvColumns, n = std::min(kernels::kGemvColumns, n_ - j0);
        kernels::gemv(isa_, k_, x, blocks_data_.data() + block * k_ * kernels::kGemvColumns, kernels::kGemvColumns,
                      c ? c + j0 : nullptr, y + j0, 0, n);
      }
  });
}

}  // namespace vigil::ops
