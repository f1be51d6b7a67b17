// Elu, Selu, Celu, ThresholdedRelu: hand-computed values, an independent float64 loop (written with exp(x) - 1
// and the spec's max/min form, not the kernel's expm1 branches) on every kernel path, NaN, attribute
// defaults and bad attributes, and the ONNX mapping of each (defaults, attributes, errors).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>

#include "engine/error.h"
#include "engine/executor.h"
#include "graph_query_support.h"
#include "h2_op_harness.h"
#include "onnx_import_support.h"

using namespace h2test;
using vigil::test::contains;

namespace {

// e^x - 1 without expm1: a Taylor polynomial where the subtraction would cancel.
double exp_minus_one(double x) {
  if (std::fabs(x) < 1e-3) return x + x * x / 2 + x * x * x / 6 + x * x * x * x / 24;
  return std::exp(x) - 1;
}

// The ONNX spec's formulas literally, in double.
double spec_value(OpType op, double x, double alpha, double gamma) {
  switch (op) {
    case OpType::Elu:
      return x < 0 ? alpha * exp_minus_one(x) : x;
    case OpType::Selu:
      return x <= 0 ? gamma * alpha * exp_minus_one(x) : gamma * x;
    case OpType::Celu:
      return std::fmax(0.0, x) + std::fmin(0.0, alpha * exp_minus_one(x / alpha));
    case OpType::ThresholdedRelu:
      return x > alpha ? x : 0;
    default:
      return NAN;
  }
}

std::vector<float> run1(OpType op, const std::vector<float>& x, const Attributes& a = {},
                        KernelPath path = KernelPath::Reference) {
  auto r = run_node(op, {Tensor::from_f32({static_cast<int64_t>(x.size())}, x)}, a, 1, 1, path);
  return values_of(r.outputs[0]);
}

}  // namespace

TEST_CASE("elu family: hand-computed values with default and explicit attributes") {
  // Elu, alpha = 1 (default) and 2: 2 (e^-1 - 1) = -1.26424111765711535.
  CHECK(run1(OpType::Elu, {-1, 0, 3}) == std::vector<float>{-0.632120558828557678f, 0, 3});
  CHECK(run1(OpType::Elu, {-1, 3}, attrs({{"alpha", 2.0f}})) == std::vector<float>{-1.26424111765711535f, 3});
  // Selu defaults: gamma alpha (e^-1 - 1) = -1.11133072376... ; gamma * 2 = 2.1014020442962646.
  const std::vector<float> selu = run1(OpType::Selu, {-1, 2, 0});
  CHECK(selu[0] == doctest::Approx(-1.1113307378125625).epsilon(1e-7));
  CHECK(selu[1] == static_cast<float>(1.05070102214813232421875 * 2));
  CHECK(selu[2] == 0.0f);
  const std::vector<float> selu_attrs = run1(OpType::Selu, {-1, 2}, attrs({{"alpha", 2.0f}, {"gamma", 3.0f}}));
  CHECK(selu_attrs[0] == static_cast<float>(3 * 2 * (std::exp(-1.0) - 1)));
  CHECK(selu_attrs[1] == 6.0f);
  // Celu, alpha = 2: 2 (e^-0.5 - 1) = -0.786938680574733; positive inputs pass.
  CHECK(run1(OpType::Celu, {-1, 1}, attrs({{"alpha", 2.0f}})) == std::vector<float>{-0.786938680574733f, 1});
  // ThresholdedRelu: strictly greater than alpha (default 1) passes.
  CHECK(run1(OpType::ThresholdedRelu, {1, 1.5f, 0.5f, -3}) == std::vector<float>{0, 1.5f, 0, 0});
  CHECK(run1(OpType::ThresholdedRelu, {-1, -0.5f}, attrs({{"alpha", -0.75f}})) == std::vector<float>{0, -0.5f});
}

TEST_CASE("elu family: random values and specials against the spec's formulas in double, every kernel path") {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> values{0.0f,  -0.0f,   1.0f,  -1.0f,  1e-30f, -1e-30f, -1e-4f,
                            88.0f, -104.0f, 1e30f, -1e30f, inf,    -inf};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-12.0f, 12.0f);
  while (values.size() < 301) values.push_back(dist(rng));
  struct Case {
    OpType op;
    float alpha, gamma;
  };
  for (const Case& c : {Case{OpType::Elu, 1.0f, 0}, Case{OpType::Elu, 0.3f, 0},
                        Case{OpType::Selu, 1.6732632f, 1.0507010f}, Case{OpType::Selu, 0.5f, -2.0f},
                        Case{OpType::Celu, 1.0f, 0}, Case{OpType::Celu, 2.5f, 0}, Case{OpType::Celu, -0.5f, 0},
                        Case{OpType::ThresholdedRelu, 1.0f, 0}, Case{OpType::ThresholdedRelu, -2.0f, 0}}) {
    Attributes a = attrs({{"alpha", c.alpha}});
    if (c.op == OpType::Selu) a.set("gamma", c.gamma);
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(op_name(c.op));
      CAPTURE(c.alpha);
      CAPTURE(kernel_path_name(path));
      const std::vector<float> y = run1(c.op, values, a, path);
      int bad = 0;
      for (size_t i = 0; i < values.size(); ++i) {
        const double want = spec_value(c.op, values[i], c.alpha, c.gamma);
        const float got = y[i];
        const float want_f = static_cast<float>(want);
        if (!std::isfinite(want_f)) {  // NaN, infinite, or beyond float's range: the same special value
          bad += !(std::isnan(want_f) ? std::isnan(got) : got == want_f);
          continue;
        }
        bad += std::fabs(got - want) > std::fabs(want) * 1.2e-7 + 1e-38;
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("elu family: NaN propagates through Elu, Selu and Celu, ThresholdedRelu maps it to 0") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(run1(OpType::Elu, {nan})[0]));
  CHECK(std::isnan(run1(OpType::Selu, {nan})[0]));
  CHECK(std::isnan(run1(OpType::Celu, {nan})[0]));
  CHECK(run1(OpType::ThresholdedRelu, {nan})[0] == 0.0f);
  // Large negative inputs saturate at -alpha (Elu), -gamma alpha (Selu), -alpha (Celu).
  CHECK(run1(OpType::Elu, {-200}, attrs({{"alpha", 0.5f}}))[0] == -0.5f);
  CHECK(run1(OpType::Celu, {-1e6f}, attrs({{"alpha", 3.0f}}))[0] == -3.0f);
}

TEST_CASE("elu family: bad attributes are load errors naming the node") {
  CHECK(contains(load_error(OpType::Celu, {{3}}, attrs({{"alpha", 0.0f}})), "alpha must not be 0"));
  CHECK(contains(load_error(OpType::Elu, {{3}}, attrs({{"alpha", std::numeric_limits<float>::infinity()}})),
                 "alpha must be finite"));
  CHECK(contains(load_error(OpType::Selu, {{3}}, attrs({{"gamma", std::numeric_limits<float>::quiet_NaN()}})),
                 "gamma must be finite"));
  GraphBuilder b;
  const int x = b.input("x", DType::I64, Shape{3});
  b.output(b.node(OpType::Elu, "elu_i64", {x}));
  CHECK_THROWS_WITH_AS(b.build(), doctest::Contains("elu_i64"), vigil::Error);
}

TEST_CASE("onnx import: Elu, Selu, Celu, ThresholdedRelu keep their attributes and ONNX defaults") {
  using namespace vigil::test;
  using vigil::test::import;
  auto run_onnx = [](const std::string& op, std::vector<Pb> attributes, float x) {
    GraphSpec g;
    g.inputs.push_back(value_info("x", kFloat, {1}));
    g.outputs.push_back(value_info("y", kFloat, {1}));
    g.nodes.push_back(node(op, {"x"}, {"y"}, "act", std::move(attributes)));
    Engine engine(import(g, 13));
    ExecutionContext ctx(engine);
    ctx.input("x").f32()[0] = x;
    ctx.run();
    return ctx.output("y").f32()[0];
  };
  CHECK(run_onnx("Elu", {}, -1) == static_cast<float>(std::exp(-1.0) - 1));
  CHECK(run_onnx("Elu", {attr_f("alpha", 3)}, -1) == static_cast<float>(3 * (std::exp(-1.0) - 1)));
  CHECK(run_onnx("Selu", {}, 1) == 1.05070102214813232421875f);
  CHECK(run_onnx("Selu", {attr_f("gamma", 2)}, -1) ==
        static_cast<float>(2 * 1.67326319217681884765625 * (std::exp(-1.0) - 1)));
  CHECK(run_onnx("Celu", {attr_f("alpha", 2)}, -1) == static_cast<float>(2 * (std::exp(-0.5) - 1)));
  CHECK(run_onnx("ThresholdedRelu", {}, 1) == 0.0f);
  CHECK(run_onnx("ThresholdedRelu", {attr_f("alpha", 0.5f)}, 0.75f) == 0.75f);

  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2}));
  g.outputs.push_back(value_info("y", kFloat, {2}));
  g.nodes = {node("Celu", {"x"}, {"y"}, "celu0", {attr_f("alpha", 0)})};
  CHECK(contains(import_error(g), "node 'celu0' (Celu, opset 13): alpha must not be 0"));
  g.nodes = {node("Elu", {"x"}, {"y"}, "elu1", {attr_i("consumed_inputs", 1)})};
  CHECK(contains(import_error(g), "attribute 'consumed_inputs' is not supported"));
  g.nodes = {node("Selu", {"x"}, {"y"}, "selu1", {attr_f("alpha", std::numeric_limits<float>::infinity())})};
  CHECK(contains(import_error(g), "alpha and gamma must be finite"));
}
