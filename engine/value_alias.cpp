#include "engine/value_alias.h"

#include <algorithm>

#include "kernels/slice/slice.h"

namespace vigil {

namespace {

bool in_arena(const Graph& g, int v) { return v != kNoValue && !g.is_constant(v); }

// Byte offset of a Slice's output inside its input when the selected elements form one contiguous run,
// or -1. Reads the same attributes as engine/ops/slice.cpp (already validated by shape inference).
int64_t contiguous_slice_offset(const Graph& g, const Node& node) {
  const Value& in = g.values[static_cast<size_t>(node.inputs[0])];
  const Shape& s = in.shape;
  const std::vector<int64_t> starts = node.attrs.get_ints("starts", {});
  const std::vector<int64_t> ends = node.attrs.get_ints("ends", {});
  std::vector<int64_t> axes = node.attrs.get_ints("axes", {});
  std::vector<int64_t> steps = node.attrs.get_ints("steps", {});
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) return -1;
  int64_t start[kMaxRank] = {}, count[kMaxRank] = {};
  for (int d = 0; d < s.rank; ++d) count[d] = s[d];
  for (size_t i = 0; i < starts.size(); ++i) {
    const int d = static_cast<int>(axes[i] < 0 ? axes[i] + s.rank : axes[i]);
    if (d < 0 || d >= s.rank) return -1;
    count[d] = kernels::resolve_slice_axis(s[d], starts[i], ends[i], steps[i], &start[d]);
    if (steps[i] != 1 && count[d] > 1) return -1;  // strided or reversed
  }
  // Contiguous: the last dim that is not whole may be partial; every dim before it selects one index.
  int partial = -1;
  for (int d = 0; d < s.rank; ++d)
    if (start[d] != 0 || count[d] != s[d]) partial = d;
  for (int d = 0; d < partial; ++d)
    if (count[d] != 1) return -1;
  int64_t offset = 0, stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    offset += start[d] * stride;
    stride *= s[d];
  }
  return offset * static_cast<int64_t>(dtype_size(in.dtype));
}

// True when a Transpose keeps every dim larger than 1 in its order (it only moves size-1 dims, e.g. an
// LSTM's [seq, directions, 1, hidden] -> [seq, 1, directions, hidden]): then it moves no byte.
bool transpose_keeps_order(const Graph& g, const Node& node) {
  const Shape& s = g.values[static_cast<size_t>(node.inputs[0])].shape;
  std::vector<int64_t> perm = node.attrs.get_ints("perm", {});
  if (!node.attrs.has("perm"))
    for (int d = s.rank - 1; d >= 0; --d) perm.push_back(d);
  if (perm.size() != static_cast<size_t>(s.rank)) return false;
  int64_t previous = -1;
  for (int64_t d : perm) {
    if (d < 0 || d >= s.rank) return false;
    if (s[static_cast<int>(d)] == 1) continue;
    if (d < previous) return false;
    previous = d;
  }
  return true;
}

}  // namespace

std::vector<ValueAlias> find_value_aliases(const Graph& g) {
  std::vector<ValueAlias> alias(g.values.size());
  std::vector<bool> graph_input(g.values.size(), false);
  for (int v : g.inputs) graph_input[static_cast<size_t>(v)] = true;
  auto set = [&](int child, int parent, int64_t offset) {
    if (!in_arena(g, child) || !in_arena(g, parent) || alias[static_cast<size_t>(child)].parent >= 0) return;
    if (offset < 0 || offset % static_cast<int64_t>(kTensorAlignment) != 0) return;
    alias[static_cast<size_t>(child)] = {parent, static_cast<size_t>(offset)};
  };
  for (const Node& node : g.nodes) {
    switch (node.op) {
      case OpType::Reshape:
      case OpType::Flatten:
      case OpType::Squeeze:
      case OpType::Unsqueeze:
        set(node.outputs[0], node.inputs[0], 0);
        break;
      case OpType::Transpose:
        if (transpose_keeps_order(g, node)) set(node.outputs[0], node.inputs[0], 0);
        break;
      case OpType::Slice:
        set(node.outputs[0], node.inputs[0], contiguous_slice_offset(g, node));
        break;
      case OpType::Concat: {
        const int out = node.outputs[0];
        const Shape& s = g.values[static_cast<size_t>(out)].shape;
        const int64_t axis_attr = node.attrs.get_int("axis", 0);
        const int axis = static_cast<int>(axis_attr < 0 ? axis_attr + s.rank : axis_attr);
        if (s.numel(0, axis) != 1) break;
        int64_t offset = 0;
        for (int v : node.inputs) {
          const Value& val = g.values[static_cast<size_t>(v)];
          // An input used twice in this Concat can live in only one of its parts: the first.
          if (!graph_input[static_cast<size_t>(v)]) set(v, out, offset);
          offset += val.shape.numel() * static_cast<int64_t>(dtype_size(val.dtype));
        }
        break;
      }
      default:
        break;
    }
  }
  return alias;
}

}  // namespace vigil
