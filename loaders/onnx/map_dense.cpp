// MatMul, Gemm, LSTM, GRU, Softmax and ReduceMean.
#include <algorithm>

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

void map_lstm(Importer& im, const NodeInfo& n) {
  n.check_attributes({"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size",
                      "input_forget", "layout"});
  n.expect_inputs(3, 8);
  const std::string direction = n.get_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    n.fail(concat("direction '", direction, "' is not forward, reverse or bidirectional"));
  const size_t dirs = direction == "bidirectional" ? 2 : 1;
  if (auto acts = n.get_strings("activations")) {
    // Only the default gate functions: f = Sigmoid, g = h = Tanh for every direction.
    std::vector<std::string> expected;
    for (size_t d = 0; d < dirs; ++d) expected.insert(expected.end(), {"Sigmoid", "Tanh", "Tanh"});
    if (*acts != expected) {
      std::string got;
      for (const auto& s : *acts) got += (got.empty() ? "" : ",") + s;
      n.fail(concat("activations [", got, "] are not supported; vigil's LSTM uses Sigmoid,Tanh,Tanh only"));
    }
  }
  const Shape r = im.shape_of(n, 2);
  if (r.rank != 3) n.fail(concat("recurrence weight R must be 3-D, got ", r.str()));
  const int64_t hidden = n.get_int("hidden_size", r[2]);
  Attributes a;
  a.set("hidden_size", hidden);
  a.set("direction", direction);
  if (n.has_attr("clip")) a.set("clip", n.get_float("clip", 0));
  a.set("input_forget", n.get_int("input_forget", 0));
  a.set("layout", n.get_int("layout", 0));
  std::vector<int> inputs;
  int last = 2;
  for (int k = 3; k < 8; ++k)
    if (n.has_input(k)) last = k;
  for (int k = 0; k <= last; ++k) inputs.push_back(im.value(n, k));
  std::vector<std::string> outputs;
  for (int k = 0; k < std::min(n.num_outputs(), 3); ++k) outputs.push_back(n.has_output(k) ? n.output(k) : "");
  while (!outputs.empty() && outputs.back().empty()) outputs.pop_back();
  if (outputs.empty()) n.fail("has no outputs");
  im.emit(n, OpType::Lstm, n.name(), inputs, outputs, std::move(a));
}

void map_gru(Importer& im, const NodeInfo& n) {
  n.check_attributes({"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size",
                      "layout", "linear_before_reset"});
  n.expect_inputs(3, 6);
  const std::string direction = n.get_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    n.fail(concat("direction '", direction, "' is not forward, reverse or bidirectional"));
  const size_t dirs = direction == "bidirectional" ? 2 : 1;
  if (auto acts = n.get_strings("activations")) {
    // Only the default functions: f = Sigmoid (gates), g = Tanh (candidate) for every direction.
    std::vector<std::string> expected;
    for (size_t d = 0; d < dirs; ++d) expected.insert(expected.end(), {"Sigmoid", "Tanh"});
    if (*acts != expected) {
      std::string got;
      for (const auto& s : *acts) got += (got.empty() ? "" : ",") + s;
      n.fail(concat("activations [", got, "] are not supported; vigil's GRU uses Sigmoid,Tanh only"));
    }
  }
  const int64_t linear_before_reset = n.get_int("linear_before_reset", 0);
  if (linear_before_reset != 0 && linear_before_reset != 1)
    n.fail(concat("linear_before_reset must be 0 or 1, got ", linear_before_reset));
  const Shape r = im.shape_of(n, 2);
  if (r.rank != 3) n.fail(concat("recurrence weight R must be 3-D, got ", r.str()));
  Attributes a;
  a.set("hidden_size", n.get_int("hidden_size", r[2]));
  a.set("direction", direction);
  if (n.has_attr("clip")) a.set("clip", n.get_float("clip", 0));
  a.set("linear_before_reset", linear_before_reset);
  a.set("layout", n.get_int("layout", 0));
  std::vector<int> inputs;
  int last = 2;
  for (int k = 3; k < 6; ++k)
    if (n.has_input(k)) last = k;
  for (int k = 0; k <= last; ++k) inputs.push_back(im.value(n, k));
  std::vector<std::string> outputs;
  for (int k = 0; k < std::min(n.num_outputs(), 2); ++k) outputs.push_back(n.has_output(k) ? n.output(k) : "");
  while (!outputs.empty() && outputs.back().empty()) outputs.pop_back();
  if (outputs.empty()) n.fail("has no outputs");
  im.emit(n, OpType::Gru, n.name(), inputs, outputs, std::move(a));
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

void map_reduce_mean(Importer& im, const NodeInfo& n) {
  std::optional<Ints> axes;
  if (n.opset() >= 18) {
    n.check_attributes({"keepdims", "noop_with_empty_axes"});
    n.expect_inputs(1, 2);
    if (n.has_input(1)) axes = im.const_ints(n, 1, "axes");
    if (axes && axes->empty()) axes.reset();
    if (!axes && n.get_int("noop_with_empty_axes", 0) != 0) {
      im.alias(n.output(0), n.input(0));  // reduce nothing: the input itself
      return;
    }
  } else {
    n.check_attributes({"axes", "keepdims"});
    n.expect_inputs(1, 1);
    axes = n.get_ints("axes");
  }
  const int rank = im.rank_of(n, 0);
  Attributes a;
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
  im.emit1(n, OpType::ReduceMean, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
