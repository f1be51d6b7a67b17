#include "engine/memory_plan.h"

#include <algorithm>

#include "engine/tensor.h"
#include "engine/value_alias.h"

namespace vigil {

namespace {

struct Buffer {
  size_t bytes;
  int first_step, last_step;  // inclusive range of node indices during which it must stay intact
  size_t* offset;             // where to write the result
};

size_t round_up(size_t n) { return (n + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment; }

}  // namespace

MemoryPlan plan_memory(const Graph& g, std::span<const size_t> workspace_bytes,
                       const std::vector<bool>& accepts_batch_strides, const EntryPlan& entries) {
  MemoryPlan plan;
  const int steps = static_cast<int>(g.nodes.size());
  plan.value_offset.assign(g.values.size(), kNotInArena);
  plan.workspace_offset.assign(g.nodes.size(), kNotInArena);

  // Lifetimes of values: [producer, last consumer].
  std::vector<int> first(g.values.size(), -1), last(g.values.size(), -1);
  for (int v : g.inputs) first[static_cast<size_t>(v)] = last[static_cast<size_t>(v)] = 0;
  for (int n = 0; n < steps; ++n) {
    for (int v : g.nodes[static_cast<size_t>(n)].outputs)
      if (v != kNoValue) first[static_cast<size_t>(v)] = last[static_cast<size_t>(v)] = n;
    for (int v : g.nodes[static_cast<size_t>(n)].inputs)
      if (v != kNoValue) last[static_cast<size_t>(v)] = std::max(last[static_cast<size_t>(v)], n);
  }
  for (int v : g.outputs) last[static_cast<size_t>(v)] = std::max(steps - 1, 0);

  // Values inside another value's buffer (engine/value_alias.h) get no buffer of their own: the root of
  // their parent chain lives from the first to the last step of any value in its tree.
  const std::vector<ValueAlias> alias = find_value_aliases(g, accepts_batch_strides);
  plan.value_batch_stride.assign(g.values.size(), 0);
  std::vector<size_t> root(g.values.size()), offset_in_root(g.values.size(), 0);
  for (size_t v = 0; v < g.values.size(); ++v) {
    size_t r = v;
    while (alias[r].parent >= 0) {
      offset_in_root[v] += alias[r].offset;
      r = static_cast<size_t>(alias[r].parent);
    }
    root[v] = r;
    // A strided view (engine/value_alias.h) is a channel subset of its root's batch of images: one image
    // of the root apart.
    if (alias[v].batch_stride != 0) {
      const Shape& rs = g.values[r].shape;
      plan.value_batch_stride[v] = rs.numel() / rs[0];
    }
  }
  for (size_t v = 0; v < g.values.size(); ++v) {
    const size_t r = root[v];
    if (r == v || first[v] < 0) continue;
    first[r] = first[r] < 0 ? first[v] : std::min(first[r], first[v]);
    last[r] = std::max(last[r], last[v]);
  }

  // Entry by entry (engine/entry_by_entry.h) the nodes [begin, end) run once per batch entry. A buffer only
  // they touch holds one entry, rewritten by every pass (so it stays in cache); a buffer that crosses the
  // run's boundary (a graph input or output, or touched by a node outside the run) holds the whole batch and
  // must survive all passes. A value of the run inside such a buffer has its entries one TensorView::
  // batch_stride apart if it is a strided view, else one N-th of its size apart.
  std::vector<bool> one_entry(g.values.size(), false);
  plan.value_entry_stride.assign(g.values.size(), 0);
  plan.value_holds_one_entry.assign(g.values.size(), false);
  if (!entries.empty()) {
    const int begin = entries.begin, end = entries.end - 1;
    std::vector<bool> crossing(g.values.size(), false), touched(g.values.size(), false);
    for (int v : g.inputs) crossing[root[static_cast<size_t>(v)]] = true;
    for (int v : g.outputs) crossing[root[static_cast<size_t>(v)]] = true;
    for (int n = 0; n < steps; ++n)
      for (const auto* list : {&g.nodes[static_cast<size_t>(n)].inputs, &g.nodes[static_cast<size_t>(n)].outputs})
        for (int v : *list) {
          if (v == kNoValue || g.values[static_cast<size_t>(v)].constant >= 0) continue;
          (n >= begin && n <= end ? touched : crossing)[root[static_cast<size_t>(v)]] = true;
        }
    for (size_t r = 0; r < g.values.size(); ++r) {
      if (root[r] != r || !touched[r]) continue;
      // The run writes only values of dim 0 N, so a root only it touches has one; anything else stays whole.
      if (!crossing[r] && g.values[r].shape.rank >= 1 && g.values[r].shape[0] == entries.entries) {
        one_entry[r] = true;
      } else {
        first[r] = std::min(first[r] < 0 ? begin : first[r], begin);
        last[r] = std::max(last[r], end);
      }
    }
    for (size_t v = 0; v < g.values.size(); ++v) {
      const Shape& shape = g.values[v].shape;
      plan.value_holds_one_entry[v] = one_entry[root[v]];
      if (!one_entry[root[v]] && shape.rank >= 1 && shape[0] == entries.entries)
        plan.value_entry_stride[v] =
            plan.value_batch_stride[v] != 0 ? plan.value_batch_stride[v] : shape.numel() / entries.entries;
    }
  }

  std::vector<Buffer> buffers;
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (g.values[v].constant >= 0 || first[v] < 0 || root[v] != v) continue;
    const Value& val = g.values[v];
    const int64_t elements = one_entry[v] ? val.shape.numel() / entries.entries : val.shape.numel();
    size_t bytes = round_up(static_cast<size_t>(elements) * dtype_size(val.dtype));
    buffers.push_back({bytes, first[v], last[v], &plan.value_offset[v]});
  }
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (n < workspace_bytes.size() && workspace_bytes[n] > 0)
      buffers.push_back(
          {round_up(workspace_bytes[n]), static_cast<int>(n), static_cast<int>(n), &plan.workspace_offset[n]});

  // Greedy by size: the largest buffers are placed first, each at the lowest offset that does not collide
  // with an already placed buffer alive at the same time. Simple, and close to optimal on CNN chains.
  std::stable_sort(buffers.begin(), buffers.end(), [](const Buffer& a, const Buffer& b) { return a.bytes > b.bytes; });
  std::vector<const Buffer*> placed;
  std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) ranges of placed buffers alive alongside
  for (Buffer& b : buffers) {
    plan.naive_bytes += b.bytes;
    busy.clear();
    for (const Buffer* p : placed)
      if (p->first_step <= b.last_step && b.first_step <= p->last_step)
        busy.push_back({*p->offset, *p->offset + p->bytes});
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (auto [begin, end] : busy) {
      if (begin >= offset + b.bytes) break;  // fits in the gap before this range
      offset = std::max(offset, end);
    }
    *b.offset = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + b.bytes);
    placed.push_back(&b);
  }
  for (size_t v = 0; v < g.values.size(); ++v)
    if (root[v] != v && plan.value_offset[root[v]] != kNotInArena)
      plan.value_offset[v] = plan.value_offset[root[v]] + offset_in_root[v];
  return plan;
}

}  // namespace vigil
