// Shared helpers of the fast-kernel tests (depthwise, Winograd, LSTM, unary, ...): the ISA paths this CPU has,
// random activations, and the per-output float64 bound S = sum |w*x| + |bias| that the tolerances scale with.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/cpu_features.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/depthwise_conv/depthwise_conv.h"

namespace isa_test {

using namespace vigil::kernels;

inline std::vector<KernelIsa> available_isas() {
  const auto& cpu = vigil::cpu_features();
  std::vector<KernelIsa> isas = {KernelIsa::Scalar};
  if (cpu.has_avx2_fma()) isas.push_back(KernelIsa::Avx2);
  if (cpu.has_avx512_core()) isas.push_back(KernelIsa::Avx512);
  return isas;
}

inline ActivationParams random_activation(std::mt19937& rng, int index) {
  ActivationParams a;
  a.kind = static_cast<Activation>(index % 11);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  switch (a.kind) {
    case Activation::LeakyRelu:
      a.alpha = u(rng) * 0.5f;
      break;
    case Activation::HardSigmoid:
      a.alpha = 0.2f + 0.1f * u(rng);
      a.beta = 0.5f + 0.1f * u(rng);
      break;
    case Activation::Clip:
      a.alpha = -0.5f + 0.3f * u(rng);
      a.beta = 0.6f + 0.3f * u(rng);
      break;
    default:
      break;
  }
  return a;
}

// Lipschitz bound of the activation (how much an error before it can grow): hard_swish's slope reaches
// 1.5 at x = 3, silu/mish stay below 1.2, leaky/hard_sigmoid scale by |alpha|, the rest by <= 1.
inline double lipschitz(const ActivationParams& a) {
  double l = 1.5;
  if (a.kind == Activation::LeakyRelu || a.kind == Activation::HardSigmoid) l = std::max(l, std::fabs(double(a.alpha)));
  return l;
}

// S[n,m,oh,ow] = |bias[m]| + sum over the taps inside the image of |w * x| (float64, written as a
// gather over taps rather than the reference's loop order).
inline std::vector<double> magnitude(const Conv2dParams& p, const std::vector<float>& x, const std::vector<float>& w,
                                     const std::vector<float>& bias) {
  std::vector<double> s(p.batch * p.out_channels * p.out_h * p.out_w, 0.0);
  const int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  size_t o = 0;
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t m = 0; m < p.out_channels; ++m)
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ++ow, ++o) {
          double acc = bias.empty() ? 0.0 : std::fabs(double(bias[m]));
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t i = 0; i < p.kernel_h; ++i)
              for (int64_t j = 0; j < p.kernel_w; ++j) {
                const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
                const int64_t iw = ow * p.stride_w - p.pad_left + j * p.dilation_w;
                if (ih < 0 || iw < 0 || ih >= p.in_h || iw >= p.in_w) continue;
                const int64_t ci = (m / mg) * cg + c;
                acc += std::fabs(double(w[((m * cg + c) * p.kernel_h + i) * p.kernel_w + j]) *
                                 double(x[((n * p.in_channels + ci) * p.in_h + ih) * p.in_w + iw]));
              }
          s[o] = acc;
        }
  return s;
}

inline std::vector<float> random_vector(std::mt19937& rng, size_t n, float scale = 1.0f) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& e : v) e = u(rng);
  return v;
}

}  // namespace isa_test
