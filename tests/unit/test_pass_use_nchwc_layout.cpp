// use_nchwc_layout: runs of depthwise and pointwise convs move into NCHWc with conversions only at their edges.
// The moved graph must compute what the NCHW graph computes (the same ops, other kernels: float sums in
// another order), on every kernel path, block size and thread count; which nodes move, where the
// conversions go, and the new ops' shape errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/audit.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/use_nchwc_layout.h"
#include "graph_query_support.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

Attributes conv_attrs(int64_t k, int64_t stride, int64_t group, const char* act) {
  Attributes a;
  a.set("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2});
  a.set("strides", std::vector<int64_t>{stride, stride});
  a.set("group", group);
  if (act) a.set("activation", std::string(act));
  if (act && std::string(act) == "clip") {
    a.set("activation_alpha", 0.0f);
    a.set("activation_beta", 6.0f);
  }
  return a;
}

int conv(GraphBuilder& gb, std::mt19937& rng, const std::string& name, int x, int64_t cin, int64_t cout, int64_t k,
         int64_t stride = 1, int64_t group = 1, const char* act = nullptr) {
  const int64_t n = cout * (cin / group) * k * k;
  const float scale = 1.5f / std::sqrt(static_cast<float>(cin / group * k * k));
  const int w = gb.constant(name + ".w", Tensor::from_f32({cout, cin / group, k, k},
                                                          random_values(static_cast<size_t>(n), rng, -scale, scale)));
  const int b =
      gb.constant(name + ".b", Tensor::from_f32({cout}, random_values(static_cast<size_t>(cout), rng, -0.2f, 0.2f)));
  return gb.node(OpType::Conv2d, name, {x, w, b}, conv_attrs(k, stride, group, act));
}

// A small mobile network with channel counts that no block divides: a stem reading the image, inverted
// residual blocks (expand 1x1, depthwise 3x3 / 5x5 stride 2, project 1x1, residual Add), squeeze-and-
// excitation (GlobalAveragePool, two 1x1 convs on one pixel, HardSigmoid, Mul), a Concat, then the head
// (GlobalAveragePool -> Flatten -> Gemm) outside the run. `mid_output` also makes a value inside the run a
// graph output.
Graph mobile_net(unsigned seed, bool mid_output) {
  std::mt19937 rng(seed);
  GraphBuilder gb;
  const int img = gb.input("img", DType::F32, {2, 3, 21, 18});
  const int stem = conv(gb, rng, "stem", img, 3, 20, 3, 2, 1, "clip");       // 20 x 11x9
  const int dw1 = conv(gb, rng, "dw1", stem, 20, 20, 3, 1, 20, "clip");      // depthwise
  const int p1 = conv(gb, rng, "p1", dw1, 20, 12, 1);                        // project
  const int e2 = conv(gb, rng, "e2", p1, 12, 36, 1, 1, 1, "hard_swish");     // expand
  const int dw2 = conv(gb, rng, "dw2", e2, 36, 36, 5, 2, 36, "hard_swish");  // 36 x 6x5
  const int se_pool = gb.node(OpType::GlobalAveragePool, "se_pool", {dw2});
  const int se_a = conv(gb, rng, "se_a", se_pool, 36, 9, 1, 1, 1, "relu");
  const int se_b = conv(gb, rng, "se_b", se_a, 9, 36, 1);
  Attributes hs;
  hs.set("alpha", 0.2f);
  hs.set("beta", 0.5f);
  const int gate = gb.node(OpType::HardSigmoid, "se_gate", {se_b}, hs);
  const int scaled = gb.node(OpType::Mul, "se_mul", {dw2, gate});
  const int p2 = conv(gb, rng, "p2", scaled, 36, 12, 1);
  const int e3 = conv(gb, rng, "e3", p2, 12, 32, 1, 1, 1, "relu");
  const int dw3 = conv(gb, rng, "dw3", e3, 32, 32, 3, 1, 32, "relu");
  const int p3 = conv(gb, rng, "p3", dw3, 32, 12, 1);
  const int res = gb.node(OpType::Add, "res", {p3, p2});
  const std::vector<float> half_value = {0.5f};
  const int half = gb.constant("half", Tensor::from_f32({1}, half_value));
  const int damped = gb.node(OpType::Mul, "damp", {res, half});
  Attributes axis;
  axis.set("axis", int64_t{1});
  const int cat = gb.node(OpType::Concat, "cat", {damped, e3}, axis);  // 12 + 32: no block divides 12
  const int e4 = conv(gb, rng, "e4", cat, 44, 48, 1, 1, 1, "relu");
  const int dw4 = conv(gb, rng, "dw4", e4, 48, 48, 3, 1, 48);
  const int pool = gb.node(OpType::GlobalAveragePool, "pool", {dw4});
  const int flat = gb.node(OpType::Flatten, "flat", {pool});
  const int fc_w = gb.constant("fc.w", Tensor::from_f32({48, 5}, random_values(48 * 5, rng)));
  Attributes none;
  gb.output(gb.node(OpType::Gemm, "fc", {flat, fc_w}, none));
  if (mid_output) gb.output(dw2);
  return gb.build();
}

std::vector<std::vector<float>> run(const Graph& g, KernelPath path, int64_t block, int threads) {
  EngineOptions options;
  options.path = path;
  options.nchwc_block = block;
  return run_graph(g, options, threads, 7);
}

// |got - want| <= 2e-5 * max|want| + 1e-5 * |want|: float sums in another order through a dozen layers.
void check_close(const std::vector<std::vector<float>>& got, const std::vector<std::vector<float>>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t o = 0; o < got.size(); ++o) {
    REQUIRE(got[o].size() == want[o].size());
    float scale = 0;
    for (float v : want[o]) scale = std::max(scale, std::fabs(v));
    REQUIRE(scale > 0);
    for (size_t i = 0; i < got[o].size(); ++i) {
      INFO("output ", o, " element ", i);
      REQUIRE(std::isfinite(got[o][i]));
      CHECK(std::fabs(got[o][i] - want[o][i]) <= 2e-5f * scale + 1e-5f * std::fabs(want[o][i]));
    }
  }
}

Graph moved(Graph g, int64_t block) {
  Engine engine(std::move(g), [&] {
    EngineOptions o;
    o.path = KernelPath::Reference;
    o.nchwc_block = block;
    return o;
  }());
  return engine.graph();
}

}  // namespace

TEST_CASE("use_nchwc_layout moves a mobile network's convs and leaves its head in NCHW") {
  const Graph g = moved(mobile_net(1, false), 16);
  // 13 convs move; the stem reads the image, and e4 the Concat, in NCHW (x_plain), without a conversion.
  CHECK(count_op(g, OpType::Conv2d) == 0);
  CHECK(count_op(g, OpType::Conv2dNchwc) == 13);
  CHECK(count_op(g, OpType::GlobalAveragePoolNchwc) == 2);
  CHECK(count_op(g, OpType::GlobalAveragePool) == 0);
  int plain = 0;
  for (const Node& n : g.nodes)
    if (n.op == OpType::Conv2dNchwc) plain += n.attrs.get_int("x_plain", 0) == 1;
  CHECK(plain == 2);
  // The Concat of 12 + 32 channels cannot be a block Concat at block 16: its inputs go back to NCHW; the
  // pooled head goes back once for Flatten.
  CHECK(count_op(g, OpType::Concat) == 1);
  CHECK(count_op(g, OpType::FromNchwc) == 3);
  CHECK(count_op(g, OpType::ToNchwc) == 0);
  // At block 4 both Concat inputs divide: the Concat runs on the blocks, one conversion left (the head).
  const Graph g4 = moved(mobile_net(1, false), 4);
  CHECK(count_op(g4, OpType::FromNchwc) == 1);
  CHECK(count_op(g4, OpType::ToNchwc) == 0);
  CHECK(only_node(g4, OpType::Concat).attrs.get_int("axis", 0) == 1);
}

TEST_CASE("use_nchwc_layout computes what the NCHW graph computes on every path, block and thread count") {
  for (bool mid_output : {false, true}) {
    const Graph g = mobile_net(2, mid_output);
    const auto want = run(g, KernelPath::Reference, 0, 1);
    for (KernelPath path : supported_kernel_paths()) {
      std::vector<int64_t> blocks = {0, 1, 5, 8, 16};
      for (int64_t block : blocks)
        for (int threads : {1, 2}) {
          INFO("path ", kernel_path_name(path), " block ", block, " threads ", threads, " mid output ", mid_output);
          check_close(run(g, path, block, threads), want);
        }
    }
  }
}

TEST_CASE("use_nchwc_layout leaves runs without a depthwise conv, and Winograd convs, in NCHW") {
  std::mt19937 rng(3);
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 16, 14, 14});
  const int a = conv(gb, rng, "a", x, 16, 32, 1, 1, 1, "relu");
  const int b = conv(gb, rng, "b", a, 32, 16, 1);
  gb.output(gb.node(OpType::Add, "add", {b, x}));
  // A depthwise conv between two 3x3 stride-1 convs that Winograd computes (32 input channels: its
  // minimum): only the depthwise conv moves.
  const int y = gb.input("y", DType::F32, {1, 32, 14, 14});
  const int w1 = conv(gb, rng, "w1", y, 32, 32, 3);
  const int dw = conv(gb, rng, "dw", w1, 32, 32, 3, 1, 32);
  gb.output(conv(gb, rng, "w2", dw, 32, 32, 3));
  const Graph original = gb.build();
  const Graph g = moved(original, 16);
  CHECK(count_op(g, OpType::Conv2d) == 4);
  CHECK(count_op(g, OpType::Conv2dNchwc) == 1);
  CHECK(count_op(g, OpType::ToNchwc) == 1);
  CHECK(count_op(g, OpType::FromNchwc) == 1);
  for (KernelPath path : supported_kernel_paths()) check_close(run(original, path, 16, 2), run(original, path, 0, 2));
}

TEST_CASE("use_nchwc_layout keeps value names and converts each outside value once") {
  const Graph g = moved(mobile_net(4, true), 16);
  // The graph output inside the run keeps its name and NCHW shape, written by a FromNchwc.
  const int out = g.outputs[1];
  const Value& v = g.values[static_cast<size_t>(out)];
  CHECK(v.name == "dw2");
  CHECK(v.shape == Shape{2, 36, 6, 5});
  CHECK(g.nodes[static_cast<size_t>(v.producer)].op == OpType::FromNchwc);
  const int blocked = g.find_value("dw2@nchwc");
  REQUIRE(blocked >= 0);
  CHECK(g.values[static_cast<size_t>(blocked)].shape == Shape{2, 3, 6, 5, 16});
}

TEST_CASE("the NCHWc ops reject shapes that do not fit their attributes") {
  std::mt19937 rng(5);
  auto build = [&](Shape x_shape, int64_t block, int64_t x_plain, int64_t group) {
    GraphBuilder gb;
    const int x = gb.input("x", DType::F32, x_shape);
    const int w = gb.constant("w", Tensor::from_f32({8, 20 / group, 3, 3}, random_values(8 * 20 / group * 9, rng)));
    Attributes a = conv_attrs(3, 1, group, nullptr);
    a.set("block", block);
    a.set("x_plain", x_plain);
    gb.output(gb.node(OpType::Conv2dNchwc, "c", {x, w}, a));
    return gb.build();
  };
  CHECK_NOTHROW(build({1, 2, 5, 5, 16}, 16, 0, 1));
  CHECK_NOTHROW(build({1, 20, 5, 5}, 16, 1, 1));
  CHECK_THROWS_WITH(build({1, 3, 5, 5, 16}, 16, 0, 1),
                    doctest::Contains("input X [1,3,5,5,16] is not 20 channels (weight W [8,20,3,3], group 1) in "
                                      "blocks of 16"));
  CHECK_THROWS_WITH(build({1, 2, 5, 5, 8}, 16, 0, 1), doctest::Contains("in blocks of 16"));
  CHECK_THROWS_WITH(build({1, 2, 5, 5, 16}, 0, 0, 1), doctest::Contains("block 0 must be in 1..64"));
  CHECK_THROWS_WITH(build({1, 20, 5, 5}, 16, 2, 1), doctest::Contains("x_plain must be 0 or 1"));
  CHECK_THROWS_WITH(build({1, 2, 5, 5, 16}, 16, 0, 2), doctest::Contains("neither 1 nor depthwise"));
  CHECK_THROWS_WITH(build({1, 2, 5, 5, 16}, 16, 1, 1), doctest::Contains("input X"));

  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 2, 4, 4, 16});
  Attributes a;
  a.set("channels", int64_t{33});
  gb.output(gb.node(OpType::FromNchwc, "from", {x}, a));
  CHECK_THROWS_WITH(gb.build(), doctest::Contains("input X [1,2,4,4,16] is not 33 channels in blocks of 16"));
}

TEST_CASE(
    "use_nchwc_layout: the audit judges every NCHWc vector kernel against its plain loops, padding lanes included") {
  // The baseline (reference path) runs the same NCHWc nodes with the candidate's block; the squeeze-and-
  // excitation conv's HardSigmoid puts 0.5 in its padding lanes (36 channels), which both paths must agree on.
  const Graph g = mobile_net(6, false);
  std::map<std::string, Tensor> inputs;
  std::mt19937 rng(6);
  for (int v : g.inputs) {
    const Value& val = g.values[static_cast<size_t>(v)];
    inputs[val.name] = Tensor::from_f32(val.shape, random_values(static_cast<size_t>(val.shape.numel()), rng));
  }
  for (KernelPath path : supported_kernel_paths()) {
    if (default_nchwc_block(path) == 0) continue;
    CAPTURE(kernel_path_name(path));
    AuditOptions o;
    o.candidate = path;
    const AuditReport r = audit_graph(g, inputs, o);
    int nchwc = 0;
    for (const AuditNode& n : r.nodes) nchwc += n.op == OpType::Conv2dNchwc;
    CHECK(nchwc == 13);
    CHECK(r.passed());
  }
}
