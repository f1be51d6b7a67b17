// Inference-mode batch normalisation over the channel axis (axis 1) of an [N, C, ...] tensor, with an
// optional fused activation.
#pragma once

#include <cstdint>

#include "kernels/activation/activation.h"

namespace vigil::kernels {

struct BatchNormParams {
  int64_t batch = 1;     // N
  int64_t channels = 1;  // C
  int64_t spatial = 1;   // product of the dims after C (1 for a 2-D input)
  float epsilon = 1e-5f;
  ActivationParams activation;
};

// y[n,c,s] = act((x[n,c,s] - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c]), evaluated in double
// and rounded once before the activation. x and y may alias.
void batch_norm_reference(const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                          const float* mean, const float* var, float* y);

}  // namespace vigil::kernels
