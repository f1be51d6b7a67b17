#include <algorithm>
#include <cmath>

#include "kernels/activation/activation.h"

namespace vigil::kernels {

namespace {
constexpr std::string_view kNames[] = {"none",      "relu",         "leaky_relu", "sigmoid",
                                       "tanh",      "silu",         "mish",       "hard_swish",
                                       "hard_sigmoid", "clip",      "hard_mish"};

double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

// log(1 + e^x) without overflow for large x or loss for very negative x.
double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
}  // namespace

std::string_view activation_name(Activation a) { return kNames[static_cast<int>(a)]; }

std::optional<Activation> activation_from_name(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kNames)); ++i)
    if (kNames[i] == name) return static_cast<Activation>(i);
  return std::nullopt;
}

float activate_reference(const ActivationParams& p, float xf) {
  const double x = xf, a = p.alpha, b = p.beta;
  double y = x;
  switch (p.kind) {
    case Activation::None: y = x; break;
    case Activation::Relu: y = x > 0 ? x : 0.0; break;
    case Activation::LeakyRelu: y = x >= 0 ? x : a * x; break;
    case Activation::Sigmoid: y = sigmoid(x); break;
    case Activation::Tanh: y = std::tanh(x); break;
    case Activation::Silu: y = x * sigmoid(x); break;
    case Activation::Mish: y = x * std::tanh(softplus(x)); break;
    case Activation::HardSwish: y = x * std::clamp(x / 6.0 + 0.5, 0.0, 1.0); break;
    case Activation::HardSigmoid: y = std::clamp(a * x + b, 0.0, 1.0); break;
    case Activation::Clip: y = std::min(std::max(x, a), b); break;
    case Activation::HardMish: y = x * std::clamp(x + 2.0, 0.0, 2.0) / 2.0; break;
  }
  if (std::isnan(xf)) return xf;  // NaN propagates through every activation, including the clamps
  return static_cast<float>(y);
}

void activation_reference(const ActivationParams& p, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = activate_reference(p, x[i]);
}

}  // namespace vigil::kernels
