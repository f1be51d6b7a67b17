#include "engine/entry_by_entry.h"

#include <algorithm>

#include "engine/dtype.h"
#include "engine/op_type.h"
#include "engine/ops/activation_attrs.h"

namespace vigil {

namespace {

// Normalised axis (negative counts from the end), or -1 when out of range.
int64_t normalized_axis(int64_t axis, int64_t rank) {
  if (axis < 0) axis += rank;
  return axis >= 0 && axis < rank ? axis : -1;
}

// Axes that all lie past the batch dim (an empty list means "all axes" to the ops using this).
bool axes_keep_batch(const std::vector<int64_t>& axes, int64_t rank) {
  return !axes.empty() &&
         std::all_of(axes.begin(), axes.end(), [&](int64_t a) { return normalized_axis(a, rank) >= 1; });
}

int64_t output_rank(const Graph& g, const Node& node) {
  return node.outputs[0] == kNoValue ? 0
                                     : static_cast<int64_t>(g.values[static_cast<size_t>(node.outputs[0])].shape.rank);
}

enum class Kind { No, PerEntry, Elementwise };

// Weights up to this size are taken to stay in cache (L2 is 1-2 MiB per core on the x86 CPUs we target)
// while the run goes on to the following entries.
constexpr int64_t kCachedWeightBytes = int64_t{1} << 20;

// Whether the op computes each batch entry from that entry alone, given its attributes.
Kind op_kind(const Graph& g, const Node& node) {
  const int64_t rank = node.inputs.empty() || node.inputs[0] == kNoValue
                           ? 0
                           : static_cast<int64_t>(g.values[static_cast<size_t>(node.inputs[0])].shape.rank);
  if (ops::is_activation_op(node.op)) return Kind::PerEntry;
  switch (node.op) {
    case OpType::Conv2d:
    case OpType::Conv2dNchwc:
    case OpType::ToNchwc:
    case OpType::FromNchwc:
    case OpType::BatchNorm:
    case OpType::MaxPool:
    case OpType::AveragePool:
    case OpType::GlobalAveragePool:
    case OpType::GlobalAveragePoolNchwc:
    case OpType::LpPool:
    case OpType::Lrn:
    case OpType::Gelu:
    case OpType::Elu:
      return Kind::PerEntry;
    case OpType::Add:
    case OpType::Sub:
    case OpType::Mul:
    case OpType::Div:
    case OpType::PRelu:
    case OpType::Max:
    case OpType::Min:
      return Kind::Elementwise;
    case OpType::Concat:
      return normalized_axis(node.attrs.get_int("axis", 0, node.name), rank) >= 1 ? Kind::PerEntry : Kind::No;
    case OpType::Softmax:
      return normalized_axis(node.attrs.get_int("axis", -1, node.name), rank) >= 1 ? Kind::PerEntry : Kind::No;
    case OpType::Slice: {
      const std::vector<int64_t> axes = node.attrs.get_ints("axes", {}, node.name);
      return axes_keep_batch(axes, rank) ? Kind::PerEntry : Kind::No;
    }
    case OpType::ReduceMean:
    case OpType::ReduceMax:
    case OpType::ReduceSum:
      return axes_keep_batch(node.attrs.get_ints("axes", {}, node.name), rank) ? Kind::PerEntry : Kind::No;
    case OpType::Resize:  // dim 0 kept (checked with the shapes), so scale 1 there: each entry maps to itself
      return node.attrs.get_string("coordinate_transformation_mode", "half_pixel", node.name) != "tf_crop_and_resize"
                 ? Kind::PerEntry
                 : Kind::No;
    default:
      return Kind::No;
  }
}

// Whether `node` may run entry by entry in a run of batch size n, adding what it writes to output_bytes.
bool fits(const Graph& g, const Node& node, int64_t n, int64_t& output_bytes) {
  const Kind kind = op_kind(g, node);
  if (kind == Kind::No) return false;
  auto batched = [&](const Value& val) { return val.shape.rank >= 1 && val.shape[0] == n; };
  int64_t weight_bytes = 0;
  for (int v : node.inputs) {
    if (v == kNoValue) continue;
    const Value& val = g.values[static_cast<size_t>(v)];
    if (val.constant >= 0) {
      weight_bytes += val.shape.numel() * static_cast<int64_t>(dtype_size(val.dtype));
      // A per-channel or parameter constant; elementwise ops must not broadcast one along the batch.
      if (kind == Kind::Elementwise && val.shape.rank >= output_rank(g, node) && val.shape[0] != 1) return false;
      continue;
    }
    if (!batched(val) || (kind == Kind::Elementwise && val.shape.rank != output_rank(g, node))) return false;
  }
  for (int v : node.outputs) {
    if (v == kNoValue) continue;
    const Value& val = g.values[static_cast<size_t>(v)];
    if (!batched(val)) return false;
    output_bytes += val.shape.numel() * static_cast<int64_t>(dtype_size(val.dtype));
  }
  // Entry by entry, a node reads its weights once per entry instead of once per batch. Where they outweigh
  // what it writes for the whole batch and do not stay in cache from one entry to the next (the deep 3x3
  // convs of a backbone), that costs more than the cache misses it saves: actdet's clip at 2 threads ran
  // 61.9 -> 53.6 ms when its run stopped there instead of at the LSTM. Small weights (squeeze-and-
  // excitation's 1x1 convs on pooled maps) stay in L2 and do not end the run.
  return !(weight_bytes > output_bytes && weight_bytes > kCachedWeightBytes);
}

// The batch size a run starting at `node` would have: dim 0 of its first input, if that is a batch (> 1).
int64_t run_batch(const Graph& g, const Node& node) {
  if (node.inputs.empty() || node.inputs[0] == kNoValue || g.is_constant(node.inputs[0])) return 0;
  const Shape& s = g.values[static_cast<size_t>(node.inputs[0])].shape;
  return s.rank >= 1 && s[0] > 1 ? s[0] : 0;
}

}  // namespace

EntryPlan plan_entry_by_entry(const Graph& g, int64_t min_value_bytes) {
  const int count = static_cast<int>(g.nodes.size());
  int begin = 0;
  while (begin < count) {
    const int64_t n = run_batch(g, g.nodes[static_cast<size_t>(begin)]);
    int end = begin;
    int64_t largest = 0;
    while (n > 0 && end < count) {
      int64_t output_bytes = 0;
      if (!fits(g, g.nodes[static_cast<size_t>(end)], n, output_bytes)) break;
      largest = std::max(largest, output_bytes);
      ++end;
    }
    // Inside a run every value read comes from before it or from the run itself (topological order), so
    // the run needs no other check.
    if (end > begin && largest >= min_value_bytes) return EntryPlan{begin, end, n};
    begin = end > begin ? end : begin + 1;
  }
  return {};
}

}  // namespace vigil
