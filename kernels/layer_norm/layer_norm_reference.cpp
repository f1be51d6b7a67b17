#include <cmath>

#include "kernels/layer_norm/layer_norm.h"

namespace vigil::kernels {

void layer_norm_reference(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                          float* mean_out, float* inv_std_out) {
  const double n = static_cast<double>(p.row_len);
  for (int64_t r = 0; r < p.rows; ++r) {
    const float* xr = x + r * p.row_len;
    float* yr = y + r * p.row_len;
    double sum = 0.0;
    for (int64_t j = 0; j < p.row_len; ++j) sum += xr[j];
    const double mean = sum / n;
    // Two passes (the mean first) rather than E[x^2] - E[x]^2, which cancels when the mean is large.
    double squares = 0.0;
    for (int64_t j = 0; j < p.row_len; ++j) {
      const double d = xr[j] - mean;
      squares += d * d;
    }
    const double inv_std = 1.0 / std::sqrt(squares / n + static_cast<double>(p.epsilon));
    if (mean_out) mean_out[r] = static_cast<float>(mean);
    if (inv_std_out) inv_std_out[r] = static_cast<float>(inv_std);
    for (int64_t j = 0; j < p.row_len; ++j) {
      const double s = scale[p.scale_shared ? 0 : j];
      const double b = bias ? bias[p.bias_shared ? 0 : j] : 0.0;
      yr[j] = static_cast<float>((xr[j] - mean) * inv_std * s + b);
    }
  }
}

}  // namespace vigil::kernels
