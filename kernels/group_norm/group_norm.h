// Group normalisation (ONNX GroupNormalization-21; InstanceNormalization is the case groups = channels): the
// channels of each batch item are split into `groups` consecutive groups; each group's values (its channels
// times the spatial positions) are shifted to mean 0 and scaled to variance 1, then scaled and shifted per
// channel:
//   y[n, c, s] = (x[n, c, s] - mean_{n,g}) / sqrt(var_{n,g} + epsilon) * scale[c] + bias[c],  g = c / (C / G)
// with the biased variance var = mean of (x - mean)^2 over the group (PyTorch's and ONNX's definition).
#pragma once

#include <cstdint>

namespace vigil::kernels {

struct GroupNormParams {
  int64_t batch = 1;
  int64_t channels = 1;  // C, a multiple of groups
  int64_t groups = 1;    // G
  int64_t spatial = 1;   // product of the dims after C (1 for an [N, C] input)
  float epsilon = 1e-5f;
};

// Mean and variance (two passes) and the normalised value in double, each output rounded once. scale and bias
// hold one value per channel. A group holding a NaN or an infinity gives NaN throughout. y may alias x.
void group_norm_reference(const GroupNormParams& p, const float* x, const float* scale, const float* bias, float* y);

}  // namespace vigil::kernels
