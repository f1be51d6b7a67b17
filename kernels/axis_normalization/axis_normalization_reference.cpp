#include <cmath>

#include "kernels/axis_normalization/axis_normalization.h"

namespace vigil::kernels {

void lp_normalization_reference(const AxisGroups& g, int p, const float* x, float* y) {
  for (int64_t base : g.group_offsets) {
    double norm = 0.0;
    for (int64_t m : g.member_offsets) {
      const double v = x[base + m];
      norm += p == 1 ? std::fabs(v) : v * v;
    }
    if (p != 1) norm = std::sqrt(norm);
    for (int64_t m : g.member_offsets)
      y[base + m] = norm == 0.0 ? 0.0f : static_cast<float>(static_cast<double>(x[base + m]) / norm);
  }
}

void mean_variance_normalization_reference(const AxisGroups& g, const float* x, float* y) {
  const double n = static_cast<double>(g.members());
  for (int64_t base : g.group_offsets) {
    double sum = 0.0;
    for (int64_t m : g.member_offsets) sum += x[base + m];
    const double mean = sum / n;
    double squares = 0.0;
    for (int64_t m : g.member_offsets) squares += (x[base + m] - mean) * (x[base + m] - mean);
    const double denominator = std::sqrt(squares / n) + 1e-9;
    for (int64_t m : g.member_offsets) y[base + m] = static_cast<float>((x[base + m] - mean) / denominator);
  }
}

void rms_normalization_reference(const AxisGroups& g, float epsilon, const float* scale, const int64_t* scale_index,
                                 const float* x, float* y) {
  const double n = static_cast<double>(g.members());
  for (int64_t base : g.group_offsets) {
    double squares = 0.0;
    for (int64_t m : g.member_offsets) squares += static_cast<double>(x[base + m]) * x[base + m];
    const double inv_rms = 1.0 / std::sqrt(squares / n + static_cast<double>(epsilon));
    for (int64_t k = 0; k < g.members(); ++k) {
      const int64_t at = base + g.member_offsets[static_cast<size_t>(k)];
      y[at] = static_cast<float>(x[at] * inv_rms * scale[scale_index[k]]);
    }
  }
}

}  // namespace vigil::kernels
