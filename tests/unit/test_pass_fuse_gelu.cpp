// fuse_gelu: nn.GELU as PyTorch exports it before opset 20 (Div by sqrt 2 or Mul by 1/sqrt 2, Erf, Add 1, Mul by x
// and by 0.5 in either grouping and operand order) becomes one Gelu node. Checked: the fused graph (one Gelu named
// after the last Mul, writing its value, four names in "fused_values"); on every kernel path the fused output
// against x/2 (1 + erf(x / sqrt 2)) in double rounded once (the vector Gelu's 1 ulp) and against the unfused float
// chain within that chain's own rounding; and the near misses (an intermediate read elsewhere or a graph output,
// other constants, another multiplicand, swapped Div operands, a broadcasting constant) left as they were.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/fuse_gelu.h"
#include "graph_query_support.h"
#include "tests/unit/graph_run_support.h"
#include "tests/unit/ulps_apart.h"

using namespace vigil;
using namespace vigil::test;

namespace {

struct GeluChain {
  Shape shape{3, 5, 37};
  int scale = 0;           // 0: Div(x, sqrt 2), 1: Mul(x, 1/sqrt 2), 2: Mul(1/sqrt 2, x)
  bool one_first = false;  // Add(1, e)
  bool half_last = true;   // (x * a) * 0.5; else (x * 0.5) * a
  bool swap_x = false;     // Mul(a, x) / Mul(0.5, x)
  bool swap_half = false;  // Mul(0.5, p) / Mul(a, h)
  // Near misses.
  float sqrt2 = 1.41421356f, inv_sqrt2 = 0.707106781f, one = 1.0f, half = 0.5f;
  Shape constant_shape{};
  bool other_multiplicand = false;  // Mul(z, a) with z another input
  bool swap_div = false;            // Div(sqrt 2, x)
  std::string extra_reader, graph_output;
};

Graph build(const GeluChain& c) {
  GraphBuilder b;
  const int x = b.input("x", DType::F32, c.shape);
  const int z = c.other_multiplicand ? b.input("z", DType::F32, c.shape) : x;
  auto constant = [&](const char* name, float v) {
    return b.constant(
        name, Tensor::from_f32(c.constant_shape, std::vector<float>(static_cast<size_t>(c.constant_shape.numel()), v)));
  };
  std::map<std::string, int> v;
  if (c.scale == 0) {
    const int r2 = constant("sqrt2", c.sqrt2);
    v["u"] = b.node(OpType::Div, "div", c.swap_div ? std::vector<int>{r2, x} : std::vector<int>{x, r2});
  } else {
    const int h2 = constant("inv_sqrt2", c.inv_sqrt2);
    v["u"] = b.node(OpType::Mul, "scale", c.scale == 1 ? std::vector<int>{x, h2} : std::vector<int>{h2, x});
  }
  v["e"] = b.node(OpType::Erf, "erf", {v["u"]});
  const int one = constant("one", c.one);
  v["a"] = b.node(OpType::Add, "add", c.one_first ? std::vector<int>{one, v["e"]} : std::vector<int>{v["e"], one});
  const int half = constant("half", c.half);
  int y;
  if (c.half_last) {
    v["p"] = b.node(OpType::Mul, "mul_x", c.swap_x ? std::vector<int>{v["a"], z} : std::vector<int>{z, v["a"]});
    y = b.node(OpType::Mul, "mul_half", c.swap_half ? std::vector<int>{half, v["p"]} : std::vector<int>{v["p"], half});
  } else {
    v["p"] = b.node(OpType::Mul, "mul_half", c.swap_x ? std::vector<int>{half, z} : std::vector<int>{z, half});
    y = b.node(OpType::Mul, "mul_a", c.swap_half ? std::vector<int>{v["a"], v["p"]} : std::vector<int>{v["p"], v["a"]});
  }
  b.output(y);
  if (!c.extra_reader.empty()) b.output(b.node(OpType::Neg, "other_reader", {v.at(c.extra_reader)}));
  if (!c.graph_output.empty()) b.output(v.at(c.graph_output));
  return b.build();
}

std::vector<float> run(const Graph& g, KernelPath path, bool optimize, std::vector<float>* x_out) {
  EngineOptions options;
  options.path = path;
  options.optimize = optimize;
  Engine engine(g, options);
  ExecutionContext ctx(engine, 1);
  std::mt19937 rng(3);
  TensorView in = ctx.input(0);
  auto x = random_values(static_cast<size_t>(in.numel()), rng, -6.0f, 6.0f);
  x[0] = 0.0f;
  x[1] = -0.0f;
  x[2] = 40.0f;
  x[3] = -40.0f;
  std::copy(x.begin(), x.end(), in.f32());
  if (engine.graph().inputs.size() > 1) std::copy(x.begin(), x.end(), ctx.input(1).f32());
  ctx.run();
  if (x_out) *x_out = x;
  const TensorView y = ctx.output(0);
  return {y.f32(), y.f32() + y.numel()};
}

bool untouched(const Graph& original) {
  Graph g = original;
  fuse_gelu(g);
  return count_op(g, OpType::Gelu) == 0 && g.nodes.size() == original.nodes.size();
}

}  // namespace

TEST_CASE("fuse_gelu: the exported GELU in every grouping and operand order becomes one Gelu") {
  for (int k = 0; k < 48; ++k) {
    GeluChain c;
    c.scale = k % 3;
    c.one_first = k / 3 % 2;
    c.half_last = k / 6 % 2;
    c.swap_x = k / 12 % 2;
    c.swap_half = k / 24 % 2;
    CAPTURE(k);
    const Graph g = build(c);
    Graph fused = g;
    fuse_gelu(fused);
    REQUIRE(fused.nodes.size() == 1);
    const Node& gelu = fused.nodes[0];
    CHECK(gelu.op == OpType::Gelu);
    CHECK(gelu.name == (c.half_last ? "mul_half" : "mul_a"));
    CHECK(fused.values[static_cast<size_t>(gelu.outputs[0])].name == g.values[static_cast<size_t>(g.outputs[0])].name);
    CHECK(gelu.attrs.get_strings("fused_values").size() == 4);
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(kernel_path_name(path));
      std::vector<float> x;
      const auto got = run(g, path, true, &x);
      const auto chain = run(g, path, false, nullptr);
      int64_t worst_ulps = 0;
      int bad_chain = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const double v = x[i];
        const float want = static_cast<float>(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
        worst_ulps = std::max(worst_ulps, ulps_apart(got[i], want));
        // The chain rounds erf (|erf| <= 1: 2^-24 absolute), 1 + erf, and two products: |x|/2 * 3 * 2^-24 plus
        // 2 * 2^-24 * |y| is below 3e-7 * (1 + |x|).
        bad_chain += !(std::fabs(chain[i] - got[i]) <= 3e-7 * (1 + std::fabs(v)));
      }
      CHECK(worst_ulps <= 1);
      CHECK(bad_chain == 0);
      CHECK(std::signbit(got[1]));  // gelu(-0) = -0, as the chain gives
    }
  }
}

TEST_CASE("fuse_gelu: near misses are left alone") {
  auto near = [](auto change) {
    GeluChain c;
    change(c);
    return build(c);
  };
  CHECK(!untouched(build(GeluChain{})));
  for (const char* v : {"u", "e", "a", "p"}) {
    CAPTURE(v);
    CHECK(untouched(near([&](GeluChain& c) { c.extra_reader = v; })));
    CHECK(untouched(near([&](GeluChain& c) { c.graph_output = v; })));
    CHECK(untouched(near([&](GeluChain& c) {  // the other grouping: p is x * 0.5
      c.half_last = false;
      c.extra_reader = v;
    })));
  }
  CHECK(untouched(near([](GeluChain& c) { c.sqrt2 = 1.4142f; })));
  CHECK(untouched(near([](GeluChain& c) {
    c.scale = 1;
    c.inv_sqrt2 = 0.7071f;
  })));
  CHECK(untouched(near([](GeluChain& c) { c.one = 2.0f; })));
  CHECK(untouched(near([](GeluChain& c) { c.half = 0.25f; })));
  CHECK(untouched(near([](GeluChain& c) {
    c.half_last = false;
    c.half = 0.25f;
  })));
  CHECK(untouched(near([](GeluChain& c) { c.other_multiplicand = true; })));
  CHECK(untouched(near([](GeluChain& c) {
    c.half_last = false;
    c.other_multiplicand = true;
  })));
  CHECK(untouched(near([](GeluChain& c) { c.swap_div = true; })));
  CHECK(untouched(near([](GeluChain& c) { c.constant_shape = Shape{1, 1, 1, 1}; })));  // adds a dim
  CHECK(untouched(near([](GeluChain& c) { c.constant_shape = Shape{37}; })));          // not one element
}
