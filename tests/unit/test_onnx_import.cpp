// The ONNX importer on models built in C++: mapping onto vigil ops and their attribute conventions,
// load-time folding of shape arithmetic, names, metadata, and the errors users see.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "engine/error.h"
#include "engine/executor.h"
#include "graph_query_support.h"
#include "loaders/onnx/onnx_import.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

TEST_CASE("onnx import: a one-node model runs and keeps ONNX names and metadata") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 2, 2}));
  g.outputs.push_back(value_info("y", kFloat, {1, 2, 2}));
  g.nodes.push_back(node("LeakyRelu", {"x"}, {"y"}, "act", {attr_f("alpha", 0.5f)}));
  Graph graph = import(g, 16);
  CHECK(graph.values[static_cast<size_t>(graph.inputs[0])].name == "x");
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].name == "y");
  CHECK(std::get<std::string>(graph.metadata.at("source_format")) == "onnx");
  CHECK(std::get<std::string>(graph.metadata.at("producer")) == "vigil-test 0.1");
  CHECK(std::get<int64_t>(graph.metadata.at("onnx_opset")) == 16);
  Engine engine(std::move(graph));
  ExecutionContext ctx(engine);
  const float in[] = {-2, -1, 0, 3};
  std::copy(in, in + 4, ctx.input("x").f32());
  ctx.run();
  const float want[] = {-1, -0.5f, 0, 3};
  for (int k = 0; k < 4; ++k) CHECK(ctx.output("y").f32()[k] == want[k]);
}

TEST_CASE("onnx import: an unsupported op names op type, node, opset and lists what is supported") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 4}));
  g.outputs.push_back(value_info("y", kFloat, {1, 4}));
  g.nodes.push_back(node("Unique", {"x"}, {"y"}, "unique_7"));
  const std::string e = import_error(g, 13);
  CHECK(contains(e, "test.onnx: node 'unique_7' (Unique, opset 13): unsupported op type 'Unique'"));
  CHECK(contains(e, "vigil maps these ONNX ops: Abs, Acos, Acosh, Add, And, ArgMax, ArgMin, Asin, Asinh, Atan, Atanh"));
  CHECK(contains(e, "LSTM"));
  CHECK(contains(e, "evaluates these at load time when their inputs are constants: Abs, Add, And, Cast, Ceil, Concat"));

  // Unnamed nodes are named by their first output; other domains are named too.
  g.nodes = {node("Unique", {"x"}, {"y"})};
  CHECK(contains(import_error(g), "unnamed node #0 (output 'y') (Unique, opset 13)"));
  Pb custom = node("FusedThing", {"x"}, {"y"}, "f1");
  custom.s(7, "com.microsoft");
  g.nodes = {custom};
  CHECK(contains(import_error(g), "op 'FusedThing' of domain 'com.microsoft' is not supported"));
}

TEST_CASE("onnx import: an unsupported attribute is named with the ones vigil understands") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 1, 4, 4}));
  g.outputs.push_back(value_info("y", kFloat, {1, 1, 4, 4}));
  g.initializers.push_back(tensor_f32("w", {1, 1, 1, 1}, {2.0f}));
  g.nodes.push_back(node("Conv", {"x", "w"}, {"y"}, "conv1", {attr_i("fancy", 1)}));
  const std::string e = import_error(g, 11);
  CHECK(contains(e, "node 'conv1' (Conv, opset 11): attribute 'fancy' is not supported"));
  CHECK(contains(e, "auto_pad, dilations, group, kernel_shape, pads, strides"));
}

TEST_CASE("onnx import: dynamic dims need --input-shape, which is checked against the model") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {-1, 3}));
  g.outputs.push_back(value_info("y", kFloat, {-1, 3}));
  g.nodes.push_back(node("Relu", {"x"}, {"y"}));
  std::string e = import_error(g);
  CHECK(contains(e, "graph input 'x' has dynamic dim 0 ('N') in [N,3]"));
  CHECK(contains(e, "--input-shape x="));

  OnnxImportOptions o;
  o.input_shapes = {{"x", Shape{5, 3}}};
  Graph graph = import(g, 13, o);
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{5, 3});

  o.input_shapes = {{"x", Shape{5, 4}}};
  CHECK(contains(import_error(g, 13, o), "contradicts the model's static dim 1 = 3"));
  o.input_shapes = {{"x", Shape{5, 3, 1}}};
  CHECK(contains(import_error(g, 13, o), "has rank 3 but the model declares [N,3]"));
  o.input_shapes = {{"image", Shape{5, 3}}};
  CHECK(contains(import_error(g, 13, o), "--input-shape names 'image', which is not a graph input (inputs: 'x')"));
}

TEST_CASE("onnx import: the data's shapes fill only the dims the model leaves dynamic") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {-1, 3}));
  g.outputs.push_back(value_info("y", kFloat, {-1, 3}));
  g.nodes.push_back(node("Relu", {"x"}, {"y"}));
  auto output_shape = [](const Graph& graph) { return graph.values[static_cast<size_t>(graph.outputs[0])].shape; };

  OnnxImportOptions o;
  o.data_shapes = {{"x", Shape{5, 3}}};
  CHECK(output_shape(import(g, 13, o)) == Shape{5, 3});
  o.data_shapes = {{"", Shape{7, 3}}};  // "": the only input
  CHECK(output_shape(import(g, 13, o)) == Shape{7, 3});
  o.data_shapes = {{"x", Shape{5, 4}}};  // a static dim the data contradicts stays the model's
  CHECK(output_shape(import(g, 13, o)) == Shape{5, 3});
  o.input_shapes = {{"x", Shape{2, 3}}};  // --input-shape wins
  CHECK(output_shape(import(g, 13, o)) == Shape{2, 3});
  o.input_shapes.clear();
  o.data_shapes = {{"x", Shape{5}}};  // another rank fills nothing
  CHECK(contains(import_error(g, 13, o), "graph input 'x' has dynamic dim 0 ('N') in [N,3]"));
  o.data_shapes = {{"x", Shape{0, 3}}};
  CHECK(contains(import_error(g, 13, o), "the data fed to it has a zero-size dim 0 in [0,3]"));
  o.data_shapes = {{"other", Shape{5, 3}}};
  CHECK(contains(import_error(g, 13, o), "has dynamic dim 0"));

  GraphSpec two = g;  // with two inputs, "" names neither
  two.inputs.push_back(value_info("z", kFloat, {-1, 3}));
  two.outputs[0] = value_info("y", kFloat, {-1, 3});
  two.nodes[0] = node("Add", {"x", "z"}, {"y"});
  o.data_shapes = {{"", Shape{5, 3}}};
  CHECK(contains(import_error(two, 13, o), "graph input 'x' has dynamic dim 0"));
  o.data_shapes = {{"x", Shape{5, 3}}, {"z", Shape{5, 3}}};
  CHECK(output_shape(import(two, 13, o)) == Shape{5, 3});

  GraphSpec shapeless = g;  // an input that declares no shape takes the data's
  Pb tensor_type, type;
  tensor_type.i(1, kFloat);  // no field 2: no shape
  type.m(1, tensor_type);
  shapeless.inputs[0] = Pb().s(1, "x").m(2, type);
  o.data_shapes = {{"x", Shape{4, 3}}};
  CHECK(output_shape(import(shapeless, 13, o)) == Shape{4, 3});
}

TEST_CASE("onnx import: exporter shape arithmetic around Reshape folds into its shape attribute") {
  // y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])): PyTorch's x.view(x.size(0), -1).
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3, 4}));
  g.outputs.push_back(value_info("y", kFloat, {2, 12}));
  g.initializers.push_back(tensor_i64("zero", {}, {0}));
  g.initializers.push_back(tensor_i64("axes0", {1}, {0}));
  g.initializers.push_back(tensor_i64("minus1", {1}, {-1}));
  g.nodes.push_back(node("Shape", {"x"}, {"s"}));
  g.nodes.push_back(node("Gather", {"s", "zero"}, {"n"}, "", {attr_i("axis", 0)}));
  g.nodes.push_back(node("Unsqueeze", {"n", "axes0"}, {"n1"}));
  g.nodes.push_back(node("Concat", {"n1", "minus1"}, {"shape"}, "", {attr_i("axis", 0)}));
  g.nodes.push_back(node("Reshape", {"x", "shape"}, {"y"}, "flatten"));
  Graph graph = import(g, 13);
  REQUIRE(graph.nodes.size() == 1);
  CHECK(graph.nodes[0].op == OpType::Reshape);
  CHECK(graph.nodes[0].attrs.get_ints("shape") == std::vector<int64_t>{2, -1});
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{2, 12});
  CHECK(graph.constants.empty());  // the folded shape tensors are not kept
}

TEST_CASE("onnx import: ConstantOfShape + Expand fold to a constant operand") {
  // y = x + Expand(ConstantOfShape([1], value=2.5), Shape(x))
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3}));
  g.outputs.push_back(value_info("y", kFloat, {2, 3}));
  g.initializers.push_back(tensor_i64("one", {1}, {1}));
  g.nodes.push_back(node("ConstantOfShape", {"one"}, {"c"}, "", {attr_t("value", tensor_f32("", {1}, {2.5f}))}));
  g.nodes.push_back(node("Shape", {"x"}, {"s"}));
  g.nodes.push_back(node("Expand", {"c", "s"}, {"e"}));
  g.nodes.push_back(node("Add", {"x", "e"}, {"y"}));
  Graph graph = import(g, 13);
  REQUIRE(graph.nodes.size() == 1);
  CHECK(graph.nodes[0].op == OpType::Add);
  const Tensor& c = graph.constant_of(graph.nodes[0].inputs[1]);
  CHECK(c.shape() == Shape{2, 3});
  for (int k = 0; k < 6; ++k) CHECK(c.f32()[k] == 2.5f);
}

TEST_CASE("onnx import: LSTM initial states from ConstantOfShape become constant inputs") {
  const int64_t hidden = 2, input = 3, seq = 4, batch = 1;
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {seq, batch, input}));
  g.outputs.push_back(value_info("y", kFloat, {seq, 1, batch, hidden}));
  g.initializers.push_back(tensor_f32("W", {1, 4 * hidden, input}, std::vector<float>(4 * hidden * input, 0.1f)));
  g.initializers.push_back(tensor_f32("R", {1, 4 * hidden, hidden}, std::vector<float>(4 * hidden * hidden, 0.2f)));
  g.initializers.push_back(tensor_i64("state_shape", {3}, {1, batch, hidden}));
  g.nodes.push_back(node("ConstantOfShape", {"state_shape"}, {"h0"}));
  g.nodes.push_back(node("LSTM", {"x", "W", "R", "", "", "h0", "h0"}, {"y"}, "lstm", {attr_i("hidden_size", hidden)}));
  Graph graph = import(g, 14);
  const Node& lstm = only_node(graph, OpType::Lstm);
  REQUIRE(lstm.inputs.size() == 7);
  CHECK(lstm.inputs[3] == kNoValue);
  CHECK(lstm.inputs[4] == kNoValue);
  CHECK(graph.is_constant(lstm.inputs[5]));
  CHECK(graph.constant_of(lstm.inputs[5]).shape() == Shape{1, 1, 2});
  CHECK(lstm.attrs.get_string("direction", "") == "forward");
  CHECK(lstm.attrs.get_int("hidden_size", 0) == 2);

  // Non-default gate activations are refused by name.
  g.nodes.back() = node("LSTM", {"x", "W", "R"}, {"y"}, "lstm",
                        {attr_i("hidden_size", hidden), attr_strings("activations", {"Relu", "Tanh", "Tanh"})});
  CHECK(contains(import_error(g, 14), "activations [Relu,Tanh,Tanh] are not supported"));
}

TEST_CASE("onnx import: Identity and Dropout disappear, a graph output keeps its ONNX name") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 4}));
  g.outputs.push_back(value_info("y", kFloat, {1, 4}));
  g.nodes.push_back(node("Identity", {"x"}, {"a"}));
  g.nodes.push_back(node("Relu", {"a"}, {"b"}, "relu"));
  g.nodes.push_back(node("Dropout", {"b"}, {"c"}, "drop", {attr_f("ratio", 0.3f)}));
  g.nodes.push_back(node("Sigmoid", {"c"}, {"y"}, "sig"));
  Graph graph = import(g, 13);
  REQUIRE(graph.nodes.size() == 2);
  CHECK(graph.nodes[0].op == OpType::Relu);
  CHECK(graph.nodes[1].op == OpType::Sigmoid);
  CHECK(graph.nodes[0].inputs[0] == graph.inputs[0]);
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].name == "y");

  // Identity straight to a graph output: the output is still called "z" (a copy node computes it).
  g.nodes.push_back(node("Identity", {"y"}, {"z"}));
  g.outputs = {value_info("z", kFloat, {1, 4})};
  graph = import(g, 13);
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].name == "z");
  CHECK(graph.find_value("y") >= 0);
}

TEST_CASE("onnx import: an inference Dropout's mask is unread or an all-true constant") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3}));
  g.outputs.push_back(value_info("y", kFloat, {2, 3}));
  // PyTorch's eval-mode export names the mask without reading it.
  g.nodes.push_back(node("Dropout", {"x"}, {"d", "mask"}, "drop"));
  g.nodes.push_back(node("Relu", {"d"}, {"y"}, "relu"));
  Graph graph = import(g, 13);
  REQUIRE(graph.nodes.size() == 1);
  CHECK(graph.find_value("mask") < 0);
  CHECK(graph.constants.empty());

  // Read by a Where: the mask is true everywhere, so y = relu(x), never the zeros.
  g.initializers.push_back(tensor_f32("zeros", {1}, {0.0f}));
  g.nodes.back() = node("Where", {"mask", "d", "zeros"}, {"w"}, "where");
  g.nodes.push_back(node("Relu", {"w"}, {"y"}, "relu"));
  std::vector<float> x = {-1.0f, 2.0f, -3.0f, 4.0f, 0.5f, -0.5f};
  Engine engine(import(g, 13), EngineOptions{});
  ExecutionContext ctx(engine, 1);
  std::copy(x.begin(), x.end(), ctx.input(0).f32());
  ctx.run();
  for (size_t i = 0; i < x.size(); ++i) CHECK(ctx.output(0).f32()[i] == std::max(x[i], 0.0f));
  const int mask = engine.graph().find_value("mask");
  REQUIRE(mask >= 0);
  CHECK(engine.graph().values[static_cast<size_t>(mask)].dtype == DType::Bool);
  CHECK(engine.graph().values[static_cast<size_t>(mask)].shape == Shape{2, 3});
}

TEST_CASE("onnx import: initializers listed as graph inputs are constants, not inputs") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 2}));
  g.inputs.push_back(value_info("bias", kFloat, {1, 2}));  // old exporters list initializers here
  g.outputs.push_back(value_info("y", kFloat, {1, 2}));
  g.initializers.push_back(tensor_f32("bias", {1, 2}, {1, 2}));
  g.nodes.push_back(node("Add", {"x", "bias"}, {"y"}));
  Graph graph = import(g, 9);
  REQUIRE(graph.inputs.size() == 1);
  CHECK(graph.values[static_cast<size_t>(graph.inputs[0])].name == "x");
  CHECK(graph.is_constant(graph.nodes[0].inputs[1]));
}

namespace {

// Softmax over rows of `cols` values, in double.
std::vector<double> softmax_rows(const std::vector<float>& x, size_t cols) {
  std::vector<double> out(x.size());
  for (size_t r = 0; r < x.size() / cols; ++r) {
    double mx = -1e300, sum = 0;
    for (size_t c = 0; c < cols; ++c) mx = std::max(mx, static_cast<double>(x[r * cols + c]));
    for (size_t c = 0; c < cols; ++c) sum += std::exp(x[r * cols + c] - mx);
    for (size_t c = 0; c < cols; ++c) out[r * cols + c] = std::exp(x[r * cols + c] - mx) / sum;
  }
  return out;
}

}  // namespace

TEST_CASE("onnx import: Softmax before opset 13 normalises the flattened trailing dims") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3, 4}));
  g.outputs.push_back(value_info("y", kFloat, {2, 3, 4}));
  g.nodes.push_back(node("Softmax", {"x"}, {"y"}, "sm", {attr_i("axis", 1)}));
  Graph graph = import(g, 11);
  CHECK(count_op(graph, OpType::Flatten) == 1);
  CHECK(count_op(graph, OpType::Softmax) == 1);
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{2, 3, 4});
  Engine engine(std::move(graph));
  ExecutionContext ctx(engine);
  std::vector<float> x(24);
  for (size_t k = 0; k < x.size(); ++k) x[k] = 0.37f * static_cast<float>(k % 7) - 0.11f * static_cast<float>(k);
  std::copy(x.begin(), x.end(), ctx.input(0).f32());
  ctx.run();
  // Opset-11 axis=1 on [2,3,4]: each of the 2 rows of 12 values sums to 1 (not each group of 3).
  const std::vector<double> want = softmax_rows(x, 12);
  for (size_t k = 0; k < 24; ++k) CHECK(ctx.output(0).f32()[k] == doctest::Approx(want[k]).epsilon(1e-6));

  // With the last axis the old and new semantics agree: one Softmax node.
  g.nodes = {node("Softmax", {"x"}, {"y"}, "sm", {attr_i("axis", 2)})};
  graph = import(g, 11);
  REQUIRE(graph.nodes.size() == 1);
  CHECK(graph.nodes[0].attrs.get_int("axis", 0) == -1);
  // Opset 13: one axis, default -1, kept as a single node.
  g.nodes = {node("Softmax", {"x"}, {"y"}, "sm", {attr_i("axis", 1)})};
  graph = import(g, 13);
  REQUIRE(graph.nodes.size() == 1);
  CHECK(graph.nodes[0].attrs.get_int("axis", -1) == 1);
}

TEST_CASE("onnx import: Conv auto_pad becomes explicit [top,left,bottom,right] pads") {
  auto conv_pads = [](const std::string& auto_pad, int64_t in, int64_t k, int64_t stride) {
    GraphSpec g;
    g.inputs.push_back(value_info("x", kFloat, {1, 1, in, in}));
    g.outputs.push_back(value_info("y", kFloat, {}));
    g.initializers.push_back(tensor_f32("w", {1, 1, k, k}, std::vector<float>(static_cast<size_t>(k * k), 1.0f)));
    g.nodes.push_back(node("Conv", {"x", "w"}, {"y"}, "conv",
                           {attr_s("auto_pad", auto_pad), attr_ints("strides", {stride, stride})}));
    OnnxImportOptions o;
    o.optimize = false;
    Graph graph = import_onnx_bytes(model(g, 11), o);
    const Node& conv = only_node(graph, OpType::Conv2d);
    CHECK_FALSE(conv.attrs.has("auto_pad"));
    return std::make_pair(conv.attrs.get_ints("pads"), graph.values[static_cast<size_t>(graph.outputs[0])].shape);
  };
  // in 5, k 3, stride 2: out 3, total padding (3-1)*2+3-5 = 2, split evenly.
  auto [pads, shape] = conv_pads("SAME_UPPER", 5, 3, 2);
  CHECK(pads == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(shape == Shape{1, 1, 3, 3});
  // in 4, k 2, stride 1: total 1; SAME_UPPER puts it at the end, SAME_LOWER at the beginning.
  std::tie(pads, shape) = conv_pads("SAME_UPPER", 4, 2, 1);
  CHECK(pads == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(shape == Shape{1, 1, 4, 4});
  std::tie(pads, shape) = conv_pads("SAME_LOWER", 4, 2, 1);
  CHECK(pads == std::vector<int64_t>{1, 1, 0, 0});
  std::tie(pads, shape) = conv_pads("VALID", 5, 3, 1);
  CHECK(pads == std::vector<int64_t>{0, 0, 0, 0});
  CHECK(shape == Shape{1, 1, 3, 3});
}

TEST_CASE("onnx import: Clip bounds, Slice arguments and Resize scales become attributes") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 1, 4, 6}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers.push_back(tensor_f32("lo", {}, {0.0f}));
  g.initializers.push_back(tensor_f32("hi", {}, {6.0f}));
  g.initializers.push_back(tensor_i64("starts", {2}, {1, -1}));
  g.initializers.push_back(tensor_i64("ends", {2}, {3, INT64_MIN}));
  g.initializers.push_back(tensor_i64("axes", {2}, {-2, 3}));
  g.initializers.push_back(tensor_i64("steps", {2}, {1, -2}));
  g.initializers.push_back(tensor_f32("scales", {4}, {1, 1, 2, 2}));
  g.nodes.push_back(node("Clip", {"x", "lo", "hi"}, {"c"}, "relu6"));
  g.nodes.push_back(node("Slice", {"c", "starts", "ends", "axes", "steps"}, {"s"}, "slice"));
  g.nodes.push_back(node("Resize", {"s", "", "scales"}, {"y"}, "up", {attr_s("mode", "nearest")}));
  Graph graph = import(g, 13);
  const Node& clip = only_node(graph, OpType::Clip);
  CHECK(clip.inputs.size() == 1);
  CHECK(clip.attrs.get_float("min", -1) == 0.0f);
  CHECK(clip.attrs.get_float("max", -1) == 6.0f);
  const Node& slice = only_node(graph, OpType::Slice);
  CHECK(slice.inputs.size() == 1);
  CHECK(slice.attrs.get_ints("starts") == std::vector<int64_t>{1, -1});
  CHECK(slice.attrs.get_ints("ends") == std::vector<int64_t>{3, INT64_MIN});
  CHECK(slice.attrs.get_ints("axes") == std::vector<int64_t>{2, 3});
  CHECK(slice.attrs.get_ints("steps") == std::vector<int64_t>{1, -2});
  const Node& resize = only_node(graph, OpType::Resize);
  CHECK(resize.inputs.size() == 1);
  CHECK(resize.attrs.get_floats("scales") == std::vector<float>{1, 1, 2, 2});
  CHECK(resize.attrs.get_string("coordinate_transformation_mode", "") == "half_pixel");
  CHECK(resize.attrs.get_string("nearest_mode", "") == "round_prefer_floor");
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{1, 1, 4, 6});

  // A run-time argument vigil needs at load time is a clear error.
  g.inputs.push_back(value_info("hi_dynamic", kFloat, {}));
  g.nodes[0] = node("Clip", {"x", "lo", "hi_dynamic"}, {"c"}, "relu6");
  CHECK(contains(import_error(g, 13), "input 2 ('hi_dynamic', the max) is computed at run time"));
}

TEST_CASE("onnx import: Resize-10 and Upsample use asymmetric coordinates and floor rounding") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 2, 3, 3}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers.push_back(tensor_f32("scales", {4}, {1, 1, 2, 2}));
  g.nodes.push_back(node("Upsample", {"x", "scales"}, {"y"}, "up"));
  Graph graph = import(g, 9);
  const Node& r = only_node(graph, OpType::Resize);
  CHECK(r.attrs.get_string("coordinate_transformation_mode", "") == "asymmetric");
  CHECK(r.attrs.get_string("nearest_mode", "") == "floor");
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{1, 2, 6, 6});
  g.nodes = {node("Resize", {"x", "scales"}, {"y"}, "up", {attr_s("mode", "linear")})};
  graph = import(g, 10);
  CHECK(only_node(graph, OpType::Resize).attrs.get_string("mode", "") == "linear");
  g.nodes = {node("Resize", {"x", "", "scales"}, {"y"}, "up", {attr_s("mode", "area")})};
  CHECK(contains(import_error(g, 13), "mode 'area' is not supported (nearest, linear, cubic)"));
}

TEST_CASE("onnx import: 1-D Conv runs as 2-D with a unit height") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 1, 5}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers.push_back(tensor_f32("w", {1, 1, 3}, {1, 2, 3}));
  g.nodes.push_back(node("Conv", {"x", "w"}, {"y"}, "conv", {attr_ints("pads", {1, 1})}));
  Graph graph = import(g, 11);
  const Node& conv = only_node(graph, OpType::Conv2d);
  CHECK(conv.attrs.get_ints("pads") == std::vector<int64_t>{0, 1, 0, 1});
  CHECK(graph.constant_of(conv.inputs[1]).shape() == Shape{1, 1, 1, 3});
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{1, 1, 5});
  Engine engine(std::move(graph));
  ExecutionContext ctx(engine);
  const float x[] = {1, 2, 3, 4, 5};
  std::copy(x, x + 5, ctx.input(0).f32());
  ctx.run();
  // Cross-correlation with [1,2,3], zero padding of 1 each side.
  const float want[] = {0 * 1 + 1 * 2 + 2 * 3, 1 + 4 + 9, 2 + 6 + 12, 3 + 8 + 15, 4 + 10 + 0};
  for (int k = 0; k < 5; ++k) CHECK(ctx.output(0).f32()[k] == want[k]);
}

TEST_CASE("onnx import: Split sizes come from the input, attribute or num_outputs") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 7}));
  g.outputs.push_back(value_info("a", kFloat, {}));
  g.outputs.push_back(value_info("b", kFloat, {}));
  g.outputs.push_back(value_info("c", kFloat, {}));
  g.nodes.push_back(node("Split", {"x"}, {"a", "b", "c"}, "split", {attr_i("axis", 1), attr_i("num_outputs", 3)}));
  Graph graph = import(g, 18);
  CHECK(only_node(graph, OpType::Split).attrs.get_ints("split") == std::vector<int64_t>{3, 3, 1});
  g.initializers.push_back(tensor_i64("sizes", {3}, {1, 2, 4}));
  g.nodes = {node("Split", {"x", "sizes"}, {"a", "b", "c"}, "split", {attr_i("axis", -1)})};
  graph = import(g, 13);
  CHECK(only_node(graph, OpType::Split).attrs.get_ints("split") == std::vector<int64_t>{1, 2, 4});
  CHECK(only_node(graph, OpType::Split).attrs.get_int("axis", 0) == 1);
  g.nodes = {node("Split", {"x"}, {"a", "b", "c"}, "split", {attr_i("axis", 1)})};
  CHECK(contains(import_error(g, 13), "axis 1 of size 7 does not split into 3 equal parts"));
}

TEST_CASE("onnx import: ReduceMean axes from the attribute (opset < 18) or the input (opset 18)") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3, 4}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.nodes.push_back(node("ReduceMean", {"x"}, {"y"}, "mean", {attr_ints("axes", {-1, 1}), attr_i("keepdims", 0)}));
  Graph graph = import(g, 13);
  CHECK(only_node(graph, OpType::ReduceMean).attrs.get_ints("axes") == std::vector<int64_t>{1, 2});
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{2});
  g.initializers.push_back(tensor_i64("axes", {1}, {2}));
  g.nodes = {node("ReduceMean", {"x", "axes"}, {"y"}, "mean")};
  graph = import(g, 18);
  CHECK(only_node(graph, OpType::ReduceMean).attrs.get_ints("axes") == std::vector<int64_t>{2});
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{2, 3, 1});
}

TEST_CASE("onnx import: BatchNormalization after Conv is folded when the passes exist") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 2, 3, 3}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers.push_back(tensor_f32("w", {2, 2, 1, 1}, {1, 0, 0, 1}));
  g.initializers.push_back(tensor_f32("scale", {2}, {2, 3}));
  g.initializers.push_back(tensor_f32("bias", {2}, {0.5f, -1}));
  g.initializers.push_back(tensor_f32("mean", {2}, {1, 2}));
  g.initializers.push_back(tensor_f32("var", {2}, {4, 9}));
  g.nodes.push_back(node("Conv", {"x", "w"}, {"c"}, "conv"));
  g.nodes.push_back(
      node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"bn"}, "bn", {attr_f("epsilon", 0.0f)}));
  g.nodes.push_back(node("Relu", {"bn"}, {"y"}, "relu"));
  OnnxImportOptions plain;
  plain.optimize = false;
  Graph unfolded = import(g, 15, plain);
  CHECK(count_op(unfolded, OpType::BatchNorm) == 1);
  CHECK(only_node(unfolded, OpType::BatchNorm).attrs.get_float("epsilon", 1) == 0.0f);
  Graph folded = import(g, 15);
#if __has_include("engine/passes/fold_batch_norm.h")
  CHECK(count_op(folded, OpType::BatchNorm) == 0);
  CHECK(count_op(folded, OpType::Relu) == 0);
  CHECK(folded.values[static_cast<size_t>(folded.outputs[0])].name == "y");
#endif
  // Either way the numbers agree: y = relu((x - mean) / sqrt(var) * scale + bias) per channel.
  for (Graph* graph : {&unfolded, &folded}) {
    Engine engine(std::move(*graph));
    ExecutionContext ctx(engine);
    for (int k = 0; k < 18; ++k) ctx.input(0).f32()[k] = static_cast<float>(k) * 0.5f - 2.0f;
    ctx.run();
    for (int k = 0; k < 18; ++k) {
      const int c = k / 9;
      const double x = k * 0.5 - 2.0;
      const double want = std::max(0.0, c == 0 ? (x - 1) / 2 * 2 + 0.5 : (x - 2) / 3 * 3 - 1);
      CHECK(ctx.output(0).f32()[k] == doctest::Approx(want).epsilon(1e-6));
    }
  }
}

TEST_CASE("onnx import: malformed or unsupported model structure gives clear errors") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 4}));
  g.outputs.push_back(value_info("y", kFloat, {1, 4}));
  g.nodes.push_back(node("Relu", {"x"}, {"y"}));
  CHECK(contains(import_error(g, 6), "opset 6; vigil reads opsets 7 to 28"));

  // A truncated file names the file and the offset.
  std::vector<uint8_t> bytes = model(g, 13);
  bytes.resize(bytes.size() - 5);
  try {
    import_onnx_bytes(bytes, {}, "cut.onnx");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "cut.onnx: ONNX protobuf error at byte offset"));
  }

  // Nodes out of order.
  g.nodes = {node("Relu", {"t"}, {"y"}), node("Relu", {"x"}, {"t"})};
  CHECK(contains(import_error(g), "input 't' is not a graph input, an initializer or the output of an earlier node"));

  // A nested graph.
  Pb branch_attr;
  branch_attr.s(1, "then_branch").i(20, 5).m(6, Pb().s(2, "body"));
  g.nodes = {node("Relu", {"x"}, {"y"}, "r", {branch_attr})};
  CHECK(contains(import_error(g), "attribute 'then_branch' holds a subgraph; nested graphs"));

  // External data.
  Pb ext;
  ext.i(1, 1).i(1, 4).i(2, 1).s(8, "b").m(13, Pb().s(1, "location").s(2, "b.bin")).i(14, 1);
  g.initializers = {ext};
  g.nodes = {node("Add", {"x", "b"}, {"y"})};
  CHECK(contains(import_error(g),
                 "initializer 'b': its data is stored in the external file 'b.bin', which vigil reads "
                 "only when the model is imported from its file (by path)"));

  // Load-time-only ops on run-time values.
  // (Expand, Tile, Where, Max/Min, Cast and the comparisons also have run-time mappings; Range has none.)
  g.initializers = {tensor_f32("limit", {}, {0.5f})};
  g.nodes = {node("Range", {"x", "limit", "limit"}, {"y"}, "e")};
  CHECK(contains(import_error(g), "input 'x' is computed at run time, but vigil evaluates Range only at load time"));

  // A non-tensor graph input.
  g.initializers.clear();
  g.nodes = {node("Relu", {"x"}, {"y"})};
  g.inputs[0] = Pb().s(1, "x").m(2, Pb().m(4, Pb().m(1, Pb().m(1, Pb().i(1, 1)))));
  CHECK(contains(import_error(g), "graph input 'x' is a sequence; vigil takes tensors only"));
}

TEST_CASE("onnx import: constant_inputs bake graph inputs in") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 6}));
  g.inputs.push_back(value_info("shape", kInt64, {2}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.nodes.push_back(node("Reshape", {"x", "shape"}, {"y"}, "reshape"));
  CHECK(contains(import_error(g), "input 1 ('shape', the shape) is computed at run time"));
  OnnxImportOptions o;
  const int64_t shape[] = {3, -1};
  o.constant_inputs.emplace_back("shape", Tensor::from_i64({2}, shape));
  Graph graph = import(g, 13, o);
  CHECK(graph.inputs.size() == 1);
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{3, 4});
  o.constant_inputs.emplace_back("nope", Tensor::from_i64({2}, shape));
  CHECK(contains(import_error(g, 13, o), "constant input 'nope' is not a graph input"));
}

TEST_CASE("onnx import: a folded graph output is still computed by a node under its name") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3}));
  g.outputs.push_back(value_info("y", kFloat, {2, 3}));
  g.outputs.push_back(value_info("shape_f", kFloat, {2}));
  g.nodes.push_back(node("Relu", {"x"}, {"y"}));
  g.nodes.push_back(node("Shape", {"x"}, {"s"}));
  g.nodes.push_back(node("Cast", {"s"}, {"shape_f"}, "", {attr_i("to", kFloat)}));
  Graph graph = import(g, 13);
  REQUIRE(graph.outputs.size() == 2);
  CHECK(graph.values[static_cast<size_t>(graph.outputs[1])].name == "shape_f");
  Engine engine(std::move(graph));
  ExecutionContext ctx(engine);
  ctx.run();
  CHECK(ctx.output("shape_f").f32()[0] == 2.0f);
  CHECK(ctx.output("shape_f").f32()[1] == 3.0f);
}

TEST_CASE("onnx import: import_onnx reads files and names them in errors") {
  CHECK_THROWS_WITH_AS(import_onnx("/nonexistent/model.onnx"),
                       doctest::Contains("/nonexistent/model.onnx: cannot open"), Error);
}

TEST_CASE("onnx import: Gather with constant indices on a run-time tensor becomes Slice/Concat/Reshape") {
  // x[-1] of a [3,2,4] tensor (the last LSTM step) and x[:, [0,1,3]] style picks.
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {3, 2, 4}));
  g.outputs.push_back(value_info("last", kFloat, {}));
  g.outputs.push_back(value_info("picked", kFloat, {}));
  g.initializers.push_back(tensor_i64("minus1", {}, {-1}));
  g.initializers.push_back(tensor_i64("cols", {2, 2}, {0, 1, 3, 0}));
  g.nodes.push_back(node("Gather", {"x", "minus1"}, {"last"}, "g0", {attr_i("axis", 0)}));
  g.nodes.push_back(node("Gather", {"x", "cols"}, {"picked"}, "g2", {attr_i("axis", -1)}));
  Graph graph = import(g, 13);
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].shape == Shape{2, 4});
  CHECK(graph.values[static_cast<size_t>(graph.outputs[1])].shape == Shape{3, 2, 2, 2});
  // [0,1] is one run, [3] and [0] are two more: 1 + 3 slices, one concat.
  CHECK(count_op(graph, OpType::Slice) == 4);
  CHECK(count_op(graph, OpType::Concat) == 1);
  Engine engine(std::move(graph));
  ExecutionContext ctx(engine);
  for (int k = 0; k < 24; ++k) ctx.input(0).f32()[k] = static_cast<float>(k);
  ctx.run();
  for (int k = 0; k < 8; ++k) CHECK(ctx.output("last").f32()[k] == static_cast<float>(16 + k));
  const int cols[] = {0, 1, 3, 0};
  for (int row = 0; row < 6; ++row)
    for (int j = 0; j < 4; ++j) CHECK(ctx.output("picked").f32()[row * 4 + j] == static_cast<float>(row * 4 + cols[j]));
}
