// fold_batch_norm and fuse_activations: the folded graph computes the same outputs (within 1e-5 relative)
// with fewer nodes, names stay stable, and every precondition that blocks a fold is honoured.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/fold_batch_norm.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;

namespace {

using test::random_values;

// BatchNorm parameters with non-trivial running statistics.
std::vector<int> add_bn_params(GraphBuilder& gb, const std::string& prefix, int64_t c, std::mt19937& rng) {
  return {gb.constant(prefix + ".scale", Tensor::from_f32({c}, random_values(static_cast<size_t>(c), rng, -2, 2))),
          gb.constant(prefix + ".bias", Tensor::from_f32({c}, random_values(static_cast<size_t>(c), rng, -1, 1))),
          gb.constant(prefix + ".mean", Tensor::from_f32({c}, random_values(static_cast<size_t>(c), rng, -0.5, 0.5))),
          gb.constant(prefix + ".var", Tensor::from_f32({c}, random_values(static_cast<size_t>(c), rng, 0.1f, 3)))};
}

int add_bn(GraphBuilder& gb, const std::string& name, int x, int64_t c, std::mt19937& rng, Attributes attrs = {}) {
  std::vector<int> in{x};
  for (int p : add_bn_params(gb, name, c, rng)) in.push_back(p);
  return gb.node(OpType::BatchNorm, name, in, std::move(attrs));
}

std::vector<std::vector<float>> run_all(Graph g, unsigned seed) { return test::run_graph(std::move(g), {}, 1, seed); }

// Within 1e-5 relative of each element, or of the RMS output magnitude for elements near zero (the folded
// weights are rounded to float, so results that cancel to ~0 keep an error proportional to the terms).
void check_same(const std::vector<std::vector<float>>& got, const std::vector<std::vector<float>>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t o = 0; o < got.size(); ++o) {
    REQUIRE(got[o].size() == want[o].size());
    double rms = 0;
    for (float v : want[o]) rms += static_cast<double>(v) * v;
    rms = std::sqrt(rms / static_cast<double>(want[o].size()));
    double worst = 0;
    for (size_t i = 0; i < got[o].size(); ++i)
      worst =
          std::max(worst, std::fabs(got[o][i] - want[o][i]) / (1e-5 * std::max<double>(std::fabs(want[o][i]), rms)));
    CAPTURE(o);
    CHECK(worst <= 1.0);
  }
}

const Node* find_node(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

Attributes conv_attrs(std::vector<int64_t> pads, int64_t stride = 1, int64_t group = 1) {
  Attributes a;
  a.set("pads", std::move(pads));
  a.set("strides", std::vector<int64_t>{stride, stride});
  a.set("group", group);
  return a;
}

}  // namespace

TEST_CASE("fold_batch_norm: conv + bn + leaky folds to one conv with identical outputs") {
  for (bool with_bias : {false, true}) {
    CAPTURE(with_bias);
    std::mt19937 rng(with_bias ? 21 : 20);
    GraphBuilder gb;
    int x = gb.input("x", DType::F32, {2, 4, 9, 7});
    std::vector<int> conv_in{x, gb.constant("conv.w", Tensor::from_f32({6, 2, 3, 3}, random_values(108, rng)))};
    if (with_bias) conv_in.push_back(gb.constant("conv.b", Tensor::from_f32({6}, random_values(6, rng))));
    int c = gb.node(OpType::Conv2d, "conv", conv_in, conv_attrs({1, 0, 1, 2}, 2, 2));
    int b = add_bn(gb, "bn", c, 6, rng);
    gb.output(gb.node(OpType::LeakyRelu, "leaky", {b}, {{"alpha", 0.1f}}));
    Graph original = gb.build();
    Graph folded = original;
    fold_batch_norm(folded);
    CHECK(folded.nodes.size() == 2);
    fuse_activations(folded);
    REQUIRE(folded.nodes.size() == 1);

    const Node& conv = folded.nodes[0];
    CHECK(conv.op == OpType::Conv2d);
    CHECK(conv.name == "conv");
    CHECK(conv.attrs.get_string("activation", "") == "leaky_relu");
    CHECK(conv.attrs.get_float("activation_alpha", 0) == 0.1f);
    CHECK(conv.attrs.get_strings("fused_values") == std::vector<std::string>{"conv", "bn"});
    // The surviving output keeps the name of the last absorbed node's output; vanished values are gone.
    CHECK(folded.values[static_cast<size_t>(conv.outputs[0])].name == "leaky");
    CHECK(folded.values[static_cast<size_t>(folded.outputs[0])].name == "leaky");
    CHECK(folded.find_value("conv") < 0);
    CHECK(folded.find_value("bn") < 0);
    CHECK(folded.find_value("bn.mean") < 0);
    CHECK(folded.find_value("conv.w") < 0);
    CHECK(folded.constants.size() == 2);  // folded weight and bias only
    check_same(run_all(folded, 5), run_all(original, 5));
  }
}

TEST_CASE("fold_batch_norm: a BatchNorm's fused activation moves to the conv, depthwise conv") {
  std::mt19937 rng(8);
  GraphBuilder gb;
  int x = gb.input("x", DType::F32, {1, 5, 6, 6});
  int w = gb.constant("dw.w", Tensor::from_f32({5, 1, 3, 3}, random_values(45, rng)));
  int c = gb.node(OpType::Conv2d, "dw", {x, w}, conv_attrs({1, 1, 1, 1}, 1, 5));
  Attributes act;
  act.set("activation", std::string("leaky_relu"));
  act.set("activation_alpha", 0.2f);
  gb.output(add_bn(gb, "bn", c, 5, rng, act));
  Graph original = gb.build();
  Graph folded = original;
  fold_batch_norm(folded);
  REQUIRE(folded.nodes.size() == 1);
  CHECK(folded.nodes[0].attrs.get_string("activation", "") == "leaky_relu");
  CHECK(folded.nodes[0].attrs.get_float("activation_alpha", 0) == 0.2f);
  CHECK(folded.values[static_cast<size_t>(folded.outputs[0])].name == "bn");
  check_same(run_all(folded, 1), run_all(original, 1));
}

TEST_CASE("fold_batch_norm: a weight shared by two convs is not modified in place") {
  std::mt19937 rng(13);
  GraphBuilder gb;
  int x = gb.input("x", DType::F32, {1, 3, 5, 5});
  int w = gb.constant("shared.w", Tensor::from_f32({4, 3, 3, 3}, random_values(108, rng)));
  int c1 = gb.node(OpType::Conv2d, "conv1", {x, w}, conv_attrs({1, 1, 1, 1}));
  int c2 = gb.node(OpType::Conv2d, "conv2", {x, w}, conv_attrs({0, 0, 0, 0}));
  gb.output(add_bn(gb, "bn1", c1, 4, rng));
  gb.output(add_bn(gb, "bn2", c2, 4, rng));
  Graph original = gb.build();
  Graph folded = original;
  fold_batch_norm(folded);
  CHECK(folded.nodes.size() == 2);
  CHECK(folded.find_value("shared.w") < 0);
  CHECK(folded.nodes[0].inputs[1] != folded.nodes[1].inputs[1]);
  check_same(run_all(folded, 2), run_all(original, 2));
}

TEST_CASE("fold_batch_norm: preconditions that block folding") {
  std::mt19937 rng(4);
  auto count_after_fold = [](Graph g) {
    fold_batch_norm(g);
    return g.nodes.size();
  };
  SUBCASE("conv output is also a graph output") {
    GraphBuilder gb;
    int x = gb.input("x", DType::F32, {1, 2, 4, 4});
    int c =
        gb.node(OpType::Conv2d, "conv", {x, gb.constant("w", Tensor::from_f32({2, 2, 1, 1}, random_values(4, rng)))});
    gb.output(add_bn(gb, "bn", c, 2, rng));
    gb.output(c);
    CHECK(count_after_fold(gb.build()) == 2);
  }
  SUBCASE("conv output has a second reader") {
    GraphBuilder gb;
    int x = gb.input("x", DType::F32, {1, 2, 4, 4});
    int c =
        gb.node(OpType::Conv2d, "conv", {x, gb.constant("w", Tensor::from_f32({2, 2, 1, 1}, random_values(4, rng)))});
    gb.output(add_bn(gb, "bn", c, 2, rng));
    gb.output(gb.node(OpType::Relu, "relu", {c}));
    CHECK(count_after_fold(gb.build()) == 3);
  }
  SUBCASE("conv weights are not constant") {
    GraphBuilder gb;
    int x = gb.input("x", DType::F32, {1, 2, 4, 4});
    int w = gb.input("w", DType::F32, {2, 2, 1, 1});
    gb.output(add_bn(gb, "bn", gb.node(OpType::Conv2d, "conv", {x, w}), 2, rng));
    CHECK(count_after_fold(gb.build()) == 2);
  }
  SUBCASE("BatchNorm statistics are not constant") {
    GraphBuilder gb;
    int x = gb.input("x", DType::F32, {1, 2, 4, 4});
    int c =
        gb.node(OpType::Conv2d, "conv", {x, gb.constant("w", Tensor::from_f32({2, 2, 1, 1}, random_values(4, rng)))});
    auto p = add_bn_params(gb, "bn", 2, rng);
    p[2] = gb.input("mean", DType::F32, {2});
    gb.output(gb.node(OpType::BatchNorm, "bn", {c, p[0], p[1], p[2], p[3]}));
    CHECK(count_after_fold(gb.build()) == 2);
  }
  SUBCASE("conv already has a fused activation") {
    GraphBuilder gb;
    int x = gb.input("x", DType::F32, {1, 2, 4, 4});
    Attributes relu;
    relu.set("activation", std::string("relu"));
    int c = gb.node(OpType::Conv2d, "conv",
                    {x, gb.constant("w", Tensor::from_f32({2, 2, 1, 1}, random_values(4, rng)))}, relu);
    gb.output(add_bn(gb, "bn", c, 2, rng));
    CHECK(count_after_fold(gb.build()) == 2);
  }
  SUBCASE("BatchNorm input is not a conv") {
    GraphBuilder gb;
    int x = gb.input("x", DType::F32, {1, 2, 4, 4});
    gb.output(add_bn(gb, "bn", gb.node(OpType::Relu, "relu", {x}), 2, rng));
    CHECK(count_after_fold(gb.build()) == 2);
  }
}

TEST_CASE("fuse_activations: BatchNorm + Relu, Add + Clip, and a second activation stays") {
  std::mt19937 rng(6);
  GraphBuilder gb;
  int x = gb.input("x", DType::F32, {1, 3, 4, 5});
  int r1 = gb.node(OpType::Relu, "relu1", {add_bn(gb, "bn", x, 3, rng)});
  gb.output(gb.node(OpType::Sigmoid, "sig", {r1}));  // reads relu1's output: stays standalone
  int y = gb.input("y", DType::F32, {1, 3, 4, 5});
  int sum = gb.node(OpType::Add, "add", {x, y});
  gb.output(gb.node(OpType::Clip, "relu6", {sum}, {{"min", 0.0f}, {"max", 6.0f}}));
  Graph original = gb.build();
  Graph fused = original;
  fuse_activations(fused);
  CHECK(fused.nodes.size() == 3);
  const Node* bn = find_node(fused, "bn");
  REQUIRE(bn);
  CHECK(bn->attrs.get_string("activation", "") == "relu");
  CHECK(bn->attrs.get_strings("fused_values") == std::vector<std::string>{"bn"});
  CHECK(fused.values[static_cast<size_t>(bn->outputs[0])].name == "relu1");
  CHECK(find_node(fused, "sig") != nullptr);
  const Node* add = find_node(fused, "add");
  REQUIRE(add);
  CHECK(add->attrs.get_string("activation", "") == "clip");
  CHECK(add->attrs.get_float("activation_beta", 0) == 6.0f);
  check_same(run_all(fused, 3), run_all(original, 3));
}

TEST_CASE("fuse_activations: an activation whose input is a graph output is not fused") {
  GraphBuilder gb;
  int x = gb.input("x", DType::F32, {1, 2, 2, 2});
  int w = gb.constant("w", Tensor::from_f32({2, 2, 1, 1}, std::vector<float>{1, 0, 0, 1}));
  int c = gb.node(OpType::Conv2d, "conv", {x, w});
  gb.output(c);
  gb.output(gb.node(OpType::Relu, "relu", {c}));
  Graph g = gb.build();
  fuse_activations(g);
  CHECK(g.nodes.size() == 2);
}
