// The ONNX GRU mapping on models built in C++: every input, output and attribute carried over; a zero
// initial_h built from the input's size (Shape/Gather/Unsqueeze/Concat/ConstantOfShape, and Expand, as
// PyTorch exports it) folded to a constant; the hand-checked value of test_op_gru.cpp through the importer
// for both linear_before_reset values (gate order z, r, h and B's Wb/Rb halves as ONNX defines them); and
// the errors for non-default activations, bad attributes and too many inputs.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
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

using V = std::vector<float>;

V ramp(size_t n, float scale) {
  V v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * std::sin(0.7f * static_cast<float>(i) + 0.3f);
  return v;
}

// A bidirectional GRU over x [seq, batch, input] with W, R, B initializers; the caller adds the rest.
GraphSpec gru_spec(int64_t seq, int64_t batch, int64_t input, int64_t hidden) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {seq, batch, input}));
  g.initializers.push_back(
      tensor_f32("W", {2, 3 * hidden, input}, ramp(static_cast<size_t>(6 * hidden * input), 0.5f)));
  g.initializers.push_back(
      tensor_f32("R", {2, 3 * hidden, hidden}, ramp(static_cast<size_t>(6 * hidden * hidden), 0.4f)));
  g.initializers.push_back(tensor_f32("B", {2, 6 * hidden}, ramp(static_cast<size_t>(12 * hidden), 0.3f)));
  return g;
}

// Runs a one-input graph on ramp values and returns every output, flattened.
std::vector<V> run(Graph graph) {
  Engine engine(std::move(graph));
  ExecutionContext ctx(engine);
  TensorView x = ctx.input(0);
  const V values = ramp(static_cast<size_t>(x.numel()), 1.0f);
  std::copy(values.begin(), values.end(), x.f32());
  ctx.run();
  std::vector<V> out;
  for (size_t i = 0; i < engine.graph().outputs.size(); ++i) {
    TensorView y = ctx.output(i);
    out.emplace_back(y.f32(), y.f32() + y.numel());
  }
  return out;
}

}  // namespace

TEST_CASE("onnx import: GRU carries every input, output and attribute") {
  const int64_t seq = 4, batch = 2, input = 3, hidden = 5;
  GraphSpec g = gru_spec(seq, batch, input, hidden);
  g.initializers.push_back(tensor_i64("lens", {batch}, {4, 3}));
  g.initializers.push_back(tensor_f32("h0", {2, batch, hidden}, ramp(static_cast<size_t>(2 * batch * hidden), 0.2f)));
  g.outputs.push_back(value_info("y", kFloat, {seq, 2, batch, hidden}));
  g.outputs.push_back(value_info("yh", kFloat, {2, batch, hidden}));
  g.nodes.push_back(
      node("GRU", {"x", "W", "R", "B", "lens", "h0"}, {"y", "yh"}, "gru",
           {attr_i("hidden_size", hidden), attr_s("direction", "bidirectional"), attr_f("clip", 2.5f),
            attr_i("linear_before_reset", 1), attr_strings("activations", {"Sigmoid", "Tanh", "Sigmoid", "Tanh"})}));
  Graph graph = import(g, 13);
  const Node& gru = only_node(graph, OpType::Gru);
  REQUIRE(gru.inputs.size() == 6);
  for (int k = 1; k < 6; ++k) CHECK(graph.is_constant(gru.inputs[static_cast<size_t>(k)]));
  REQUIRE(gru.outputs.size() == 2);
  CHECK(graph.values[static_cast<size_t>(gru.outputs[1])].name == "yh");
  CHECK(gru.attrs.get_string("direction", "") == "bidirectional");
  CHECK(gru.attrs.get_int("hidden_size", 0) == hidden);
  CHECK(gru.attrs.get_int("linear_before_reset", 0) == 1);
  CHECK(gru.attrs.get_int("layout", -1) == 0);
  CHECK(gru.attrs.get_float("clip", 0) == 2.5f);
  const std::vector<V> out = run(std::move(graph));
  CHECK(out[0].size() == static_cast<size_t>(seq * 2 * batch * hidden));
  CHECK(out[1].size() == static_cast<size_t>(2 * batch * hidden));

  // Only Y_h wanted (Y left unnamed), and layout 1 at opset 14: X [batch, seq, input], Y_h [batch, 2, H].
  GraphSpec h_only = gru_spec(seq, batch, input, hidden);
  h_only.inputs[0] = value_info("x", kFloat, {batch, seq, input});
  h_only.outputs.push_back(value_info("yh", kFloat, {batch, 2, hidden}));
  h_only.nodes.push_back(node("GRU", {"x", "W", "R", "B"}, {"", "yh"}, "gru",
                              {attr_s("direction", "bidirectional"), attr_i("layout", 1)}));
  Graph hg = import(h_only, 14);
  const Node& hn = only_node(hg, OpType::Gru);
  REQUIRE(hn.outputs.size() == 2);
  CHECK(hn.outputs[0] == kNoValue);
  CHECK(hn.inputs.size() == 4);
  CHECK(hn.attrs.get_int("hidden_size", 0) == hidden);  // from R's last dim
  Engine engine(std::move(hg));
  CHECK(engine.graph().values[static_cast<size_t>(engine.graph().outputs[0])].shape == Shape{batch, 2, hidden});
}

TEST_CASE("onnx import: a GRU initial_h built from the input's size folds to a constant") {
  // PyTorch: h0 = torch.zeros(2, x.size(1), hidden) exports as Shape -> Gather -> Unsqueeze -> Concat ->
  // ConstantOfShape, sometimes followed by an Expand to the same shape.
  const int64_t seq = 5, batch = 3, input = 4, hidden = 6;
  for (bool with_expand : {false, true}) {
    CAPTURE(with_expand);
    GraphSpec g = gru_spec(seq, batch, input, hidden);
    g.outputs.push_back(value_info("y", kFloat, {seq, 2, batch, hidden}));
    g.initializers.push_back(tensor_i64("one", {}, {1}));
    g.initializers.push_back(tensor_i64("axes0", {1}, {0}));
    g.initializers.push_back(tensor_i64("dirs", {1}, {2}));
    g.initializers.push_back(tensor_i64("hidden", {1}, {hidden}));
    g.nodes.push_back(node("Shape", {"x"}, {"x_shape"}));
    g.nodes.push_back(node("Gather", {"x_shape", "one"}, {"b"}, "", {attr_i("axis", 0)}));
    g.nodes.push_back(node("Unsqueeze", {"b", "axes0"}, {"b1"}));
    g.nodes.push_back(node("Concat", {"dirs", "b1", "hidden"}, {"state_shape"}, "", {attr_i("axis", 0)}));
    g.nodes.push_back(
        node("ConstantOfShape", {"state_shape"}, {"zeros"}, "", {attr_t("value", tensor_f32("", {1}, {0.0f}))}));
    if (with_expand) g.nodes.push_back(node("Expand", {"zeros", "state_shape"}, {"zeros_x"}));
    g.nodes.push_back(
        node("GRU", {"x", "W", "R", "B", "", with_expand ? "zeros_x" : "zeros"}, {"y"}, "gru",
             {attr_i("hidden_size", hidden), attr_s("direction", "bidirectional"), attr_i("linear_before_reset", 1)}));
    Graph graph = import(g, 13);
    REQUIRE(graph.nodes.size() == 1);  // the whole state subgraph folded
    const Node& gru = graph.nodes[0];
    REQUIRE(gru.op == OpType::Gru);
    REQUIRE(gru.inputs.size() == 6);
    CHECK(gru.inputs[4] == kNoValue);
    REQUIRE(graph.is_constant(gru.inputs[5]));
    const Tensor& h0 = graph.constant_of(gru.inputs[5]);
    CHECK(h0.shape() == Shape{2, batch, hidden});
    for (int64_t k = 0; k < h0.numel(); ++k) CHECK(h0.f32()[k] == 0.0f);

    // A zero initial state is the absent one: the same bits.
    GraphSpec plain = gru_spec(seq, batch, input, hidden);
    plain.outputs.push_back(value_info("y", kFloat, {seq, 2, batch, hidden}));
    plain.nodes.push_back(node("GRU", {"x", "W", "R", "B"}, {"y"}, "gru",
                               {attr_s("direction", "bidirectional"), attr_i("linear_before_reset", 1)}));
    const V folded = run(std::move(graph))[0], absent = run(import(plain, 13))[0];
    CHECK(folded == absent);
    CHECK(std::any_of(folded.begin(), folded.end(), [](float v) { return v != 0.0f; }));
  }
}

TEST_CASE("onnx import: GRU gate order and biases as ONNX defines them (hand-checked, both resets)") {
  // test_op_gru.cpp's hand case: z = 1/2, r = sigmoid(ln 3) = 3/4, Rh = 1, h0 = 1, x = 1, and only Rbh set.
  // linear_before_reset = 1 with Rbh = 4 ln(2)/3 - 1: tanh(3/4 (1 + Rbh)) = tanh(ln 2) = 3/5, h = 4/5;
  // linear_before_reset = 0 (the default): tanh(3/4 + Rbh), h = tanh(4 ln(2)/3 - 1/4)/2 + 1/2.
  const double ln2 = std::log(2.0);
  for (int lbr : {0, 1}) {
    CAPTURE(lbr);
    GraphSpec g;
    g.inputs.push_back(value_info("x", kFloat, {1, 1, 1}));
    g.outputs.push_back(value_info("yh", kFloat, {1, 1, 1}));
    g.initializers.push_back(tensor_f32("W", {1, 3, 1}, {0.0f, static_cast<float>(std::log(3.0)), 0.0f}));
    g.initializers.push_back(tensor_f32("R", {1, 3, 1}, {0.0f, 0.0f, 1.0f}));
    g.initializers.push_back(tensor_f32("B", {1, 6}, {0, 0, 0, 0, 0, static_cast<float>(4 * ln2 / 3 - 1)}));
    g.initializers.push_back(tensor_f32("h0", {1, 1, 1}, {1.0f}));
    std::vector<Pb> attrs = {attr_i("hidden_size", 1)};
    if (lbr) attrs.push_back(attr_i("linear_before_reset", 1));
    g.nodes.push_back(node("GRU", {"x", "W", "R", "B", "", "h0"}, {"", "yh"}, "gru", attrs));
    Engine engine(import(g, 9));
    ExecutionContext ctx(engine);
    ctx.input(0).f32()[0] = 1.0f;
    ctx.run();
    const double want = lbr ? 0.8 : std::tanh(4 * ln2 / 3 - 0.25) / 2 + 0.5;
    CHECK(ctx.output(0).f32()[0] == doctest::Approx(want).epsilon(1e-6));
  }
}

TEST_CASE("onnx import: GRU errors name the node and the problem") {
  auto with = [](std::vector<Pb> attrs, std::vector<std::string> inputs = {"x", "W", "R"}) {
    GraphSpec g;
    g.inputs.push_back(value_info("x", kFloat, {2, 1, 3}));
    g.outputs.push_back(value_info("y", kFloat, {2, 1, 1, 4}));
    g.initializers.push_back(tensor_f32("W", {1, 12, 3}, V(36, 0.1f)));
    g.initializers.push_back(tensor_f32("R", {1, 12, 4}, V(48, 0.1f)));
    g.nodes.push_back(node("GRU", inputs, {"y"}, "my_gru", attrs));
    return import_error(g, 14);
  };
  CHECK(with({}) == "(no error)");
  std::string e = with({attr_strings("activations", {"Relu", "Tanh"})});
  CHECK(contains(e, "my_gru"));
  CHECK(contains(e, "activations [Relu,Tanh] are not supported; vigil's GRU uses Sigmoid,Tanh only"));
  // One pair per direction: a forward GRU's two functions given twice is also refused.
  CHECK(contains(with({attr_strings("activations", {"Sigmoid", "Tanh", "Sigmoid", "Tanh"})}), "are not supported"));
  CHECK(contains(with({attr_i("linear_before_reset", 2)}), "linear_before_reset must be 0 or 1, got 2"));
  CHECK(contains(with({attr_s("direction", "up")}), "direction 'up' is not forward, reverse or bidirectional"));
  CHECK(contains(with({attr_i("output_sequence", 1)}), "attribute 'output_sequence' is not supported"));
  CHECK(contains(with({attr_i("hidden_size", 5)}), "hidden_size is 5 but R has shape [1,12,4]"));
  CHECK(contains(with({attr_i("layout", 3)}), "layout must be 0 or 1, got 3"));
  CHECK(contains(with({}, {"x", "W", "R", "", "", "", "W"}), "has 7 inputs; at most 6 are allowed"));
  CHECK(contains(with({}, {"x", "", "R"}), "required input 1 is missing"));
}
