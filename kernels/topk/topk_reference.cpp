#include <algorithm>
#include <cmath>

#include "kernels/topk/topk.h"

namespace vigil::kernels {

namespace {

// a > b with NaN the greatest value and NaN equal to NaN.
bool greater_with_nan(float a, float b) {
  if (std::isnan(a)) return !std::isnan(b);
  if (std::isnan(b)) return false;
  return a > b;
}

}  // namespace

void topk_reference(const TopKParams& p, const float* x, float* values, int64_t* indices, int64_t* scratch) {
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t i = 0; i < p.inner; ++i) {
      const float* line = x + o * p.axis_len * p.inner + i;
      // A strict total order on indices: better value first, then lower index.
      auto before = [&](int64_t a, int64_t b) {
        const float va = line[a * p.inner], vb = line[b * p.inner];
        if (p.largest ? greater_with_nan(va, vb) : greater_with_nan(vb, va)) return true;
        if (p.largest ? greater_with_nan(vb, va) : greater_with_nan(va, vb)) return false;
        return a < b;
      };
      for (int64_t k = 0; k < p.axis_len; ++k) scratch[k] = k;
      std::partial_sort(scratch, scratch + p.k, scratch + p.axis_len, before);
      for (int64_t k = 0; k < p.k; ++k) {
        const int64_t at = (o * p.k + k) * p.inner + i;
        values[at] = line[scratch[k] * p.inner];
        indices[at] = scratch[k];
      }
    }
  }
}

}  // namespace vigil::kernels
