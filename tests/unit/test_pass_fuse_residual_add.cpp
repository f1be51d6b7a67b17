// fuse_residual_add: Conv2d -> Add(conv, R) becomes one Conv2d with a residual input. On every kernel path
// (the packed GEMM adds R in its epilogue; Winograd, depthwise and the reference add it after) and at 1 and
// 2 threads the fused graph gives the unfused graph's outputs bit for bit: both round act(conv) to float and
// then add R in float; ResNet's conv -> Add -> activation (R added before the activation) likewise. Also:
// which Adds are left alone, the names, and that the other passes leave a residual conv's formula intact.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/ops/activation_attrs.h"
#include "engine/passes/fold_batch_norm.h"
#include "graph_query_support.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using test::random_values;

std::vector<std::vector<float>> run_all(const Graph& g, KernelPath path, bool optimize, int threads) {
  EngineOptions options;
  options.path = path;
  options.optimize = optimize;
  options.nchwc_block = 0;  // the NCHW kernels of both graphs (use_nchwc_layout has its own test)
  return test::run_graph(g, options, threads, 99);
}

const Node* find_node(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

Attributes conv_attrs(int64_t k, int64_t stride = 1, int64_t group = 1, const char* act = nullptr) {
  Attributes a;
  a.set("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2});
  a.set("strides", std::vector<int64_t>{stride, stride});
  a.set("group", group);
  if (act) a.set("activation", std::string(act));
  if (act && std::string(act) == "leaky_relu") a.set("activation_alpha", 0.1f);
  return a;
}

int conv(GraphBuilder& gb, std::mt19937& rng, const std::string& name, int x, int64_t cin, int64_t cout, int64_t k,
         int64_t stride = 1, int64_t group = 1, const char* act = nullptr) {
  const int64_t n = cout * (cin / group) * k * k;
  const int w =
      gb.constant(name + ".w", Tensor::from_f32({cout, cin / group, k, k}, random_values(n, rng, -0.3f, 0.3f)));
  const int b = gb.constant(name + ".b", Tensor::from_f32({cout}, random_values(static_cast<size_t>(cout), rng)));
  return gb.node(OpType::Conv2d, name, {x, w, b}, conv_attrs(k, stride, group, act));
}

// Residual blocks over every conv kernel family, batch 2: a 1x1 (packed GEMM) with LeakyReLU, a 3x3 at 12x12
// (Winograd) with ReLU whose conv is the Add's second operand and whose output, read only by a channel Concat,
// is written straight into it (a strided batch view), a depthwise 3x3, a wide stride-2 first layer (the
// direct kernel), and two convs added to each other.
Graph residual_blocks(std::mt19937& rng) {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {2, 16, 12, 12});
  const int a = gb.node(OpType::Add, "add_gemm", {conv(gb, rng, "c_gemm", x, 16, 16, 1, 1, 1, "leaky_relu"), x});
  const int b = gb.node(OpType::Add, "add_wino", {a, conv(gb, rng, "c_wino", a, 16, 16, 3, 1, 1, "relu")});
  const int d = gb.node(OpType::Add, "add_dw", {conv(gb, rng, "c_dw", a, 16, 16, 3, 1, 16), a});
  Attributes axis;
  axis.set("axis", int64_t{1});
  gb.output(gb.node(OpType::Relu, "after_cat", {gb.node(OpType::Concat, "cat", {b, d}, axis)}));
  const int img = gb.input("img", DType::F32, {1, 3, 64, 64});
  const int r = gb.input("r", DType::F32, {1, 16, 32, 32});
  gb.output(gb.node(OpType::Add, "add_direct", {conv(gb, rng, "c_direct", img, 3, 16, 3, 2, 1, "leaky_relu"), r}));
  const int p = conv(gb, rng, "c_p", r, 16, 8, 1);
  const int q = conv(gb, rng, "c_q", r, 16, 8, 3);
  gb.output(gb.node(OpType::Add, "add_pair", {p, q}));
  return gb.build();
}

// ResNet's conv -> Add -> activation over every conv kernel family, batch 2: the Add carries the activation
// (fuse_activations put it there), the convs have none. A 1x1 (packed GEMM), a 3x3 at 12x12 (Winograd, the
// Add's second operand, written into a Concat as a strided batch view), a depthwise 3x3 with LeakyReLU, a
// wide stride-2 first layer (the direct kernel) with Sigmoid (a non-piecewise vector activation), and a 3x3
// at 5x5 (the GEMM with im2col).
Graph resnet_blocks(std::mt19937& rng) {
  GraphBuilder gb;
  auto act = [](const char* kind) {
    Attributes a;
    a.set("activation", std::string(kind));
    if (std::string(kind) == "leaky_relu") a.set("activation_alpha", 0.1f);
    return a;
  };
  const int x = gb.input("x", DType::F32, {2, 16, 12, 12});
  const int a = gb.node(OpType::Add, "add_gemm", {conv(gb, rng, "c_gemm", x, 16, 16, 1), x}, act("relu"));
  const int b = gb.node(OpType::Add, "add_wino", {a, conv(gb, rng, "c_wino", a, 16, 16, 3)}, act("relu"));
  const int d = gb.node(OpType::Add, "add_dw", {conv(gb, rng, "c_dw", a, 16, 16, 3, 1, 16), a}, act("leaky_relu"));
  Attributes axis;
  axis.set("axis", int64_t{1});
  gb.output(gb.node(OpType::Concat, "cat", {b, d}, axis));
  const int img = gb.input("img", DType::F32, {1, 3, 64, 64});
  const int r = gb.input("r", DType::F32, {1, 16, 32, 32});
  gb.output(gb.node(OpType::Add, "add_direct", {conv(gb, rng, "c_direct", img, 3, 16, 3, 2), r}, act("sigmoid")));
  const int small = gb.input("small", DType::F32, {1, 8, 5, 5});
  gb.output(gb.node(OpType::Add, "add_im2col", {conv(gb, rng, "c_im2col", small, 8, 8, 3), small}, act("relu")));
  return gb.build();
}

}  // namespace

TEST_CASE("fuse_residual_add: conv -> Add -> activation becomes one conv adding R before the activation") {
  std::mt19937 rng(5);
  Graph g = resnet_blocks(rng);
  fuse_residual_add(g);
  CHECK(count_op(g, OpType::Add) == 0);
  for (const char* name : {"c_gemm", "c_wino", "c_dw", "c_direct", "c_im2col"}) {
    CAPTURE(name);
    const Node* n = find_node(g, name);
    REQUIRE(n);
    REQUIRE(n->inputs.size() == 4);
    CHECK(n->attrs.get_int("residual_before_activation", 0) == 1);
    CHECK(ops::fused_activation(*n).kind != kernels::Activation::None);
  }
  CHECK(ops::fused_activation(*find_node(g, "c_dw")).kind == kernels::Activation::LeakyRelu);
  CHECK(ops::fused_activation(*find_node(g, "c_direct")).kind == kernels::Activation::Sigmoid);
}

TEST_CASE("fuse_residual_add: residual before the activation, fused and unfused agree bit for bit everywhere") {
  std::mt19937 rng(6);
  const Graph g = resnet_blocks(rng);
  for (KernelPath path : supported_kernel_paths())
    for (int threads : {1, 2}) {
      CAPTURE(kernel_path_name(path));
      CAPTURE(threads);
      const auto want = run_all(g, path, false, threads);
      const auto got = run_all(g, path, true, threads);
      REQUIRE(got.size() == want.size());
      for (size_t o = 0; o < got.size(); ++o) {
        CAPTURE(o);
        CHECK(got[o] == want[o]);
      }
    }
}

TEST_CASE("Conv2d: residual_before_activation needs a residual and is 0 or 1") {
  std::mt19937 rng(7);
  for (int64_t value : {int64_t{1}, int64_t{2}}) {
    GraphBuilder gb;
    const int x = gb.input("x", DType::F32, {1, 4, 6, 6});
    const int w = gb.constant("w", Tensor::from_f32({4, 4, 1, 1}, random_values(16, rng)));
    Attributes a = conv_attrs(1);
    a.set("residual_before_activation", value);
    const bool with_residual = value == 2;
    gb.output(gb.node(OpType::Conv2d, "bad", {x, w, kNoValue, with_residual ? x : kNoValue}, a));
    CHECK_THROWS_WITH_AS(Engine(gb.build()),
                         doctest::Contains(value == 1 ? "needs the residual input R" : "must be 0 or 1, got 2"), Error);
  }
}

TEST_CASE("fuse_residual_add: every residual Add goes into its conv, names and the residual input are right") {
  std::mt19937 rng(1);
  Graph g = residual_blocks(rng);
  fuse_residual_add(g);
  CHECK(count_op(g, OpType::Add) == 0);
  CHECK(count_op(g, OpType::Conv2d) == 6);
  const Node* wino = find_node(g, "c_wino");
  REQUIRE(wino);
  REQUIRE(wino->inputs.size() == 4);
  CHECK(g.values[static_cast<size_t>(wino->inputs[3])].name == "add_gemm");
  CHECK(g.values[static_cast<size_t>(wino->outputs[0])].name == "add_wino");
  CHECK(wino->attrs.get_strings("fused_values") == std::vector<std::string>{"c_wino"});
  // Of two convs the later one takes the other as its residual.
  const Node* q = find_node(g, "c_q");
  REQUIRE(q);
  REQUIRE(q->inputs.size() == 4);
  CHECK(g.values[static_cast<size_t>(q->inputs[3])].name == "c_p");
  CHECK(find_node(g, "c_p")->inputs.size() == 3);
}

TEST_CASE("fuse_residual_add: fused and unfused graphs agree bit for bit on every path and thread count") {
  std::mt19937 rng(2);
  const Graph g = residual_blocks(rng);
  for (KernelPath path : supported_kernel_paths())
    for (int threads : {1, 2}) {
      CAPTURE(kernel_path_name(path));
      CAPTURE(threads);
      Graph unfused_passes = g;  // the unfused graph gets the other passes by hand, so only the Adds differ
      fuse_activations(unfused_passes);
      const auto want = run_all(unfused_passes, path, false, threads);
      const auto got = run_all(g, path, true, threads);
      REQUIRE(got.size() == want.size());
      for (size_t o = 0; o < got.size(); ++o) {
        CAPTURE(o);
        CHECK(got[o] == want[o]);
      }
    }
}

TEST_CASE("fuse_residual_add: Adds it must leave alone") {
  std::mt19937 rng(3);
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 4, 6, 6});
  Attributes relu;
  relu.set("activation", std::string("relu"));
  // relu(leaky(conv) + x): the conv's own activation comes before the residual, the Add's after it.
  gb.output(gb.node(OpType::Add, "act_add", {conv(gb, rng, "c1", x, 4, 4, 1, 1, 1, "leaky_relu"), x}, relu));
  const int bias = gb.input("bias", DType::F32, {1, 4, 1, 1});
  gb.output(gb.node(OpType::Add, "broadcast", {conv(gb, rng, "c2", x, 4, 4, 1), bias}));  // R of another shape
  const int c3 = conv(gb, rng, "c3", x, 4, 4, 1);
  gb.output(gb.node(OpType::Add, "shared", {c3, x}));
  gb.output(gb.node(OpType::Relu, "second_reader", {c3}));  // c3 has two readers
  const int c4 = conv(gb, rng, "c4", x, 4, 4, 1);
  gb.output(c4);  // c4 is a graph output
  gb.output(gb.node(OpType::Add, "of_output", {c4, x}));
  Graph g = gb.build();
  fuse_residual_add(g);
  CHECK(count_op(g, OpType::Add) == 4);
  for (const Node& n : g.nodes)
    if (n.op == OpType::Conv2d) CHECK(n.inputs.size() == 3);
}

TEST_CASE("fold_batch_norm and fuse_activations keep a residual conv's formula act(conv) + R") {
  std::mt19937 rng(4);
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 4, 5, 5});
  const int w = gb.constant("w", Tensor::from_f32({4, 4, 1, 1}, random_values(16, rng)));
  const int c = gb.node(OpType::Conv2d, "c", {x, w, kNoValue, x}, conv_attrs(1));
  gb.output(gb.node(OpType::Relu, "relu", {c}));  // relu(conv + x): not the conv's own activation
  const int c2 = gb.node(OpType::Conv2d, "c2", {x, w, kNoValue, x}, conv_attrs(1));
  const auto stats = [&](const char* n) {
    return gb.constant(n, Tensor::from_f32({4}, random_values(4, rng, 0.5f, 1)));
  };
  gb.output(gb.node(OpType::BatchNorm, "bn", {c2, stats("s"), stats("b"), stats("m"), stats("v")}));
  const Graph original = gb.build();
  Graph g = original;
  fold_batch_norm(g);
  fuse_activations(g);
  CHECK(g.nodes.size() == 4);
  const auto want = run_all(original, KernelPath::Reference, false, 1);
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const auto got = run_all(original, path, true, 1);
    for (size_t o = 0; o < got.size(); ++o)
      for (size_t i = 0; i < got[o].size(); ++i) CHECK(got[o][i] == doctest::Approx(want[o][i]).epsilon(1e-5));
  }
}

TEST_CASE("Conv2d: a residual of the wrong shape is an error naming the node and both shapes") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 2, 4, 4});
  const int w = gb.constant("w", Tensor::from_f32({3, 2, 1, 1}, std::vector<float>(6, 0.5f)));
  const int r = gb.input("r", DType::F32, {1, 2, 4, 4});
  gb.output(gb.node(OpType::Conv2d, "conv", {x, w, kNoValue, r}, conv_attrs(1)));
  try {
    gb.build();
    FAIL("no error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("'conv'") != std::string::npos);
    CHECK(msg.find("residual R [1,2,4,4]") != std::string::npos);
    CHECK(msg.find("[1,3,4,4]") != std::string::npos);
  }
}
