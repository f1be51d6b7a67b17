// Pointwise activation functions: the standalone activation ops and the activation fused into conv,
// BatchNorm or Add epilogues share this one definition, so they cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::kernels {

enum class Activation : uint8_t {
  None,         // identity
  Relu,         // max(x, 0)
  LeakyRelu,    // x >= 0 ? x : alpha * x
  Sigmoid,      // 1 / (1 + e^-x)
  Tanh,         // tanh(x)
  Silu,         // x * sigmoid(x)   (a.k.a. swish)
  Mish,         // x * tanh(softplus(x))
  HardSwish,    // x * clamp(x / 6 + 1/2, 0, 1)
  HardSigmoid,  // clamp(alpha * x + beta, 0, 1)
  Clip,         // clamp(x, alpha, beta)   (relu6 = Clip 0..6)
  HardMish,     // x * clamp(x + 2, 0, 2) / 2   (darknet's hard_mish)
};

struct ActivationParams {
  Activation kind = Activation::None;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// Lower-case names used in node attributes ("activation" = "leaky_relu", ...) and in docs/OPERATORS.md.
std::string_view activation_name(Activation a);
std::optional<Activation> activation_from_name(std::string_view name);

// The reference definition, evaluated in double and rounded once to float.
float activate_reference(const ActivationParams& p, float x);

// y[i] = act(x[i]) for i < n; x and y may alias.
void activation_reference(const ActivationParams& p, const float* x, float* y, int64_t n);

}  // namespace vigil::kernels
