#include <cmath>

#include "kernels/batch_norm/batch_norm.h"

namespace vigil::kernels {

void batch_norm_reference(const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                          const float* mean, const float* var, float* y) {
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t c = 0; c < p.channels; ++c) {
      const double inv_std = 1.0 / std::sqrt(static_cast<double>(var[c]) + static_cast<double>(p.epsilon));
      const int64_t base = (n * p.channels + c) * p.spatial;
      for (int64_t s = 0; s < p.spatial; ++s) {
        const double normalised = (static_cast<double>(x[base + s]) - mean[c]) * inv_std;
        y[base + s] = activate_reference(p.activation, static_cast<float>(normalised * scale[c] + bias[c]));
      }
    }
  }
}

}  // namespace vigil::kernels
