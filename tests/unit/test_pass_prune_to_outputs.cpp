// prune_to_outputs and EngineOptions::outputs: an engine over part of a graph computes exactly what the
// whole graph computes for those outputs, carries none of the rest (nodes, inputs, constants), and
// rejects names that are not graph outputs.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/prune_to_outputs.h"
#include "error_of.h"

using namespace vigil;
using vigil::test::error_of;

namespace {

Tensor random_tensor(Shape shape, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(shape.numel()));
  for (float& f : v) f = dist(rng);
  return Tensor::from_f32(shape, v);
}

// An action model in miniature. Frame part: image -> conv -> BatchNorm -> relu (trunk) -> conv "head_a",
// and trunk -> split into two halves, the first pooled into "embedding" (the second half is read by
// nobody). Window part: window -> MatMul -> Softmax "scores".
Graph two_part_graph() {
  std::mt19937 rng(7);
  GraphBuilder b;
  const int image = b.input("image", DType::F32, {1, 3, 8, 8});
  const int window = b.input("window", DType::F32, {3, 1, 4});
  const int conv = b.node(
      OpType::Conv2d, "conv",
      {image, b.constant("conv.w", random_tensor({8, 3, 3, 3}, rng)), b.constant("conv.b", random_tensor({8}, rng))},
      {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  Tensor var = random_tensor({8}, rng);
  for (int i = 0; i < 8; ++i) var.mutable_f32()[i] = 1.5f + var.f32()[i];  // positive variances
  const int bn =
      b.node(OpType::BatchNorm, "bn",
             {conv, b.constant("bn.scale", random_tensor({8}, rng)), b.constant("bn.bias", random_tensor({8}, rng)),
              b.constant("bn.mean", random_tensor({8}, rng)), b.constant("bn.var", std::move(var))});
  const int trunk = b.node(OpType::Relu, "trunk", {bn});
  b.output(b.node(OpType::Conv2d, "head_a", {trunk, b.constant("head_a.w", random_tensor({6, 8, 1, 1}, rng))}));
  Attributes split_attrs;
  split_attrs.set("axis", int64_t{1});
  split_attrs.set("num_outputs", int64_t{2});
  const std::vector<int> halves = b.node_n(OpType::Split, "halves", {trunk}, 2, split_attrs);
  const int pooled = b.node(OpType::GlobalAveragePool, "pool", {halves[0]});
  b.output(b.node(OpType::Flatten, "embedding", {pooled}, {{"axis", int64_t{1}}}));
  const int logits = b.node(OpType::MatMul, "logits", {window, b.constant("act.w", random_tensor({4, 5}, rng))});
  b.output(b.node(OpType::Softmax, "scores", {logits}, {{"axis", int64_t{-1}}}));
  return b.build();
}

EngineOptions with_outputs(std::vector<std::string> outputs) {
  EngineOptions options;
  options.outputs = std::move(outputs);
  return options;
}

std::vector<float> values_of(const TensorView& t) { return {t.f32(), t.f32() + t.numel()}; }

bool has_value(const Graph& g, const std::string& name) { return g.find_value(name) >= 0; }

}  // namespace

TEST_CASE("prune_to_outputs: each part computes bit-identical outputs to the whole graph") {
  Engine whole(two_part_graph());
  Engine frame(two_part_graph(), with_outputs({"head_a", "embedding"}));
  Engine window(two_part_graph(), with_outputs({"scores"}));
  ExecutionContext cw(whole), cf(frame), cs(window);
  std::mt19937 rng(11);
  const Tensor image = random_tensor({1, 3, 8, 8}, rng), win = random_tensor({3, 1, 4}, rng);
  std::copy(image.f32(), image.f32() + image.numel(), cw.input("image").f32());
  std::copy(image.f32(), image.f32() + image.numel(), cf.input("image").f32());
  std::copy(win.f32(), win.f32() + win.numel(), cw.input("window").f32());
  std::copy(win.f32(), win.f32() + win.numel(), cs.input("window").f32());
  cw.run();
  cf.run();
  cs.run();
  for (const char* name : {"head_a", "embedding"}) {
    CAPTURE(name);
    CHECK(values_of(cf.output(name)) == values_of(cw.output(name)));
  }
  CHECK(values_of(cs.output("scores")) == values_of(cw.output("scores")));
  // Guard against a vacuous comparison: the outputs are not all zero.
  const std::vector<float> head = values_of(cw.output("head_a"));
  CHECK(std::any_of(head.begin(), head.end(), [](float v) { return v != 0.0f; }));
}

TEST_CASE("prune_to_outputs: the parts keep only their own inputs, nodes and constants") {
  Engine whole(two_part_graph());
  Engine frame(two_part_graph(), with_outputs({"head_a", "embedding"}));
  Engine window(two_part_graph(), with_outputs({"scores"}));
  const Graph& f = frame.graph();
  const Graph& w = window.graph();
  REQUIRE(f.inputs.size() == 1);
  CHECK(f.values[static_cast<size_t>(f.inputs[0])].name == "image");
  CHECK_FALSE(has_value(f, "window"));
  CHECK_FALSE(has_value(f, "act.w"));
  CHECK_FALSE(has_value(f, "scores"));
  REQUIRE(w.inputs.size() == 1);
  CHECK(w.values[static_cast<size_t>(w.inputs[0])].name == "window");
  CHECK_FALSE(has_value(w, "image"));
  CHECK(w.nodes.size() == 2);      // MatMul, Softmax
  CHECK(w.constants.size() == 1);  // act.w
  CHECK(f.nodes.size() + w.nodes.size() == whole.graph().nodes.size());
  CHECK(f.constants.size() + w.constants.size() == whole.graph().constants.size());
  // The BatchNorm still folds into the conv inside the pruned part (passes run after pruning).
  CHECK_FALSE(std::any_of(f.nodes.begin(), f.nodes.end(), [](const Node& n) { return n.op == OpType::BatchNorm; }));
  // A kept node keeps its outputs nobody reads (the second half of the split).
  CHECK(has_value(f, "halves:1"));
}

TEST_CASE("prune_to_outputs: outputs follow the requested order, only part of the frame part") {
  Engine e(two_part_graph(), with_outputs({"embedding", "head_a"}));
  CHECK(e.output_index("embedding") == 0);
  CHECK(e.output_index("head_a") == 1);
  Engine only_embedding(two_part_graph(), with_outputs({"embedding"}));
  CHECK_FALSE(has_value(only_embedding.graph(), "head_a"));
  CHECK_FALSE(has_value(only_embedding.graph(), "head_a.w"));
  CHECK(has_value(only_embedding.graph(), "trunk"));
}

TEST_CASE("prune_to_outputs: names that are not graph outputs, and repeats, are errors") {
  CHECK(error_of([] { Engine(two_part_graph(), with_outputs({"nope"})); }) ==
        "EngineOptions::outputs: requested output 'nope' is not a graph output (the graph's outputs: 'head_a', "
        "'embedding', 'scores')");
  CHECK(error_of([] {
          Engine(two_part_graph(), with_outputs({"trunk"}));
        }).find("requested output 'trunk' is not a graph output") != std::string::npos);
  CHECK(error_of([] {
          Engine(two_part_graph(), with_outputs({"scores", "scores"}));
        }).find("requested output 'scores' is given twice") != std::string::npos);
  // The pass alone, and an empty request leaving the graph whole.
  Graph g = two_part_graph();
  const size_t nodes = g.nodes.size();
  prune_to_outputs(g, {});
  CHECK(g.nodes.size() == nodes);
  const std::string bad[] = {"image"};
  CHECK(error_of([&] { prune_to_outputs(g, bad); }).find("'image' is not a graph output") != std::string::npos);
}
