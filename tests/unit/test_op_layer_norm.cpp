// LayerNorm: random shapes and axes against a long-double loop, shared and per-position scale/bias, the
// optional mean / inv_std outputs, a large mean (the two-pass variance), and the load errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

namespace {

// Error of `got` against `want` in units of half an ulp of the float nearest `want`.
double half_ulps(float got, long double want) {
  const float w = static_cast<float>(want);
  const double ulp = std::nextafter(std::fabs(w), INFINITY) - std::fabs(w);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want)) / (0.5 * ulp);
}

}  // namespace

TEST_CASE("layer_norm: random shapes and axes against a long-double loop, on every path") {
  std::mt19937 rng(17);
  struct Case {
    Shape x;
    int axis;
    bool shared_scale, with_bias;
  };
  const std::vector<Case> cases = {
      {{1, 16, 64}, -1, false, true}, {{2, 5, 7}, 1, false, true},  {{3, 4, 5, 6}, 2, false, false},
      {{7}, 0, true, true},           {{2, 3, 1}, -1, false, true}, {{4, 33}, -2, true, false},
      {{2, 2, 3, 3}, 0, false, true},
  };
  for (const Case& c : cases) {
    const int axis = c.axis < 0 ? c.axis + c.x.rank : c.axis;
    Shape norm;
    norm.rank = c.x.rank - axis;
    for (int d = 0; d < norm.rank; ++d) norm[d] = c.x[axis + d];
    const Tensor x = random_tensor(c.x, rng, -3.0f, 5.0f);
    const Tensor scale = random_tensor(c.shared_scale ? Shape{1} : norm, rng, 0.5f, 2.0f);
    const Tensor bias = random_tensor(norm, rng);
    // Built with push_back: GCC 12 warns (-Warray-bounds, falsely) about an initializer list then grown.
    std::vector<Tensor> inputs;
    inputs.push_back(x);
    inputs.push_back(scale);
    if (c.with_bias) inputs.push_back(bias);
    const int64_t row = norm.numel(), rows = c.x.numel() / row;
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(c.x.str());
      CAPTURE(axis);
      CAPTURE(kernel_path_name(path));
      auto r = run_node(OpType::LayerNorm, inputs, attrs({{"axis", int64_t{c.axis}}, {"epsilon", 1e-3f}}), 3, 1, path);
      REQUIRE(r.outputs[0].shape() == c.x);
      CHECK(r.run_allocations == 0);
      double worst = 0, worst_stats = 0;
      for (int64_t i = 0; i < rows; ++i) {
        long double mean = 0, var = 0;
        for (int64_t j = 0; j < row; ++j) mean += x.f32()[i * row + j];
        mean /= row;
        for (int64_t j = 0; j < row; ++j) var += (x.f32()[i * row + j] - mean) * (x.f32()[i * row + j] - mean);
        const long double inv_std = 1.0L / std::sqrt(var / row + static_cast<long double>(1e-3f));
        worst_stats =
            std::max({worst_stats, half_ulps(r.outputs[1].f32()[i], mean), half_ulps(r.outputs[2].f32()[i], inv_std)});
        for (int64_t j = 0; j < row; ++j) {
          const long double want = (x.f32()[i * row + j] - mean) * inv_std * scale.f32()[c.shared_scale ? 0 : j] +
                                   (c.with_bias ? bias.f32()[j] : 0.0f);
          // Computed in double and rounded once: within half an ulp, plus a little for cancellation when
          // the result is near 0 (absolute 1e-12 of the terms).
          worst =
              std::max(worst, half_ulps(r.outputs[0].f32()[i * row + j], want) * (std::fabs(want) > 1e-3L ? 1.0 : 0.0));
          CHECK(std::fabs(r.outputs[0].f32()[i * row + j] - want) <= 1e-6L * (1 + std::fabs(want)));
        }
      }
      CHECK(worst <= 1.01);
      CHECK(worst_stats <= 1.01);
      // The statistics are shaped like X with the normalised dims set to 1.
      Shape stats = c.x;
      for (int d = axis; d < stats.rank; ++d) stats[d] = 1;
      CHECK(r.outputs[1].shape() == stats);
    }
  }
}

TEST_CASE("layer_norm: a large mean does not cancel the variance away") {
  // E[x^2] - E[x]^2 in float would lose everything here; two passes in double do not.
  const Tensor x = Tensor::from_f32({1, 4}, std::vector<float>{10000.0f, 10001.0f, 10002.0f, 10003.0f});
  const Tensor one = Tensor::from_f32({1}, std::vector<float>{1});
  auto r = run_node(OpType::LayerNorm, {x, one}, attrs({{"epsilon", 0.0f}}));
  const float* y = r.outputs[0].f32();
  const double s = 1.0 / std::sqrt(1.25);  // variance of 0, 1, 2, 3 is 1.25
  CHECK(y[0] == static_cast<float>(-1.5 * s));
  CHECK(y[3] == static_cast<float>(1.5 * s));
}

TEST_CASE("layer_norm: load errors name the node and the shapes") {
  CHECK(load_error(OpType::LayerNorm, {{2, 3}, {3}}, attrs({{"axis", int64_t{2}}})).find("out of range") !=
        std::string::npos);
  const std::string e = load_error(OpType::LayerNorm, {{2, 3, 4}, {3, 4}, {4}}, attrs({{"axis", int64_t{2}}}));
  CHECK(e.find("scale shape [3,4]") != std::string::npos);
  CHECK(e.find(kNodeName) != std::string::npos);
  CHECK(load_error(OpType::LayerNorm, {{2, 3, 4}, {1, 4}, {5}}).find("bias shape [5]") != std::string::npos);
  CHECK(load_error(OpType::LayerNorm, {{2, 3, 4}, {1, 1, 4}}) == "");  // leading 1s are fine
  CHECK(load_error(OpType::LayerNorm, {{2, 3}, {3}}, attrs({{"epsilon", -1.0f}})).find("epsilon") != std::string::npos);
}
