#include <cmath>

#include "kernels/group_norm/group_norm.h"

namespace vigil::kernels {

void group_norm_reference(const GroupNormParams& p, const float* x, const float* scale, const float* bias, float* y) {
  const int64_t per_group = p.channels / p.groups;  // channels in a group
  const int64_t group_len = per_group * p.spatial;  // values in a group, contiguous in NCHW
  const double n = static_cast<double>(group_len);
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t g = 0; g < p.groups; ++g) {
      const int64_t first = (b * p.channels + g * per_group) * p.spatial;
      const float* xg = x + first;
      float* yg = y + first;
      double sum = 0.0;
      for (int64_t i = 0; i < group_len; ++i) sum += xg[i];
      const double mean = sum / n;
      // Two passes (the mean first) rather than E[x^2] - E[x]^2, which cancels when the mean is large.
      double squares = 0.0;
      for (int64_t i = 0; i < group_len; ++i) {
        const double d = xg[i] - mean;
        squares += d * d;
      }
      const double inv_std = 1.0 / std::sqrt(squares / n + static_cast<double>(p.epsilon));
      for (int64_t k = 0; k < per_group; ++k) {
        const int64_t c = g * per_group + k;
        const double s = scale[c], sh = bias[c];
        for (int64_t i = k * p.spatial; i < (k + 1) * p.spatial; ++i)
          yg[i] = static_cast<float>((xg[i] - mean) * inv_std * s + sh);
      }
    }
  }
}

}  // namespace vigil::kernels
