// BatchNorm (inference): hand-computed values, a float64 loop in the folded form y = x*a + b, the Engine
// binding with and without a fused activation, and shape errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "kernels/batch_norm/batch_norm.h"

using namespace vigil;

namespace {

struct BnParams {
  std::vector<float> scale, bias, mean, var;
};

// Builds X -> BatchNorm -> output, runs it on `x`, returns Y.
std::vector<float> run_bn(Shape shape, const std::vector<float>& x, const BnParams& p, Attributes attrs) {
  GraphBuilder gb;
  const int64_t c = shape[1];
  int xv = gb.input("x", DType::F32, shape);
  int s = gb.constant("scale", Tensor::from_f32({c}, p.scale));
  int b = gb.constant("bias", Tensor::from_f32({c}, p.bias));
  int m = gb.constant("mean", Tensor::from_f32({c}, p.mean));
  int v = gb.constant("var", Tensor::from_f32({c}, p.var));
  gb.output(gb.node(OpType::BatchNorm, "bn", {xv, s, b, m, v}, std::move(attrs)));
  Engine engine(gb.build());
  ExecutionContext ctx(engine);
  std::copy(x.begin(), x.end(), ctx.input("x").f32());
  ctx.run();
  TensorView y = ctx.output("bn");
  REQUIRE(y.shape == shape);
  return std::vector<float>(y.f32(), y.f32() + y.numel());
}

std::string bn_error(Shape x, std::vector<Shape> params, Attributes attrs = {}) {
  GraphBuilder gb;
  std::vector<int> inputs{gb.input("x", DType::F32, x)};
  for (size_t i = 0; i < params.size(); ++i)
    inputs.push_back(gb.constant("p" + std::to_string(i), Tensor(DType::F32, params[i])));
  gb.output(gb.node(OpType::BatchNorm, "bad_bn", inputs, std::move(attrs)));
  try {
    gb.build();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("batch_norm: hand-computed values, epsilon 0, with and without fused relu") {
  // Channel 0: (x - 1) / sqrt(4) * 2 + 1 = x;   channel 1: (x - 0) / sqrt(0.25) * 0.5 - 1 = x - 1.
  const BnParams p{{2, 0.5f}, {1, -1}, {1, 0}, {4, 0.25f}};
  const std::vector<float> x{1, 3, -2, 4};
  Attributes a;
  a.set("epsilon", 0.0f);
  CHECK(run_bn({1, 2, 1, 2}, x, p, a) == std::vector<float>{1, 3, -3, 3});
  a.set("activation", std::string("relu"));
  CHECK(run_bn({1, 2, 1, 2}, x, p, a) == std::vector<float>{1, 3, 0, 3});
}

TEST_CASE("batch_norm: default epsilon is 1e-5") {
  // var 0: y = x / sqrt(1e-5).
  const BnParams p{{1}, {0}, {0}, {0}};
  std::vector<float> y = run_bn({1, 1}, {1.0f}, p, {});
  CHECK(y[0] == doctest::Approx(1.0 / std::sqrt(static_cast<double>(1e-5f))).epsilon(1e-6));
}

TEST_CASE("batch_norm: random tensors of rank 2 to 5 against a float64 loop") {
  std::mt19937 rng(77);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f), pos(0.05f, 3.0f);
  const std::vector<Shape> shapes = {{3, 5}, {2, 4, 7}, {2, 3, 5, 7}, {1, 6, 1, 1}, {1, 2, 3, 2, 3}};
  for (size_t si = 0; si < shapes.size(); ++si) {
    const Shape& shape = shapes[si];
    CAPTURE(si);
    const int64_t c = shape[1];
    BnParams p;
    for (int64_t i = 0; i < c; ++i) {
      p.scale.push_back(u(rng));
      p.bias.push_back(u(rng));
      p.mean.push_back(u(rng));
      p.var.push_back(pos(rng));
    }
    std::vector<float> x(static_cast<size_t>(shape.numel()));
    for (float& v : x) v = u(rng);
    const float eps = 1e-3f;
    const float alpha = 0.1f;
    Attributes a;
    a.set("epsilon", eps);
    a.set("activation", std::string("leaky_relu"));
    a.set("activation_alpha", alpha);
    const std::vector<float> y = run_bn(shape, x, p, a);

    // Folded form: y = x * a_c + b_c with a_c = scale / sqrt(var + eps), b_c = bias - mean * a_c.
    const int64_t inner = shape.numel(2, shape.rank);
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const size_t ch = static_cast<size_t>((static_cast<int64_t>(i) / inner) % c);
      const double ac = p.scale[ch] / std::sqrt(static_cast<double>(p.var[ch]) + static_cast<double>(eps));
      const double bc = p.bias[ch] - p.mean[ch] * ac;
      double want = x[i] * ac + bc;
      const double scale = std::fabs(x[i] * ac) + std::fabs(bc);
      if (want < 0) want *= static_cast<double>(alpha);
      // One rounding of the normalised value plus one in the activation: 3e-7 relative, plus double noise.
      const double tol = 3e-7 * std::fabs(want) + 1e-12 * scale;
      worst = std::max(worst, std::fabs(y[i] - want) / tol);
    }
    CHECK(worst <= 1.0);
  }
}

TEST_CASE("batch_norm: kernel runs in place") {
  std::vector<float> x{1, 2, 3, 4}, scale{2}, bias{1}, mean{0}, var{1};
  kernels::BatchNormParams p;
  p.channels = 1, p.spatial = 4, p.epsilon = 0;
  kernels::batch_norm_reference(p, x.data(), scale.data(), bias.data(), mean.data(), var.data(), x.data());
  CHECK(x == std::vector<float>{3, 5, 7, 9});
}

TEST_CASE("batch_norm: shape and attribute errors name the node") {
  auto expect = [](const std::string& msg, const char* reason) {
    INFO(msg);
    CHECK(msg.find("BatchNorm 'bad_bn'") != std::string::npos);
    CHECK(msg.find(reason) != std::string::npos);
  };
  expect(bn_error({1, 3, 2, 2}, {{3}, {3}, {4}, {3}}), "input mean has shape [4], expected [3]");
  expect(bn_error({1, 3, 2, 2}, {{3}, {1, 3}, {3}, {3}}), "input bias has shape [1,3]");
  expect(bn_error({6}, {{6}, {6}, {6}, {6}}), "rank >= 2");
  Attributes neg;
  neg.set("epsilon", -1.0f);
  expect(bn_error({1, 2}, {{2}, {2}, {2}, {2}}, neg), "epsilon must be >= 0");
  Attributes train;
  train.set("training_mode", int64_t{1});
  expect(bn_error({1, 2}, {{2}, {2}, {2}, {2}}, train), "training_mode");
  Attributes act;
  act.set("activation", std::string("bogus"));
  expect(bn_error({1, 2}, {{2}, {2}, {2}, {2}}, act), "unknown fused activation 'bogus'");
}
