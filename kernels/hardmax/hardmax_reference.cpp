#include "kernels/hardmax/hardmax.h"

namespace vigil::kernels {

void hardmax_reference(const AxisGroups& g, const float* x, float* y) {
  for (int64_t base : g.group_offsets) {
    int64_t best = g.member_offsets.empty() ? 0 : g.member_offsets[0];
    for (int64_t m : g.member_offsets) {
      if (x[base + m] > x[base + best]) best = m;
      y[base + m] = 0.0f;
    }
    if (!g.member_offsets.empty()) y[base + best] = 1.0f;
  }
}

}  // namespace vigil::kernels
