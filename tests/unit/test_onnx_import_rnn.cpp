// The ONNX RNN mapping on models built in C++: activations, activation_alpha / activation_beta, clip,
// direction, layout and every input carried over to the engine's RNN; a hand-checked value through the
// importer (a bidirectional layer with a different activation per direction); and the errors, which name
// the node.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "graph_query_support.h"
#include "loaders/onnx/onnx_import.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using V = std::vector<float>;

// x = [1, -2] over two steps, batch 1, input 1, hidden 1 per direction; W = 0.5, R = 0.5, Wb = 0.1, Rb = 0.2.
GraphSpec rnn_spec(const std::vector<Pb>& attrs, std::vector<std::string> inputs = {"x", "W", "R", "B"}) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 1, 1}));
  g.initializers.push_back(tensor_f32("W", {2, 1, 1}, V{0.5f, 0.5f}));
  g.initializers.push_back(tensor_f32("R", {2, 1, 1}, V{0.5f, 0.5f}));
  g.initializers.push_back(tensor_f32("B", {2, 2}, V{0.1f, 0.2f, 0.1f, 0.2f}));
  g.outputs.push_back(value_info("y", kFloat, {2, 2, 1, 1}));
  g.outputs.push_back(value_info("yh", kFloat, {2, 1, 1}));
  g.nodes.push_back(node("RNN", inputs, {"y", "yh"}, "my_rnn", attrs));
  return g;
}

}  // namespace

TEST_CASE("onnx import: RNN carries its attributes, and each direction gets its own activation") {
  const std::vector<Pb> attrs = {attr_s("direction", "bidirectional"),
                                 attr_i("hidden_size", 1),
                                 attr_strings("activations", {"LeakyRelu", "HardSigmoid"}),
                                 attr_floats("activation_alpha", {0.1f, 0.5f}),
                                 attr_floats("activation_beta", {0.25f}),
                                 attr_f("clip", 5.0f)};
  Graph graph = import(rnn_spec(attrs), 14);
  const Node& rnn = only_node(graph, OpType::Rnn);
  CHECK(rnn.inputs.size() == 4);
  CHECK(rnn.outputs.size() == 2);
  CHECK(rnn.attrs.get_string("direction", "") == "bidirectional");
  CHECK(rnn.attrs.get_strings("activations") == std::vector<std::string>{"LeakyRelu", "HardSigmoid"});
  CHECK(rnn.attrs.get_floats("activation_alpha") == V{0.1f, 0.5f});
  CHECK(rnn.attrs.get_floats("activation_beta") == V{0.25f});
  CHECK(rnn.attrs.get_float("clip", 0) == 5.0f);

  Engine engine(std::move(graph));
  ExecutionContext ctx(engine);
  ctx.input(0).f32()[0] = 1.0f;
  ctx.input(0).f32()[1] = -2.0f;
  ctx.run();
  // Forward, LeakyRelu alpha 0.1: h1 = 0.8, h2 = 0.1 (-1 + 0.4 + 0.3) = -0.03.
  // Backward, HardSigmoid alpha 0.5 beta 0.25 from step 1 back: h1 = 0.5 (-1 + 0.3) + 0.25 = -0.1 -> 0,
  // h0 = 0.5 (0.5 + 0 + 0.3) + 0.25 = 0.65. Y is [seq, dirs, batch, H].
  const float* y = ctx.output(0).f32();
  CHECK(y[0] == doctest::Approx(0.8).epsilon(1e-6));
  CHECK(y[2] == doctest::Approx(-0.03).epsilon(1e-6));
  CHECK(y[3] == 0.0f);
  CHECK(y[1] == doctest::Approx(0.65).epsilon(1e-6));
  CHECK(ctx.output(1).f32()[0] == doctest::Approx(-0.03).epsilon(1e-6));
  CHECK(ctx.output(1).f32()[1] == doctest::Approx(0.65).epsilon(1e-6));
}

TEST_CASE("onnx import: RNN errors name the node and the problem") {
  auto with = [](std::vector<Pb> attrs, std::vector<std::string> inputs = {"x", "W", "R", "B"}) {
    attrs.push_back(attr_s("direction", "bidirectional"));
    return import_error(rnn_spec(attrs, inputs), 14);
  };
  CHECK(with({}) == "(no error)");
  std::string e = with({attr_strings("activations", {"Tanh", "Affine"})});
  CHECK(contains(e, "my_rnn"));
  CHECK(contains(e, "unsupported activation 'Affine' at position 1"));
  CHECK(contains(with({attr_strings("activations", {"Tanh"})}), "activations must list 2 functions"));
  CHECK(contains(with({attr_floats("activation_alpha", {0.2f})}), "activation_alpha lists 1 values"));
  CHECK(contains(with({attr_i("hidden_size", 3)}), "hidden_size is 3 but R has shape [2,1,1]"));
  CHECK(contains(with({attr_i("output_sequence", 1)}), "attribute 'output_sequence' is not supported"));
  CHECK(contains(with({}, {"x", "W", "R", "B", "", "", "W"}), "has 7 inputs; at most 6 are allowed"));
  CHECK(contains(with({}, {"x", "", "R"}), "required input 1 is missing"));
}
