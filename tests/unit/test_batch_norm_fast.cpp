// batch_norm_fast (kernels/batch_norm/batch_norm_fast.h) on every ISA path this CPU has against
// batch_norm_reference on 400 random shapes: channels 1-40, spatial sizes 1-300 (vector tails, chunks of the
// activation pass), batch 1-3, planes in three parts cut at random points, in place every fourth case.
// Inputs, means and variances span many magnitudes with zeros, and some cases hold inf and NaN. Without an
// activation (and with the piecewise-linear ones) the vector paths compute the reference's double formula
// in its order and must give the same bits; with Sigmoid / Tanh / Silu the activation is
// gemm_packed_activation's, so those cases compare against it applied to the reference's pre-activation
// values (bit for bit as well).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/batch_norm/batch_norm_fast.h"
#include "kernels/gemm_packed/gemm_packed.h"
#include "tests/unit/isa_test_support.h"

using namespace vigil::kernels;

namespace {

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); }

}  // namespace

TEST_CASE("batch_norm_fast: every ISA path gives batch_norm_reference's bits on 400 random shapes") {
  std::mt19937_64 rng(2024);
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const Activation kinds[] = {Activation::None, Activation::Relu, Activation::LeakyRelu, Activation::Clip,
                              Activation::Sigmoid, Activation::Tanh, Activation::Silu};
  int64_t compared = 0;
  for (int t = 0; t < 400; ++t) {
    BatchNormParams p;
    p.batch = pick(1, 3);
    p.channels = pick(1, 40);
    p.spatial = t % 10 == 0 ? pick(2040, 2100) : pick(1, 300);  // some planes span two activation chunks
    p.epsilon = t % 6 == 0 ? 0.0f : static_cast<float>(std::pow(10.0, -7.0 + 5.0 * unit(rng)));
    p.activation.kind = kinds[t % 7];
    p.activation.alpha = p.activation.kind == Activation::Clip ? -0.5f : 0.1f;
    p.activation.beta = 0.75f;
    const double magnitude = std::pow(10.0, -12.0 + 20.0 * unit(rng));
    const int64_t C = p.channels;
    std::vector<float> scale(C), bias(C), mean(C), var(C);
    for (int64_t c = 0; c < C; ++c) {
      scale[c] = static_cast<float>((2.0 * unit(rng) - 1.0) * std::pow(10.0, -2.0 + 4.0 * unit(rng)));
      bias[c] = static_cast<float>((2.0 * unit(rng) - 1.0) * magnitude);
      mean[c] = c % 9 == 0 ? 0.0f : static_cast<float>((2.0 * unit(rng) - 1.0) * magnitude);
      var[c] = c % 13 == 0 && p.epsilon > 0 ? 0.0f : static_cast<float>(magnitude * magnitude * unit(rng) + 1e-30);
    }
    std::vector<float> x(static_cast<size_t>(p.batch * C * p.spatial));
    for (float& v : x) {
      const int kind = static_cast<int>(rng() % 50);
      v = kind == 0 ? 0.0f : kind == 1 ? -0.0f : static_cast<float>((2.0 * unit(rng) - 1.0) * magnitude);
    }
    if (t % 7 == 0) x[rng() % x.size()] = std::numeric_limits<float>::infinity();
    if (t % 11 == 0) x[rng() % x.size()] = std::numeric_limits<float>::quiet_NaN();
    // The reference's values, then the vector activation where that is what the fast path applies.
    BatchNormParams linear = p;
    linear.activation = ActivationParams{};
    std::vector<float> pre(x.size());
    batch_norm_reference(linear, x.data(), scale.data(), bias.data(), mean.data(), var.data(), pre.data());
    const int64_t planes = p.batch * C;
    int64_t cut1 = pick(0, planes), cut2 = pick(0, planes);
    if (cut1 > cut2) std::swap(cut1, cut2);
    for (KernelIsa isa : isa_test::available_isas()) {
      std::vector<float> want(x.size());
      if (isa == KernelIsa::Scalar)
        batch_norm_reference(p, x.data(), scale.data(), bias.data(), mean.data(), var.data(), want.data());
      else
        gemm_packed_activation(isa, p.activation, pre.data(), want.data(), static_cast<int64_t>(pre.size()));
      const bool in_place = t % 4 == 0;
      std::vector<float> got = in_place ? x : std::vector<float>(x.size(), 7.0f);
      const float* src = in_place ? got.data() : x.data();
      for (auto [b, e] : {std::pair{int64_t{0}, cut1}, std::pair{cut1, cut2}, std::pair{cut2, planes}})
        batch_norm_fast(isa, p, src, scale.data(), bias.data(), mean.data(), var.data(), got.data(), b, e);
      for (size_t i = 0; i < x.size(); ++i) {
        if (!same_bits(got[i], want[i])) {
          FAIL_CHECK("isa " << static_cast<int>(isa) << " case " << t << " element " << i << ": got " << got[i]
                            << ", want " << want[i] << " (x " << x[i] << ", activation "
                            << static_cast<int>(p.activation.kind) << ")");
          break;
        }
      }
      compared += static_cast<int64_t>(x.size());
    }
  }
  CHECK(compared > 1000000);
  MESSAGE("batch_norm_fast: " << compared << " outputs compared bit for bit");
}
