// What the GEMM-based kernel tests share: every activation kind with test parameters, its Lipschitz bound
// (how much an input error can grow through it), and the engine's thread-pool adapter for kernels.
#pragma once

#include <iterator>

#include "engine/ops/parallel_for_adapter.h"
#include "kernels/activation/activation.h"

namespace vigil::test {

using kernels::Activation;
using kernels::ActivationParams;
using ops::pool_parallel_for;

inline constexpr Activation kAllActivations[] = {Activation::None,    Activation::Relu,      Activation::LeakyRelu,
                                                 Activation::Sigmoid, Activation::Tanh,      Activation::Silu,
                                                 Activation::Mish,    Activation::HardSwish, Activation::HardSigmoid,
                                                 Activation::Clip,    Activation::HardMish};

inline ActivationParams make_activation(Activation kind) {
  ActivationParams p;
  p.kind = kind;
  if (kind == Activation::LeakyRelu) p.alpha = 0.1f;
  if (kind == Activation::HardSigmoid) p.alpha = 0.2f, p.beta = 0.5f;
  if (kind == Activation::Clip) p.alpha = -0.75f, p.beta = 1.5f;
  return p;
}

// Largest |d act / dx| over the reals for the parameters above.
inline double lipschitz(Activation kind) {
  switch (kind) {
    case Activation::HardSwish: return 1.5;
    case Activation::Silu: return 1.1;
    case Activation::Mish: return 1.1;
    default: return 1.0;
  }
}

}  // namespace vigil::test
