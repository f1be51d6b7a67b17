// MatMul, Gemm, LSTM, GRU, RNN, Softmax/LogSoftmax and the reductions.
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

using Ints = std::vector<int64_t>;

void map_matmul(Importer& im, const NodeInfo& n) {
  n.check_attributes({});
  n.expect_inputs(2, 2);
  im.emit1(n, OpType::MatMul, n.name(), {im.value(n, 0), im.value(n, 1)}, n.output(0));
}

void map_gemm(Importer& im, const NodeInfo& n) {
  n.check_attributes({"alpha", "beta", "transA", "transB"});
  n.expect_inputs(2, 3);
  Attributes a;
  a.set("alpha", n.get_float("alpha", 1.0f));
  a.set("beta", n.get_float("beta", 1.0f));
  a.set("transA", n.get_int("transA", 0));
  a.set("transB", n.get_int("transB", 0));
  std::vector<int> inputs{im.value(n, 0), im.value(n, 1)};
  if (n.has_input(2)) inputs.push_back(im.value(n, 2));
  im.emit1(n, OpType::Gemm, n.name(), inputs, n.output(0), std::move(a));
}

namespace {

// What ONNX's LSTM and GRU share: direction, the default activations only (`functions` per direction),
// clip, layout, hidden_size (default R's last dim), the inputs up to the last present one and the outputs
// up to the last present one. The caller adds its own attributes and emits the node.
struct RecurrentNode {
  Attributes attrs;
  std::vector<int> inputs;
  std::vector<std::string> outputs;
};

RecurrentNode map_recurrent(Importer& im, const NodeInfo& n, const char* op, const std::vector<std::string>& functions,
                            int max_inputs, int max_outputs) {
  const std::string direction = n.get_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    n.fail(concat("direction '", direction, "' is not forward, reverse or bidirectional"));
  const size_t dirs = direction == "bidirectional" ? 2 : 1;
  // An empty `functions` leaves the activations to the op (RNN checks and carries its own).
  if (auto acts = n.get_strings("activations"); acts && !functions.empty()) {
    std::vector<std::string> expected;
    for (size_t d = 0; d < dirs; ++d) expected.insert(expected.end(), functions.begin(), functions.end());
    if (*acts != expected) {
      std::string got, want;
      for (const auto& s : *acts) got += (got.empty() ? "" : ",") + s;
      for (const auto& s : functions) want += (want.empty() ? "" : ",") + s;
      n.fail(concat("activations [", got, "] are not supported; vigil's ", op, " uses ", want, " only"));
    }
  }
  const Shape r = im.shape_of(n, 2);
  if (r.rank != 3) n.fail(concat("recurrence weight R must be 3-D, got ", r.str()));
  RecurrentNode out;
  out.attrs.set("hidden_size", n.get_int("hidden_size", r[2]));
  out.attrs.set("direction", direction);
  if (n.has_attr("clip")) out.attrs.set("clip", n.get_float("clip", 0));
  out.attrs.set("layout", n.get_int("layout", 0));
  int last = 2;
  for (int k = 3; k < max_inputs; ++k)
    if (n.has_input(k)) last = k;
  for (int k = 0; k <= last; ++k) out.inputs.push_back(im.value(n, k));
  for (int k = 0; k < std::min(n.num_outputs(), max_outputs); ++k)
    out.outputs.push_back(n.has_output(k) ? n.output(k) : "");
  while (!out.outputs.empty() && out.outputs.back().empty()) out.outputs.pop_back();
  if (out.outputs.empty()) n.fail("has no outputs");
  return out;
}

}  // namespace

void map_lstm(Importer& im, const NodeInfo& n) {
  n.check_attributes({"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size",
                      "input_forget", "layout"});
  n.expect_inputs(3, 8);
  // Only the default gate functions: f = Sigmoid, g = h = Tanh.
  RecurrentNode node = map_recurrent(im, n, "LSTM", {"Sigmoid", "Tanh", "Tanh"}, 8, 3);
  node.attrs.set("input_forget", n.get_int("input_forget", 0));
  im.emit(n, OpType::Lstm, n.name(), node.inputs, node.outputs, std::move(node.attrs));
}

void map_gru(Importer& im, const NodeInfo& n) {
  n.check_attributes({"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size",
                      "layout", "linear_before_reset"});
  n.expect_inputs(3, 6);
  // Only the default functions: f = Sigmoid (gates), g = Tanh (candidate).
  RecurrentNode node = map_recurrent(im, n, "GRU", {"Sigmoid", "Tanh"}, 6, 2);
  const int64_t linear_before_reset = n.get_int("linear_before_reset", 0);
  if (linear_before_reset != 0 && linear_before_reset != 1)
    n.fail(concat("linear_before_reset must be 0 or 1, got ", linear_before_reset));
  node.attrs.set("linear_before_reset", linear_before_reset);
  im.emit(n, OpType::Gru, n.name(), node.inputs, node.outputs, std::move(node.attrs));
}

void map_rnn(Importer& im, const NodeInfo& n) {
  n.check_attributes(
      {"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout"});
  n.expect_inputs(3, 6);
  // The activations and their alpha / beta are carried as given: engine/ops/rnn.cpp resolves and checks them.
  RecurrentNode node = map_recurrent(im, n, "RNN", {}, 6, 2);
  if (auto acts = n.get_strings("activations")) node.attrs.set("activations", *acts);
  if (auto alphas = n.get_floats("activation_alpha")) node.attrs.set("activation_alpha", *alphas);
  if (auto betas = n.get_floats("activation_beta")) node.attrs.set("activation_beta", *betas);
  im.emit(n, OpType::Rnn, n.name(), node.inputs, node.outputs, std::move(node.attrs));
}

// Softmax and LogSoftmax (the same axis rules).
void map_softmax(Importer& im, const NodeInfo& n) {
  const OpType op = n.op_type() == "LogSoftmax" ? OpType::LogSoftmax : OpType::Softmax;
  n.check_attributes({"axis"});
  n.expect_inputs(1, 1);
  const Shape x = im.shape_of(n, 0);
  const int rank = x.rank;
  if (rank == 0) n.fail("input is a scalar");
  if (n.opset() >= 13) {
    Attributes a;
    a.set("axis", static_cast<int64_t>(normalize_axis(n, n.get_int("axis", -1), rank, "axis")));
    im.emit1(n, op, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
    return;
  }
  // Before opset 13 Softmax coerces the input to 2-D [prod(dims < axis), prod(dims >= axis)] and normalises
  // each row: the same as one-axis softmax only when axis is the last dim. Otherwise flatten, softmax the
  // rows, and restore the shape.
  const int axis = normalize_axis(n, n.get_int("axis", 1), rank, "axis");
  Attributes last;
  last.set("axis", int64_t{-1});
  if (axis == rank - 1) {
    im.emit1(n, op, n.name(), {im.value(n, 0)}, n.output(0), std::move(last));
    return;
  }
  const std::string out = n.output(0);
  Attributes flat;
  flat.set("axis", static_cast<int64_t>(axis));
  const int rows = im.emit1(n, OpType::Flatten, n.name() + "/coerce_2d", {im.value(n, 0)}, im.fresh_name(out, "2d"),
                            std::move(flat));
  const int soft = im.emit1(n, op, n.name(), {rows}, im.fresh_name(out, "softmax_2d"), std::move(last));
  Attributes back;
  back.set("shape", Ints(x.dims.begin(), x.dims.begin() + rank));
  im.emit1(n, OpType::Reshape, n.name() + "/restore_shape", {soft}, out, std::move(back));
}

// ReduceMean, ReduceSum, ReduceMax, ... (all ten ONNX reductions).
void map_reduce(Importer& im, const NodeInfo& n) {
  static const std::unordered_map<std::string, OpType> ops = {
      {"ReduceMean", OpType::ReduceMean}, {"ReduceSum", OpType::ReduceSum},
      {"ReduceProd", OpType::ReduceProd}, {"ReduceMax", OpType::ReduceMax},
      {"ReduceMin", OpType::ReduceMin},   {"ReduceL1", OpType::ReduceL1},
      {"ReduceL2", OpType::ReduceL2},     {"ReduceSumSquare", OpType::ReduceSumSquare},
      {"ReduceLogSum", OpType::ReduceLogSum}, {"ReduceLogSumExp", OpType::ReduceLogSumExp}};
  const auto it = ops.find(n.op_type());
  if (it == ops.end()) n.fail("is not a reduction");
  const OpType op = it->second;
  // `axes` moved from an attribute to an input in opset 13 for ReduceSum, in opset 18 for the others.
  const bool axes_input = n.opset() >= (op == OpType::ReduceSum ? 13 : 18);
  std::optional<Ints> axes;
  Attributes a;
  if (axes_input) {
    n.check_attributes({"keepdims", "noop_with_empty_axes"});
    n.expect_inputs(1, 2);
    if (n.has_input(1)) axes = im.const_ints(n, 1, "axes");
    if (axes && axes->empty()) axes.reset();
    if (!axes && n.get_int("noop_with_empty_axes", 0) != 0) {
      // Reduce nothing: each output is its one input value reduced alone (the value itself for
      // Mean/Sum/Prod/Max/Min; |x|, x^2, log x for the others), so only those first ones are an identity.
      if (op == OpType::ReduceMean || op == OpType::ReduceSum || op == OpType::ReduceProd || op == OpType::ReduceMax ||
          op == OpType::ReduceMin) {
        im.alias(n.output(0), n.input(0));
        return;
      }
      a.set("noop_with_empty_axes", int64_t{1});
    }
  } else {
    n.check_attributes({"axes", "keepdims"});
    n.expect_inputs(1, 1);
    axes = n.get_ints("axes");
  }
  const int rank = im.rank_of(n, 0);
  if (axes) {
    Ints norm;
    for (int64_t ax : *axes) {
      const int k = normalize_axis(n, ax, rank, "axis");
      if (std::find(norm.begin(), norm.end(), k) != norm.end()) n.fail(concat("axis ", ax, " is repeated"));
      norm.push_back(k);
    }
    std::sort(norm.begin(), norm.end());
    a.set("axes", norm);
  }
  a.set("keepdims", n.get_int("keepdims", 1));
  im.emit1(n, op, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
