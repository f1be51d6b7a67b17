// Running a batch's leading per-image layers one batch entry at a time. A batch of 16 frames through a CNN
// backbone makes every intermediate 16 images large (actdet's clip: 33 MB after its first conv), so each
// layer streams its input and output through L3 or DRAM; one image at a time, a layer's output is still in
// cache when the next layer reads it. The results are the same bits: the ops chosen here compute each batch
// entry on its own, and their kernels are bound for one entry (engine/executor.cpp).
#pragma once

#include <cstdint>

#include "engine/graph.h"

namespace vigil {

struct EntryPlan {
  int prefix_nodes = 0;  // graph.nodes[0, prefix_nodes) run entry by entry; 0 = none
  int64_t entries = 0;   // the batch size N they share (dim 0 of every value they read or write)
};

// The longest prefix of the (topologically ordered) nodes that may run entry by entry: every node an op
// that treats batch entries independently (convs, pools, activations, channel concats and slices, resizes
// and reductions that keep dim 0, elementwise ops whose constants have no batch dim), every value it reads
// or writes (constants aside) of the same dim 0 N > 1, and no node reading more weight bytes (over 1 MiB)
// than it writes for the whole batch (per entry it would read them N times). Chosen only when it pays: when a node of the
// prefix writes at least `min_value_bytes` at batch N (smaller batches stay in cache either way, and a call
// per entry costs more than it saves).
EntryPlan plan_entry_by_entry(const Graph& g, int64_t min_value_bytes = int64_t{8} << 20);

}  // namespace vigil
