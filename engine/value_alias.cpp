#include "engine/value_alias.h"

#include <algorithm>

#include "kernels/slice/slice.h"

namespace vigil {

namespace {

bool in_arena(const Graph& g, int v) { return v != kNoValue && !g.is_constant(v); }

// What a Slice selects along each dim of its input: the first index, the count and the step (untouched
// dims: all, step 1). Reads the same attributes as engine/ops/slice.cpp (already validated by shape
// inference); false if they do not fit together.
struct SliceSelection {
  int64_t start[kMaxRank] = {}, count[kMaxRank] = {}, step[kMaxRank] = {};
};
bool slice_selection(const Shape& s, const Node& node, SliceSelection& sel) {
  const std::vector<int64_t> starts = node.attrs.get_ints("starts", {});
  const std::vector<int64_t> ends = node.attrs.get_ints("ends", {});
  std::vector<int64_t> axes = node.attrs.get_ints("axes", {});
  std::vector<int64_t> steps = node.attrs.get_ints("steps", {});
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) return false;
  for (int d = 0; d < s.rank; ++d) sel.start[d] = 0, sel.count[d] = s[d], sel.step[d] = 1;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int d = static_cast<int>(axes[i] < 0 ? axes[i] + s.rank : axes[i]);
    if (d < 0 || d >= s.rank) return false;
    sel.count[d] = kernels::resolve_slice_axis(s[d], starts[i], ends[i], steps[i], &sel.start[d]);
    sel.step[d] = steps[i];
  }
  return true;
}

// Byte offset of a Slice's output inside its input when the selected elements form one contiguous run,
// or -1.
int64_t contiguous_slice_offset(const Graph& g, const Node& node) {
  const Value& in = g.values[static_cast<size_t>(node.inputs[0])];
  const Shape& s = in.shape;
  SliceSelection sel;
  if (!slice_selection(s, node, sel)) return -1;
  for (int d = 0; d < s.rank; ++d)
    if (sel.step[d] != 1 && sel.count[d] > 1) return -1;  // strided or reversed
  // Contiguous: the last dim that is not whole may be partial; every dim before it selects one index.
  int partial = -1;
  for (int d = 0; d < s.rank; ++d)
    if (sel.start[d] != 0 || sel.count[d] != s[d]) partial = d;
  for (int d = 0; d < partial; ++d)
    if (sel.count[d] != 1) return -1;
  int64_t offset = 0, stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    offset += sel.start[d] * stride;
    stride *= s[d];
  }
  return offset * static_cast<int64_t>(dtype_size(in.dtype));
}

// Byte offset of a Slice's output inside its input (into the first image) when it selects a range of
// channels, step 1, of a batch (N > 1) of NCHW images and everything else whole; else -1.
int64_t channel_slice_offset(const Graph& g, const Node& node) {
  const Value& in = g.values[static_cast<size_t>(node.inputs[0])];
  const Shape& s = in.shape;
  SliceSelection sel;
  if (s.rank != 4 || s[0] < 2 || !slice_selection(s, node, sel) || sel.step[1] != 1) return -1;
  for (int d : {0, 2, 3})
    if (sel.start[d] != 0 || sel.count[d] != s[d] || sel.step[d] != 1) return -1;  // another dim cut
  return sel.start[1] * s[2] * s[3] * static_cast<int64_t>(dtype_size(in.dtype));
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

std::vector<ValueAlias> find_value_aliases(const Graph& g, const std::vector<bool>& accepts_batch_strides) {
  std::vector<ValueAlias> alias(g.values.size());
  std::vector<bool> graph_input(g.values.size(), false), graph_output(g.values.size(), false);
  for (int v : g.inputs) graph_input[static_cast<size_t>(v)] = true;
  for (int v : g.outputs) graph_output[static_cast<size_t>(v)] = true;
  // Strided views and the values holding them form trees of channel subsets of one batch of NCHW images:
  // every strided view's image stride is its root's (resolved by the memory plan). Dense and strided
  // relations never mix on one value (a dense view of a strided value would read it wrongly).
  std::vector<bool> strided_child(g.values.size(), false), strided_parent(g.values.size(), false),
      dense_parent(g.values.size(), false);
  auto set = [&](int child, int parent, int64_t offset) {
    if (!in_arena(g, child) || !in_arena(g, parent) || alias[static_cast<size_t>(child)].parent >= 0) return;
    for (int v : {child, parent})
      if (strided_child[static_cast<size_t>(v)] || strided_parent[static_cast<size_t>(v)]) return;
    if (offset < 0 || offset % static_cast<int64_t>(kTensorAlignment) != 0) return;
    alias[static_cast<size_t>(child)] = {parent, static_cast<size_t>(offset)};
    dense_parent[static_cast<size_t>(parent)] = true;
  };
  // Producer and consumers of every value, for the strided case.
  std::vector<int> producer(g.values.size(), -1);
  std::vector<std::vector<int>> consumers(g.values.size());
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    for (int v : g.nodes[n].outputs)
      if (v != kNoValue) producer[static_cast<size_t>(v)] = static_cast<int>(n);
    for (int v : g.nodes[n].inputs)
      if (v != kNoValue) consumers[static_cast<size_t>(v)].push_back(static_cast<int>(n));
  }
  auto accepts = [&](int n) {
    return n >= 0 && static_cast<size_t>(n) < accepts_batch_strides.size() &&
           accepts_batch_strides[static_cast<size_t>(n)];
  };
  // Every reader of `v` but `skip` accepts strided views and reads `v` as its input 0 only.
  auto readers_accept = [&](int v, int skip) {
    for (int n : consumers[static_cast<size_t>(v)]) {
      if (n == skip) continue;
      const Node& reader = g.nodes[static_cast<size_t>(n)];
      if (!accepts(n) || reader.inputs.empty() || reader.inputs[0] != v) return false;
      for (size_t i = 1; i < reader.inputs.size(); ++i)
        if (reader.inputs[i] == v) return false;
    }
    return true;
  };
  // `child` as a strided view of `parent` at `offset` bytes (into the first image), images
  // `batch_stride` elements apart (the parent's; the memory plan resolves the root's).
  auto set_strided = [&](int child, int parent, int64_t offset, int64_t batch_stride) {
    alias[static_cast<size_t>(child)] = {parent, static_cast<size_t>(offset), batch_stride};
    strided_child[static_cast<size_t>(child)] = strided_parent[static_cast<size_t>(parent)] = true;
  };
  // Input `v` of the channel Concat `concat` produced straight into `out`: only if its producer's kernel
  // accepts that and every other reader does. `v` may already hold strided views (channel slices of it).
  auto concat_part = [&](int v, int out, int concat, int64_t offset, int64_t batch_stride) {
    const size_t vi = static_cast<size_t>(v);
    if (!in_arena(g, v) || graph_input[vi] || graph_output[vi] || alias[vi].parent >= 0 || dense_parent[vi] ||
        dense_parent[static_cast<size_t>(out)] || alias[static_cast<size_t>(out)].parent >= 0)
      return;
    if (offset % static_cast<int64_t>(kTensorAlignment) != 0 || !accepts(producer[vi])) return;
    if (g.nodes[static_cast<size_t>(producer[vi])].outputs[0] != v || !readers_accept(v, concat)) return;
    set_strided(v, out, offset, batch_stride);
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
      case OpType::Slice: {
        const int out = node.outputs[0], in = node.inputs[0];
        set(out, in, contiguous_slice_offset(g, node));
        // A channel slice of a batch of images: a strided view, when its readers accept one. (The slice
        // node itself then finds its output already in place.)
        const size_t oi = static_cast<size_t>(out);
        // The input must be a root or itself a strided view: a strided view takes its root's image stride,
        // and a dense view's root (a reshape's source) need not have this batch layout.
        const size_t ii = static_cast<size_t>(in);
        if (alias[oi].parent >= 0 || accepts_batch_strides.empty() || !in_arena(g, out) || !in_arena(g, in) ||
            graph_output[oi] || dense_parent[ii] || (alias[ii].parent >= 0 && !strided_child[ii]))
          break;
        const int64_t offset = channel_slice_offset(g, node);
        if (offset >= 0 && offset % static_cast<int64_t>(kTensorAlignment) == 0 && readers_accept(out, -1)) {
          const Shape& s = g.values[static_cast<size_t>(in)].shape;
          set_strided(out, in, offset, s[1] * s[2] * s[3]);
        }
        break;
      }
      case OpType::Concat: {
        const int out = node.outputs[0];
        const Shape& s = g.values[static_cast<size_t>(out)].shape;
        const int64_t axis_attr = node.attrs.get_int("axis", 0);
        const int axis = static_cast<int>(axis_attr < 0 ? axis_attr + s.rank : axis_attr);
        if (s.numel(0, axis) != 1) {
          // A batch of NCHW images concatenated along channels: strided views, where the kernels allow.
          if (s.rank != 4 || axis != 1 || accepts_batch_strides.empty() || !in_arena(g, out) ||
              graph_output[static_cast<size_t>(out)])
            break;
          const Value& o = g.values[static_cast<size_t>(out)];
          const int64_t plane = s[2] * s[3];
          int64_t channel = 0;
          for (size_t i = 0; i < node.inputs.size(); ++i) {
            const int v = node.inputs[i];
            bool repeated = false;
            for (size_t k = 0; k < i; ++k) repeated |= node.inputs[k] == v;
            if (!repeated)
              concat_part(v, out, static_cast<int>(&node - g.nodes.data()),
                          channel * plane * static_cast<int64_t>(dtype_size(o.dtype)), s[1] * plane);
            channel += g.values[static_cast<size_t>(v)].shape[1];
          }
          break;
        }
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
