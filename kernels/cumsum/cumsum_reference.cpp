#include "kernels/cumsum/cumsum.h"

namespace vigil::kernels {

void cumsum_reference(const AxisGroups& g, bool exclusive, bool reverse, const float* x, float* y) {
  const int64_t n = g.members();
  for (int64_t base : g.group_offsets) {
    double sum = 0.0;
    for (int64_t step = 0; step < n; ++step) {
      const int64_t at = base + g.member_offsets[static_cast<size_t>(reverse ? n - 1 - step : step)];
      const double v = x[at];  // read before writing: y may alias x
      if (!exclusive) sum += v;
      y[at] = static_cast<float>(sum);
      if (exclusive) sum += v;
    }
  }
}

}  // namespace vigil::kernels
