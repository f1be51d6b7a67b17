// Running a batch's per-image layers one batch entry at a time. A batch of 16 frames through a CNN
// backbone makes every intermediate 16 images large (actdet's clip: 33 MB after its first conv), so each
// layer streams its input and output through L3 or DRAM; one image at a time, a layer's output is still in
// cache when the next layer reads it. The results are the same bits: the ops chosen here compute each batch
// entry on its own, and their kernels are bound for one entry (engine/executor.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/graph.h"

namespace vigil {

struct EntryPlan {
  int begin = 0, end = 0;  // graph.nodes[begin, end) run entry by entry; begin == end: none
  int64_t entries = 0;     // the batch size N they share (dim 0 of every value they read or write)
  bool empty() const { return begin >= end; }
  bool contains(size_t node) const { return node >= static_cast<size_t>(begin) && node < static_cast<size_t>(end); }
};

// The first run of consecutive (topologically ordered) nodes that may run entry by entry and is worth it.
// Every node of the run is an op that treats batch entries independently (convs, pools, activations,
// channel concats and slices, resizes and reductions that keep dim 0, elementwise ops whose constants have
// no batch dim); every value it reads or writes (constants aside) has the same dim 0 N > 1; and no node
// reads more weight bytes (over 1 MiB) than it writes for the whole batch (per entry it would read them N
// times). Nodes before the run (an input Transpose from NHWC, a Reshape of [B, T, ...] frames to [B*T, ...])
// and after it run over the whole batch. A run counts when one of its nodes writes at least
// `min_value_bytes` at batch N (smaller batches stay in cache either way, and a call per entry costs more
// than it saves).
EntryPlan plan_entry_by_entry(const Graph& g, int64_t min_value_bytes = int64_t{8} << 20);

}  // namespace vigil
