// The ONNX Pad mapping on models built in C++: opset 2 attributes (pads/mode/value), opset 11 inputs
// (constant pads and constant_value), opset 18 axes, opset 19 wrap; a Pad that pads nothing is removed;
// the errors for run-time arguments, bad pads lengths, unknown modes, and wrap before opset 19; and a
// zero Pad in front of a Conv folded into the conv's pads at import.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "graph_query_support.h"
#include "loaders/onnx/onnx_import.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using I = std::vector<int64_t>;
using V = std::vector<float>;

// Runs a one-input graph on 0, 1, 2, ... and returns output 0.
V run_iota(Graph g) {
  Engine engine(std::move(g));
  ExecutionContext ctx(engine);
  TensorView x = ctx.input(0);
  for (int64_t k = 0; k < x.numel(); ++k) x.f32()[k] = static_cast<float>(k);
  ctx.run();
  TensorView y = ctx.output(0);
  return {y.f32(), y.f32() + y.numel()};
}

// x [2, 3] -> Pad -> y, with pads (and more) as inputs from opset 11.
GraphSpec pad_inputs_model(const I& pads, const std::string& mode, const std::vector<Pb>& extra_inits = {},
                           const std::vector<std::string>& extra_inputs = {}) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers.push_back(tensor_i64("pads", {static_cast<int64_t>(pads.size())}, pads));
  for (const Pb& t : extra_inits) g.initializers.push_back(t);
  std::vector<std::string> inputs = {"x", "pads"};
  inputs.insert(inputs.end(), extra_inputs.begin(), extra_inputs.end());
  g.nodes.push_back(node("Pad", inputs, {"y"}, "pad", {attr_s("mode", mode)}));
  return g;
}

}  // namespace

TEST_CASE("onnx import: Pad before opset 11 takes pads, mode and value attributes") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.nodes.push_back(node("Pad", {"x"}, {"y"}, "pad", {attr_ints("pads", {1, 0, 0, 2}), attr_f("value", 1.5f)}));
  Graph graph = import(g, 10);
  const Node& pad = only_node(graph, OpType::Pad);
  CHECK(pad.attrs.get_ints("pads") == I{1, 0, 0, 2});
  CHECK(pad.attrs.get_string("mode", "") == "constant");
  CHECK(pad.attrs.get_float("value", 0) == 1.5f);
  CHECK(run_iota(std::move(graph)) == V{1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 0, 1, 2, 1.5f, 1.5f, 3, 4, 5, 1.5f, 1.5f});

  g.nodes = {node("Pad", {"x"}, {"y"}, "pad", {attr_ints("pads", {0, 2, 0, 0}), attr_s("mode", "reflect")})};
  CHECK(run_iota(import(g, 9)) == V{2, 1, 0, 1, 2, 5, 4, 3, 4, 5});
  g.nodes = {node("Pad", {"x"}, {"y"}, "pad", {attr_s("mode", "edge")})};
  CHECK(contains(import_error(g, 10), "node 'pad' (Pad, opset 10): attribute 'pads' is required"));
  // Opset 11 moved pads and value to inputs: the old attributes are refused by name.
  g.nodes = {node("Pad", {"x", "p"}, {"y"}, "pad", {attr_ints("pads", {0, 2, 0, 0})})};
  g.initializers = {tensor_i64("p", {4}, {0, 2, 0, 0})};
  CHECK(contains(import_error(g, 11), "'pads'"));
}

TEST_CASE("onnx import: Pad from opset 11 takes constant pads and constant_value inputs") {
  GraphSpec g = pad_inputs_model({0, 1, 1, -1}, "constant", {tensor_f32("cv", {}, {-2.0f})}, {"cv"});
  Graph graph = import(g, 13);
  const Node& pad = only_node(graph, OpType::Pad);
  CHECK(pad.inputs.size() == 1);
  CHECK(pad.attrs.get_ints("pads") == I{0, 1, 1, -1});
  CHECK(pad.attrs.get_float("value", 0) == -2.0f);
  // [[0 1 2] [3 4 5]]: one column in front, the last column cropped, one row below.
  CHECK(run_iota(std::move(graph)) == V{-2, 0, 1, -2, 3, 4, -2, -2, -2});
  // Without constant_value the value is 0; edge ignores it.
  CHECK(run_iota(import(pad_inputs_model({0, 1, 0, 1}, "constant"), 11)) == V{0, 0, 1, 2, 0, 0, 3, 4, 5, 0});
  CHECK(run_iota(import(pad_inputs_model({0, 1, 0, 1}, "edge"), 11)) == V{0, 0, 1, 2, 2, 3, 3, 4, 5, 5});
}

TEST_CASE("onnx import: Pad-18 axes select the padded axes, wrap needs opset 19") {
  // axes [-1]: pads [begin, end] of the last axis only.
  GraphSpec g = pad_inputs_model({2, 1}, "reflect", {tensor_i64("axes", {1}, {-1})}, {"", "axes"});
  Graph graph = import(g, 18);
  CHECK(only_node(graph, OpType::Pad).attrs.get_ints("pads") == I{0, 2, 0, 1});
  CHECK(run_iota(std::move(graph)) == V{2, 1, 0, 1, 2, 1, 5, 4, 3, 4, 5, 4});

  g = pad_inputs_model({1, 2}, "wrap", {tensor_i64("axes", {1}, {1})}, {"", "axes"});
  CHECK(run_iota(import(g, 19)) == V{2, 0, 1, 2, 0, 1, 5, 3, 4, 5, 3, 4});
  CHECK(contains(import_error(g, 18), "node 'pad' (Pad, opset 18): mode 'wrap' exists from opset 19 on"));

  g = pad_inputs_model({1, 2, 0, 0}, "constant", {tensor_i64("axes", {2}, {1, -1})}, {"", "axes"});
  CHECK(contains(import_error(g, 18), "node 'pad' (Pad, opset 18): axis -1 is repeated"));
  g = pad_inputs_model({1, 2, 0}, "constant", {tensor_i64("axes", {2}, {0, 1})}, {"", "axes"});
  CHECK(contains(import_error(g, 18), "pads [1,2,0] has 3 values for 2 axes (needs 4)"));
  // Before opset 18 there is no axes input.
  CHECK(contains(import_error(g, 13), "node 'pad' (Pad, opset 13)"));
}

TEST_CASE("onnx import: a Pad that pads nothing is removed") {
  GraphSpec g = pad_inputs_model({0, 0, 0, 0}, "constant");
  g.nodes[0] = node("Pad", {"x", "pads"}, {"p"}, "pad");
  g.nodes.push_back(node("Relu", {"p"}, {"y"}, "relu"));
  Graph graph = import(g, 13);
  CHECK(count_op(graph, OpType::Pad) == 0);
  REQUIRE(graph.nodes.size() == 1);
  CHECK(graph.nodes[0].inputs[0] == graph.inputs[0]);
  // Opset 2 attributes, and axes pads that are all zero.
  GraphSpec old;
  old.inputs.push_back(value_info("x", kFloat, {2, 3}));
  old.outputs.push_back(value_info("y", kFloat, {}));
  old.nodes.push_back(node("Pad", {"x"}, {"p"}, "pad", {attr_ints("pads", {0, 0, 0, 0})}));
  old.nodes.push_back(node("Relu", {"p"}, {"y"}, "relu"));
  CHECK(count_op(import(old, 10), OpType::Pad) == 0);
}

TEST_CASE("onnx import: Pad errors name the node: run-time arguments, pads length, mode") {
  GraphSpec g = pad_inputs_model({0, 1, 0, 1}, "constant");
  g.inputs.push_back(value_info("pads_rt", kInt64, {4}));
  g.initializers.clear();
  g.nodes[0] = node("Pad", {"x", "pads_rt"}, {"y"}, "pad");
  CHECK(contains(import_error(g, 13),
                 "node 'pad' (Pad, opset 13): input 1 ('pads_rt', the pads) is computed at run time; vigil needs it "
                 "to be a constant known at load time"));

  g = pad_inputs_model({0, 1, 0, 1}, "constant");
  g.inputs.push_back(value_info("cv_rt", kFloat, {}));
  g.nodes[0] = node("Pad", {"x", "pads", "cv_rt"}, {"y"}, "pad");
  CHECK(contains(import_error(g, 13), "input 2 ('cv_rt', the constant_value) is computed at run time"));

  CHECK(contains(import_error(pad_inputs_model({0, 1, 1}, "constant"), 13),
                 "node 'pad' (Pad, opset 13): pads [0,1,1] has 3 values but the input has rank 2 (needs 4: all "
                 "begins, then all ends)"));
  CHECK(contains(import_error(pad_inputs_model({0, 1, 0, 1}, "symmetric"), 13),
                 "node 'pad' (Pad, opset 13): mode 'symmetric' is not one of constant, reflect, edge, wrap"));
  // The engine's own checks, still naming the node.
  CHECK(contains(import_error(pad_inputs_model({0, 3, 0, 0}, "reflect"), 13),
                 "Pad 'pad': axis 1 of input shape [2,3] with pads 3 (begin) and 0 (end): reflect padding must be "
                 "smaller than the axis length 3"));
}

TEST_CASE("onnx import: a zero Pad in front of a Conv becomes the conv's pads (same numbers)") {
  // nn.ZeroPad2d((1, 2, 0, 1)) + Conv(3x3, pads 1): TF-style asymmetric padding.
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 2, 5, 6}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers.push_back(tensor_i64("pads", {8}, {0, 0, 0, 1, 0, 0, 1, 2}));
  V w(3 * 2 * 3 * 3);
  for (size_t k = 0; k < w.size(); ++k) w[k] = static_cast<float>(static_cast<int>(k % 7) - 3) * 0.25f;
  g.initializers.push_back(tensor_f32("w", {3, 2, 3, 3}, w));
  g.nodes.push_back(node("Pad", {"x", "pads"}, {"xp"}, "pad"));
  g.nodes.push_back(node("Conv", {"xp", "w"}, {"y"}, "conv", {attr_ints("pads", {1, 1, 1, 1})}));
  OnnxImportOptions plain;
  plain.optimize = false;
  Graph unfolded = import(g, 13, plain);
  CHECK(count_op(unfolded, OpType::Pad) == 1);
  Graph folded = import(g, 13);
  CHECK(count_op(folded, OpType::Pad) == 0);
  const Node& conv = only_node(folded, OpType::Conv2d);
  CHECK(conv.attrs.get_ints("pads") == I{1, 2, 2, 3});
  CHECK(conv.inputs[0] == folded.inputs[0]);
  const V a = run_iota(std::move(unfolded)), b = run_iota(std::move(folded));
  REQUIRE(a.size() == b.size());
  CHECK(a.size() == 3 * 6 * 9);
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}
