// fuse_silu: Sigmoid(x) then Mul(x, s) (either operand order) becomes one Silu node. Checked: the graph's
// shape (one Silu named after the Mul, writing the Mul's value, the sigmoid's value in "fused_values"),
// the outputs on every kernel path against x * sigmoid(x) computed in double from the same inputs (within the
// vector silu's 3 ulp, docs/KERNELS.md), the pairs left alone (the sigmoid read elsewhere or a graph output,
// a broadcasting Mul, a sigmoid of another value), and that after a Conv3d + BatchNorm the Silu ends up as
// the conv's fused activation (X3D's Swish).
#include <doctest/doctest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/fuse_silu.h"
#include "graph_query_support.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

std::vector<std::vector<float>> run_all(const Graph& g, KernelPath path, bool optimize, unsigned seed) {
  EngineOptions options;
  options.path = path;
  options.optimize = optimize;
  return test::run_graph(g, options, 1, seed);
}

double ulp_of(double v) {
  const float a = std::fabs(static_cast<float>(v));
  return static_cast<double>(std::nextafter(a, INFINITY) - a);
}

}  // namespace

TEST_CASE(
    "fuse_silu: Sigmoid + Mul in both operand orders become Silu nodes, names kept, x * sigmoid(x) within 3 ulp") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {2, 3, 4, 5});
  const int s1 = gb.node(OpType::Sigmoid, "sig1", {x});
  const int y1 = gb.node(OpType::Mul, "mul1", {x, s1});
  const int s2 = gb.node(OpType::Sigmoid, "sig2", {y1});
  const int y2 = gb.node(OpType::Mul, "mul2", {s2, y1});  // sigmoid first
  gb.output(y2);
  const Graph original = gb.build();

  Graph fused = original;
  fuse_silu(fused);
  REQUIRE(fused.nodes.size() == 2);
  CHECK(count_op(fused, OpType::Sigmoid) == 0);
  CHECK(count_op(fused, OpType::Mul) == 0);
  for (int k = 0; k < 2; ++k) {
    const Node& n = fused.nodes[static_cast<size_t>(k)];
    const std::string mul = k == 0 ? "mul1" : "mul2", sig = k == 0 ? "sig1" : "sig2";
    CHECK(n.op == OpType::Silu);
    CHECK(n.name == mul);
    CHECK(fused.values[static_cast<size_t>(n.outputs[0])].name == mul);
    CHECK(n.attrs.get_strings("fused_values") == std::vector<std::string>{sig});
    CHECK(fused.find_value(sig) < 0);
  }
  CHECK(fused.nodes[1].inputs[0] == fused.nodes[0].outputs[0]);
  CHECK(fused.values[static_cast<size_t>(fused.outputs[0])].name == "mul2");

  // The inputs run_graph feeds (its seeded random_values), to compute silu(silu(x)) in double.
  const unsigned seed = 7;
  std::mt19937 rng(seed);
  const std::vector<float> in = random_values(2 * 3 * 4 * 5, rng);
  auto silu = [](double v) { return v / (1.0 + std::exp(-v)); };
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const auto got = run_all(original, path, true, seed);
    const auto pair = run_all(original, path, false, seed);
    REQUIRE(got.size() == 1);
    int bad = 0, bad_pair = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      // The second silu reads the first one's float output (each path's own, so errors do not compound).
      const double first = silu(static_cast<double>(in[i]));
      const double want = silu(static_cast<double>(static_cast<float>(first)));
      // Each silu within 3 ulp: the second one's input may be 3 ulp off; silu' <= 1.1, so allow 3 + 4 ulp.
      bad += !(std::fabs(got[0][i] - want) <= 7 * ulp_of(want) + FLT_MIN);
      bad_pair += !(std::fabs(pair[0][i] - want) <= 7 * ulp_of(want) + FLT_MIN);
    }
    CHECK(bad == 0);
    CHECK(bad_pair == 0);
  }
}

TEST_CASE("fuse_silu: pairs that are not x * sigmoid(x) of one value, or whose sigmoid is needed, stay") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 4, 3, 3});
  const int z = gb.input("z", DType::F32, {1, 4, 3, 3});
  const int c = gb.input("c", DType::F32, {1, 4, 1, 1});
  // The sigmoid also read by an Add.
  const int s1 = gb.node(OpType::Sigmoid, "sig_shared", {x});
  const int m1 = gb.node(OpType::Mul, "mul_shared", {x, s1});
  gb.output(gb.node(OpType::Add, "add", {m1, s1}));
  // The sigmoid is a graph output.
  const int s2 = gb.node(OpType::Sigmoid, "sig_out", {x});
  gb.output(s2);
  gb.output(gb.node(OpType::Mul, "mul_out", {s2, x}));
  // Mul of another value and a sigmoid (x * sigmoid(z)).
  const int s3 = gb.node(OpType::Sigmoid, "sig_other", {z});
  gb.output(gb.node(OpType::Mul, "mul_other", {x, s3}));
  // Broadcasting: c * sigmoid(c) has c's shape, but here sigmoid(c) scales x (the SE gate); and
  // sigmoid(x) times a broadcast c.
  const int s4 = gb.node(OpType::Sigmoid, "sig_gate", {c});
  gb.output(gb.node(OpType::Mul, "mul_gate", {x, s4}));
  Graph g = gb.build();
  const size_t before = g.nodes.size();
  fuse_silu(g);
  CHECK(g.nodes.size() == before);
  CHECK(count_op(g, OpType::Silu) == 0);
}

TEST_CASE("fuse_silu: Conv3d + BatchNorm + x * sigmoid(x) (X3D's Swish) becomes one Conv3d with a silu activation") {
  std::mt19937 rng(3);
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 6, 4, 7, 7});
  const int w = gb.constant("dw.w", Tensor::from_f32({6, 1, 3, 3, 3}, random_values(6 * 27, rng, -0.3f, 0.3f)));
  Attributes a;
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1, 1, 1});
  a.set("group", int64_t{6});
  const int conv = gb.node(OpType::Conv3d, "dw", {x, w}, a);
  std::vector<int> bn_in{conv};
  for (const char* p : {"scale", "bias", "mean", "var"})
    bn_in.push_back(
        gb.constant(std::string("bn.") + p,
                    Tensor::from_f32({6}, random_values(6, rng, std::string(p) == "var" ? 0.5f : -1.0f, 1.0f))));
  const int bn = gb.node(OpType::BatchNorm, "bn", bn_in);
  const int s = gb.node(OpType::Sigmoid, "swish_sig", {bn});
  gb.output(gb.node(OpType::Mul, "swish", {bn, s}));
  const Graph original = gb.build();
  Engine engine(original, EngineOptions{});
  REQUIRE(engine.graph().nodes.size() == 1);
  const Node& n = engine.graph().nodes[0];
  CHECK(n.op == OpType::Conv3d);
  CHECK(n.attrs.get_string("activation", "") == "silu");
  CHECK(engine.graph().values[static_cast<size_t>(n.outputs[0])].name == "swish");
  // Same outputs as the unoptimised graph on the reference path, within float rounding of the folded BN.
  const auto want = run_all(original, KernelPath::Reference, false, 11);
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const auto got = run_all(original, path, true, 11);
    int bad = 0;
    for (size_t i = 0; i < want[0].size(); ++i)
      bad += !(std::fabs(got[0][i] - want[0][i]) <= 1e-5 * (std::fabs(want[0][i]) + 1.0));
    CHECK(bad == 0);
  }
}

TEST_CASE("fuse_silu: HardSigmoid(alpha 1/6, beta 1/2) + Mul (MobileNetV3's hardswish) becomes HardSwish") {
  GraphBuilder gb;
  const int x0 = gb.input("x", DType::F32, {2, 3, 4, 5});
  const std::vector<float> five_value{5.0f};
  const int five = gb.constant("five", Tensor::from_f32({1}, five_value));
  const int x = gb.node(OpType::Mul, "spread", {x0, five});  // [-5, 5]: both clamped ends and the ramp
  Attributes gate;
  gate.set("alpha", 1.0f / 6.0f);  // as PyTorch exports it (beta: ONNX's default 0.5)
  const int s1 = gb.node(OpType::HardSigmoid, "hs1", {x}, gate);
  const int y1 = gb.node(OpType::Mul, "hswish1", {x, s1});
  gate.set("beta", 0.5f);
  const int s2 = gb.node(OpType::HardSigmoid, "hs2", {y1}, gate);
  gb.output(gb.node(OpType::Mul, "hswish2", {s2, y1}));  // gate first
  const Graph original = gb.build();

  Graph fused = original;
  fuse_silu(fused);
  CHECK(count_op(fused, OpType::HardSigmoid) == 0);
  CHECK(count_op(fused, OpType::HardSwish) == 2);
  CHECK(count_op(fused, OpType::Mul) == 1);  // the spreading Mul stays
  for (const Node& n : fused.nodes)
    if (n.op == OpType::HardSwish) CHECK(n.attrs.get_strings("fused_values").size() == 1);

  const unsigned seed = 11;
  std::mt19937 rng(seed);
  const std::vector<float> in = random_values(2 * 3 * 4 * 5, rng);
  auto hswish = [](double v) { return v * std::clamp(v / 6.0 + 0.5, 0.0, 1.0); };
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const auto got = run_all(original, path, true, seed);
    const auto pair = run_all(original, path, false, seed);
    int bad = 0, bad_pair = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      const double first = hswish(static_cast<double>(in[i] * 5.0f));
      const double want = hswish(static_cast<double>(static_cast<float>(first)));
      // The fused HardSwish rounds once: within 2 ulp per hardswish; the second reads the first's float (up
      // to 2 ulp off) with a slope <= 1.5: allow 2 + 3 ulp. The pair rounds the gate alpha * x + 1/2 (alpha
      // itself is float(1/6)) before the product: near x = -3, where the gate cancels to ~0, that is an
      // absolute error of up to ~|x| * 2^-23 in each result, carried into the second with slope <= 1.5.
      const double x1 = std::fabs(static_cast<double>(in[i]) * 5.0), x2 = std::fabs(first);
      bad += !(std::fabs(got[0][i] - want) <= 5 * ulp_of(want) + FLT_MIN);
      bad_pair +=
          !(std::fabs(pair[0][i] - want) <= 5 * ulp_of(want) + (1.5 * x1 + x2) * std::ldexp(1.0, -23) + FLT_MIN);
    }
    CHECK(bad == 0);
    CHECK(bad_pair == 0);
  }
}

TEST_CASE("fuse_silu: HardSigmoid gates that are not hardswish's stay") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 4, 3, 3});
  const int z = gb.input("z", DType::F32, {1, 4, 3, 3});
  Attributes default_gate;  // alpha 0.2: not hardswish
  gb.output(gb.node(OpType::Mul, "m1", {x, gb.node(OpType::HardSigmoid, "h1", {x}, default_gate)}));
  Attributes beta;
  beta.set("alpha", 1.0f / 6.0f);
  beta.set("beta", 0.6f);
  gb.output(gb.node(OpType::Mul, "m2", {x, gb.node(OpType::HardSigmoid, "h2", {x}, beta)}));
  Attributes sixth;
  sixth.set("alpha", 1.0f / 6.0f);
  gb.output(gb.node(OpType::Mul, "m3", {x, gb.node(OpType::HardSigmoid, "h3", {z}, sixth)}));  // gate of z
  Graph g = gb.build();
  const size_t before = g.nodes.size();
  fuse_silu(g);
  CHECK(g.nodes.size() == before);
  CHECK(count_op(g, OpType::HardSwish) == 0);
}
