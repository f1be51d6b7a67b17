#include "kernels/arg_reduce/arg_reduce.h"

namespace vigil::kernels {

void arg_reduce_reference(const ArgReduceParams& p, const float* x, int64_t* y, int64_t outer_begin,
                          int64_t outer_end) {
  for (int64_t o = outer_begin; o < outer_end; ++o) {
    for (int64_t i = 0; i < p.inner; ++i) {
      const float* line = x + o * p.axis_len * p.inner + i;
      int64_t best = 0;
      float best_value = line[0];
      for (int64_t k = 1; k < p.axis_len; ++k) {
        const float v = line[k * p.inner];
        const bool better = p.max ? (p.select_last_index ? v >= best_value : v > best_value)
                                  : (p.select_last_index ? v <= best_value : v < best_value);
        if (better) {
          best = k;
          best_value = v;
        }
      }
      y[o * p.inner + i] = best;
    }
  }
}

}  // namespace vigil::kernels
