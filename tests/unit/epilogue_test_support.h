// What the GEMM-based kernel tests share: the paths this CPU can run, every activation kind with test
// parameters, its Lipschitz bound (how much an input error can grow through it), the vector activations'
// ulp bounds (measured with ulps_apart.h), the engine's thread-pool adapter for kernels and a reversed serial one.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <vector>

#include "engine/cpu_features.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/activation/activation.h"
#include "kernels/kernel_isa.h"
#include "tests/unit/ulps_apart.h"

namespace vigil::test {

using kernels::Activation;
using kernels::ActivationParams;
using ops::pool_parallel_for;

// The paths to test: Scalar (if asked), then AVX2 and AVX-512 where the CPU has them (saying which are skipped).
inline std::vector<kernels::KernelIsa> kernel_test_isas(bool with_scalar) {
  const auto& cpu = cpu_features();
  std::vector<kernels::KernelIsa> isas;
  if (with_scalar) isas.push_back(kernels::KernelIsa::Scalar);
  if (cpu.has_avx2_fma())
    isas.push_back(kernels::KernelIsa::Avx2);
  else
    MESSAGE("skipping the avx2 path: this CPU lacks AVX2+FMA");
  if (cpu.has_avx512_core())
    isas.push_back(kernels::KernelIsa::Avx512);
  else
    MESSAGE("skipping the avx512 path: this CPU lacks AVX-512 F/BW/DQ/VL");
  return isas;
}

// How far the vector activations (gemm_packed_activation) may be from activate_reference: 0 = bit for bit;
// sigmoid, tanh, silu and mish by the measured maxima of docs/KERNELS.md (where the reference rounds below
// FLT_MIN the absolute error is at most FLT_MIN instead).
inline int64_t vector_activation_ulp_bound(Activation kind) {
  switch (kind) {
    case Activation::Sigmoid:
      return 2;
    case Activation::Tanh:
      return 1;
    case Activation::Silu:
      return 3;
    case Activation::Mish:
      return 4;
    default:
      return 0;
  }
}

// A "parallel for" that runs the tasks one at a time in reverse order: results must not depend on the split.
inline void serial_reversed(void*, int64_t tasks, void (*task)(void*, int64_t, int64_t), void* arg) {
  for (int64_t t = tasks - 1; t >= 0; --t) task(arg, t, t + 1);
}

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
    case Activation::HardSwish:
      return 1.5;
    case Activation::Silu:
      return 1.1;
    case Activation::Mish:
      return 1.1;
    default:
      return 1.0;
  }
}

}  // namespace vigil::test
