#include "engine/passes/hoist_lstm_input_projection.h"

#include <algorithm>

#include "engine/error.h"
#include "engine/passes/drop_unreferenced.h"

namespace vigil {

namespace {

constexpr int kLstmX = 0, kLstmW = 1, kLstmB = 3;

// The one node reading `value`; throws unless it is an LSTM reading it as X only.
size_t sole_lstm_reader(const Graph& g, int value, std::string_view name) {
  std::vector<size_t> readers;
  for (size_t n = 0; n < g.nodes.size(); ++n)
    for (int v : g.nodes[n].inputs)
      if (v == value) {
        readers.push_back(n);
        break;
      }
  if (readers.size() != 1)
    fail("hoist_lstm_input_projection: '", name, "' is read by ", readers.size(), " nodes, expected one LSTM");
  const Node& lstm = g.nodes[readers[0]];
  if (lstm.op != OpType::Lstm)
    fail("hoist_lstm_input_projection: '", name, "' is read by ", lstm.label(), ", not an LSTM");
  if (std::count(lstm.inputs.begin(), lstm.inputs.end(), value) != 1 || lstm.inputs[kLstmX] != value)
    fail("hoist_lstm_input_projection: ", lstm.label(), " reads '", name, "' other than as its X");
  return readers[0];
}

}  // namespace

HoistedProjection hoist_lstm_input_projection(Graph& g, std::string_view window_input,
                                              std::string_view embedding_output) {
  validate_and_infer(g);
  const int window = g.find_value(window_input);
  if (window < 0 || std::find(g.inputs.begin(), g.inputs.end(), window) == g.inputs.end())
    fail("hoist_lstm_input_projection: '", window_input, "' is not a graph input");
  const int embedding = g.find_value(embedding_output);
  if (embedding < 0 || std::find(g.outputs.begin(), g.outputs.end(), embedding) == g.outputs.end())
    fail("hoist_lstm_input_projection: '", embedding_output, "' is not a graph output");
  const size_t lstm_index = sole_lstm_reader(g, window, window_input);
  Node& lstm = g.nodes[lstm_index];
  const std::string who = lstm.label();
  if (lstm.attrs.get_int("layout", 0, who) != 0) fail("hoist_lstm_input_projection: ", who, " has layout 1");
  if (lstm.attrs.get_int("input_projected", 0, who) != 0)
    fail("hoist_lstm_input_projection: ", who, " already reads projected input");
  const int w = lstm.inputs[kLstmW];
  if (w == kNoValue || !g.is_constant(w) || g.constant_of(w).dtype() != DType::F32)
    fail("hoist_lstm_input_projection: ", who, "'s W is not an f32 constant");
  const int b = lstm.inputs.size() > kLstmB ? lstm.inputs[kLstmB] : kNoValue;
  if (b != kNoValue && (!g.is_constant(b) || g.constant_of(b).dtype() != DType::F32))
    fail("hoist_lstm_input_projection: ", who, "'s B is not an f32 constant");

  const Shape window_shape = g.values[static_cast<size_t>(window)].shape;  // [T, B, E]
  const Shape& w_shape = g.constant_of(w).shape();                         // [D, 4H, E]
  const Shape& emb_shape = g.values[static_cast<size_t>(embedding)].shape;
  const int64_t dirs = w_shape[0], gates = w_shape[1], e = w_shape[2];
  if (emb_shape.rank != 2 || emb_shape[1] != e)
    fail("hoist_lstm_input_projection: '", embedding_output, "' has shape ", emb_shape.str(), ", expected [N,", e,
         "] (the LSTM's input size)");

  // W [D, 4H, E] is, byte for byte, the [D*4H, E] matrix the Gemm multiplies by (transB = 1); the bias
  // holds both of ONNX's biases, Wb + Rb, per direction.
  const Tensor& w_tensor = g.constant_of(w);
  Tensor weight = Tensor::from_f32({dirs * gates, e}, {w_tensor.f32(), static_cast<size_t>(w_tensor.numel())});
  std::vector<float> bias(static_cast<size_t>(dirs * gates), 0.0f);
  if (b != kNoValue) {
    const float* src = g.constant_of(b).f32();
    for (int64_t d = 0; d < dirs; ++d)
      for (int64_t k = 0; k < gates; ++k)
        bias[static_cast<size_t>(d * gates + k)] = src[d * 2 * gates + k] + src[d * 2 * gates + gates + k];
  }

  HoistedProjection names{std::string(embedding_output) + "/lstm_input_projection",
                          std::string(window_input) + "/lstm_input_projection"};
  const std::string node_name = (lstm.name.empty() ? std::string("lstm") : lstm.name) + "/input_projection";
  for (const std::string& n :
       {names.projection_output, names.projected_input, node_name + ".weight", node_name + ".bias"})
    if (g.find_value(n) >= 0) fail("hoist_lstm_input_projection: a value named '", n, "' exists already");
  auto add_value = [&](std::string name, DType dtype, Shape shape, int constant) {
    Value v;
    v.name = std::move(name);
    v.dtype = dtype;
    v.shape = shape;
    v.constant = constant;
    g.values.push_back(std::move(v));
    return static_cast<int>(g.values.size() - 1);
  };
  g.constants.push_back(std::move(weight));
  const int weight_id =
      add_value(node_name + ".weight", DType::F32, {dirs * gates, e}, static_cast<int>(g.constants.size() - 1));
  g.constants.push_back(Tensor::from_f32({dirs * gates}, bias));
  const int bias_id =
      add_value(node_name + ".bias", DType::F32, {dirs * gates}, static_cast<int>(g.constants.size() - 1));
  const int projection = add_value(names.projection_output, DType::Undefined, {}, -1);
  const int projected =
      add_value(names.projected_input, DType::F32, {window_shape[0], window_shape[1], dirs * gates}, -1);

  Node& target = g.nodes[lstm_index];  // g.values grew; the node reference is still valid (nodes did not)
  target.inputs[kLstmX] = projected;
  target.inputs[kLstmW] = kNoValue;
  if (target.inputs.size() > kLstmB) target.inputs[kLstmB] = kNoValue;
  target.attrs.set("input_projected", int64_t{1});
  Attributes gemm;
  gemm.set("transB", int64_t{1});
  g.nodes.push_back(Node{OpType::Gemm, node_name, {embedding, weight_id, bias_id}, {projection}, std::move(gemm)});
  std::replace(g.inputs.begin(), g.inputs.end(), window, projected);
  g.outputs.push_back(projection);
  drop_unreferenced(g);  // the old window input, and W and B unless another node reads them
  validate_and_infer(g);
  return names;
}

}  // namespace vigil
